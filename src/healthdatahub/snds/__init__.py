"""SNDS knowledge: table schemas (`schema`), NIR numbers (`nir`), nomenclatures, synthetic data."""

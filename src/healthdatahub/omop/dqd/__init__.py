"""OHDSI Data Quality Dashboard checks (CDM 5.4) run as engine SQL, with their thresholds."""

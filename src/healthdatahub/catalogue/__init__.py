"""The metadata catalogue: database > collection > variable, search, HealthDCAT-AP, harvest."""

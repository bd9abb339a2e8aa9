"""OMOP CDM 5.4: DDL from the specification, vocabularies, SNDS → OMOP ETL, quality checks.

The public face is :mod:`healthdatahub.omop.service` (used by the CLI, the demo and the web).
"""

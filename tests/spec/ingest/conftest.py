"""Spec cases of the ingestion checks (run on every engine)."""

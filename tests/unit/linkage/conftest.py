"""Unit tests of the linkage domain: pure SQL and crypto on in-memory DuckDB, no store."""

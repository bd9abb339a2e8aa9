"""Unit tests of the portal need no store."""

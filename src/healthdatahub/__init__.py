"""healthdatahub: an open, self-hostable health data hub."""

__version__ = "0.1.0"

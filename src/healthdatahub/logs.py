"""Logging set-up: one format, the level from Settings, never a patient value in a message."""

from __future__ import annotations

import logging

from healthdatahub.config import Settings

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(settings: Settings) -> None:
    """Configure the ``healthdatahub`` logger hierarchy once, to stderr."""
    logger = logging.getLogger("healthdatahub")
    logger.setLevel(settings.log_level)
    if not any(getattr(h, "_hdh", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._hdh = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    for noisy in ("py4j", "pyspark", "alembic", "faker"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

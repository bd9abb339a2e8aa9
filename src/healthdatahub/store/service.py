"""The store's operations as the CLI and portal call them (``hdh db upgrade``)."""

from __future__ import annotations

import time

from healthdatahub.config import Settings
from healthdatahub.results import Outcome
from healthdatahub.store.db import current_revision, head_revision, safe_url, upgrade


def upgrade_store(settings: Settings, revision: str = "head") -> Outcome:
    """Create or migrate the metadata store to ``revision`` (default: the latest)."""
    url = settings.store_url
    started = time.perf_counter()
    before = current_revision(url)
    after = upgrade(url, revision)
    elapsed = round(time.perf_counter() - started, 3)
    where = safe_url(url)
    if before == after:
        summary = f"Metadata store {where} is already at revision {after}."
    else:
        summary = f"Metadata store {where} migrated from {before or 'empty'} to revision {after}."
    return Outcome(
        action="db.upgrade",
        summary=summary,
        paths={"store": where},
        timings={"upgrade_s": elapsed},
        details={"previous": before, "revision": after, "head": head_revision()},
    )

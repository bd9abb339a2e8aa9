"""The hub's append-only audit trail: any domain records events here; the portal shows them.

``record(settings, action, ...)`` appends one entry chained by SHA-256 to the previous one;
``verify(settings)`` recomputes the chain and names the first altered or missing entry.
"""

from healthdatahub.audit.chain import (
    GENESIS_HASH,
    AuditEntry,
    ChainReport,
    entry_hash,
    list_events,
    record,
    verify,
    verify_outcome,
)

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "ChainReport",
    "entry_hash",
    "list_events",
    "record",
    "verify",
    "verify_outcome",
]

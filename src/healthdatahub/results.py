"""What a command produced, as a short human summary or a machine-readable JSON document.

Domain services return a :class:`Outcome`; the CLI prints it (``--json`` for scripts)
and the web layer can return it as is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Outcome:
    """The result of one operation: what was written, how much, how long it took."""

    action: str
    summary: str
    paths: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    ok: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

"""The one rule deciding whether a report may show a cell value (reports reach producers).

A value is shown only when it cannot point to a person or an establishment: never for a date
(a birth or care date narrows a person down), never for identifier columns (pseudonyms, NIR
links, FINESS, professional numbers, order numbers), never for free text. It is shown for the
codes and quantities a producer needs to see to fix a file (a sex code ``3``, an amount
``12,5`` with a decimal comma, a month ``13``), and never for an empty value.
"""

from __future__ import annotations

from typing import Any

from healthdatahub.ingest.finess import is_finess_field

IDENTIFYING_PARTS = ("NIR", "PSA", "IDT", "ANO", "NUM", "FIN", "NOM", "PRN", "ADR", "TEL", "MAIL")
SHOWN_TYPES = ("integer", "number", "year", "boolean", "string")


def shows_value(descriptor: dict[str, Any], column: str | None, rule: str) -> bool:
    """Whether the report may show the bad values of ``column`` for ``rule``."""
    if column is None or rule in ("required", "primaryKey", "unique", "foreignKey"):
        return False
    spec = next((f for f in descriptor.get("fields", []) if f["name"] == column), None)
    if spec is None or spec.get("type") not in SHOWN_TYPES:
        return False
    name = column.upper()
    if is_finess_field(descriptor.get("name", ""), column) or any(
            part in name for part in IDENTIFYING_PARTS):
        return False
    if spec["type"] == "string":  # text is shown only for coded columns
        cons = spec.get("constraints") or {}
        return bool(spec.get("nomenclature") or "enum" in cons or "pattern" in cons)
    return True

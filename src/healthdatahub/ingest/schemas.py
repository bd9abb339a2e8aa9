"""Which Table Schema descriptor applies to which table of a dataset.

The default schema set is the SNDS one (``snds/schemas/``, yearly PMSI names resolved by
``snds.schema.resolve_table``); a dataset may instead point to a Table Schema or a Data Package
descriptor file (``--schema PATH``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthdatahub.errors import HubError
from healthdatahub.snds import schema as snds_schema

SNDS = "snds"


@dataclass
class SchemaSet:
    """The descriptors of a dataset, by table name (or one descriptor for every table)."""

    source: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    single: dict[str, Any] | None = None

    def descriptor(self, table: str) -> dict[str, Any]:
        """The descriptor of ``table``; HubError when the dataset describes no such table."""
        if self.source == SNDS:
            return snds_schema.load_schema(table)
        if self.single is not None:
            return {**self.single, "name": self.single.get("name", table)}
        if table in self.resources:
            return {**self.resources[table], "name": table}
        raise HubError(f"Table {table} has no schema in {self.source}; known tables are "
                       f"{', '.join(sorted(self.resources))}.")

    def resolve(self, table: str) -> str:
        """The name references to ``table`` use (T_MCO23B -> T_MCOaaB for SNDS)."""
        if self.source == SNDS:
            return snds_schema.resolve_table(table)
        return table


def load_schema_set(path: str | Path | None) -> SchemaSet:
    """The SNDS schema set, or the descriptors of a Table Schema / Data Package file."""
    if path is None or str(path) == SNDS:
        return SchemaSet(SNDS)
    file = Path(path)
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except OSError:
        raise HubError(f"Schema file {file} cannot be read.") from None
    except ValueError as exc:
        raise HubError(f"Schema file {file} is not valid JSON: {exc}.") from None
    if "fields" in doc:
        return SchemaSet(str(file), single=doc)
    resources = {}
    for res in doc.get("resources", []):
        schema = res.get("schema")
        if isinstance(schema, str):
            schema = json.loads((file.parent / schema).read_text(encoding="utf-8"))
        if not isinstance(schema, dict) or "name" not in res:
            raise HubError(f"Data Package {file}: every resource needs a name and a schema.")
        resources[res["name"]] = schema
    if not resources:
        raise HubError(f"Schema file {file} is neither a Table Schema nor a Data Package.")
    return SchemaSet(str(file), resources=resources)

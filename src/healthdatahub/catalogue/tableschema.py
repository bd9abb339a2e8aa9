"""Import collections and variables from Frictionless Table Schema / Data Package descriptors.

Accepts one Table Schema (``fields``), a Data Package (``resources`` with inline schemas),
or a folder of either; the SNDS extensions (``length``, ``nomenclature``) give the coding
system. Unknown field types and duplicate names are refused with the file and field named.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from healthdatahub.catalogue.records import check_collection
from healthdatahub.catalogue.variables import TYPES, coding_system
from healthdatahub.errors import HubError

MAX_DESCRIPTOR_BYTES = 20 * 1024 * 1024


def _variable(f: dict[str, Any], where: str) -> dict[str, Any]:
    name = f.get("name")
    if not isinstance(name, str) or not name:
        raise HubError(f"{where}: a field has no name.")
    type_ = f.get("type", "string")
    if type_ not in TYPES:
        raise HubError(f"{where}, field {name}: unknown Table Schema type {str(type_)[:30]!r}.")
    constraints = f.get("constraints") or {}
    description = f.get("description") or ""
    return {"name": name, "type": type_,
            "label": {"fr": f.get("title") or description[:500], "en": ""},
            "description": {"fr": description, "en": ""},
            "unit": f.get("unit") or "",
            "coding_system": coding_system(name, f.get("nomenclature")),
            "nullable": not constraints.get("required", False)}


def collection_from_schema(schema: dict[str, Any], where: str, name: str | None = None,
                           title: str | None = None) -> dict[str, Any]:
    """One collection from a Table Schema descriptor (its ``name`` and ``fields``)."""
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        raise HubError(f"{where}: the descriptor has no fields.")
    table = name or schema.get("name")
    if not table:
        raise HubError(f"{where}: the descriptor has no name.")
    product = schema.get("produit") or schema.get("product")
    details = {"product": product} if product else {}
    keys = schema.get("primaryKey")
    if keys:
        details["primary_key"] = [keys] if isinstance(keys, str) else list(keys)
    return check_collection({
        "name": table, "title": {"fr": title or schema.get("title") or "", "en": ""},
        "description": {"fr": schema.get("description") or "", "en": ""},
        "details": details,
        "variables": [_variable(f, f"{where}") for f in fields]}, where)


def collections_from_descriptor(descriptor: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Collections from a parsed Table Schema or Data Package."""
    if "resources" in descriptor:
        out = []
        for i, resource in enumerate(descriptor["resources"]):
            schema = resource.get("schema")
            if not isinstance(schema, dict):
                raise HubError(f"{where}, resource {i}: no inline schema.")
            out.append(collection_from_schema(schema, f"{where}, resource {i}",
                                              resource.get("name"), resource.get("title")))
        return out
    return [collection_from_schema(descriptor, where)]


def _read(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_DESCRIPTOR_BYTES:
        raise HubError(f"Descriptor {path} is larger than 20 MiB.")
    try:
        parsed = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HubError(f"Descriptor {path} is not valid JSON ({type(exc).__name__}).") from None
    if not isinstance(parsed, dict):
        raise HubError(f"Descriptor {path} is not a JSON object.")
    return parsed


def collections_from_path(path: Path) -> list[dict[str, Any]]:
    """Collections from a descriptor file or a folder of them (sorted, names unique)."""
    if not path.exists():
        raise HubError(f"Descriptor path {path} does not exist.")
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    out: list[dict[str, Any]] = []
    for file in files:
        out.extend(collections_from_descriptor(_read(file), str(file)))
    seen: dict[str, int] = {}
    for c in out:
        seen[c["name"]] = seen.get(c["name"], 0) + 1
    duplicates = sorted(n for n, count in seen.items() if count > 1)
    if duplicates:
        raise HubError(f"Descriptors under {path} define tables twice: {duplicates[:10]}.")
    return out


def snds_collections() -> list[dict[str, Any]]:
    """The SNDS main database's collections from the bundled published schema (188 tables)."""
    from healthdatahub.catalogue.snds_bundle import load

    return [collection_from_schema(
        {**t, "produit": t.get("product")}, f"SNDS schema {t['name']}") for t in load()]

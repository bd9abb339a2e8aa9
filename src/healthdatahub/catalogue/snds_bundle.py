"""Build the catalogue's compact copy of the published SNDS schema (188 Table Schema files).

``python -m healthdatahub.catalogue.snds_bundle SCHEMAS_DIR`` rewrites
``data/snds_tables.json.gz`` from a checkout of the published schema (MPL-2.0); the
catalogue reads only that copy at run time.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).parent / "data" / "snds_tables.json.gz"
KEEP = ("name", "description", "type", "format", "length", "nomenclature")


def _table(descriptor: dict[str, Any], product: str) -> dict[str, Any]:
    fields = [{k: f[k] for k in KEEP if f.get(k) not in (None, "", "-")}
              for f in descriptor.get("fields", [])]
    return {"name": descriptor["name"], "title": descriptor.get("title", ""),
            "product": descriptor.get("produit") or product,
            "primaryKey": descriptor.get("primaryKey") or [], "fields": fields}


def build(schemas_dir: Path, target: Path = TARGET) -> int:
    """Write the bundle from ``schemas_dir``; returns the number of tables."""
    tables = [_table(json.loads(p.read_text(encoding="utf-8")), p.parent.name)
              for p in sorted(schemas_dir.rglob("*.json"))]
    payload = {"source": "Published SNDS schema, snapshot 2020-12 (MPL-2.0)", "tables": tables}
    target.write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False,
                                                separators=(",", ":")).encode(), mtime=0))
    return len(tables)


def load(path: Path = TARGET) -> list[dict[str, Any]]:
    """The bundled SNDS tables (name, title, product, primaryKey, fields)."""
    return json.loads(gzip.decompress(path.read_bytes()))["tables"]


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))

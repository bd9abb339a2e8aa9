"""The ETL's SQL models (one ``.sql`` per CDM table or staging step), rendered with Jinja2.

Models are written once in DuckDB's dialect and run on every engine. The only templating is
parameters (dates, salt, flags) and the ``hid(expr, prefix)`` macro: a stable 60-bit integer
id, the first 15 hex digits of ``sha256(prefix || '|' || expr)``, parsed with portable
``strpos``/``substr`` arithmetic so that DuckDB and Spark give the very same id.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jinja2

from healthdatahub.snds.schema import JOIN_KEYS

HEX = "0123456789abcdef"
ID_HEX_DIGITS = 15  # 60 bits: always a positive BIGINT on every engine


def hid(expr: str, prefix: str) -> str:
    """SQL for a stable positive 60-bit id of ``expr`` (identical on DuckDB and Spark)."""
    digest = f"sha256('{prefix}|' || ({expr}))"
    terms = [f"CAST(strpos('{HEX}', substr({digest}, {i + 1}, 1)) - 1 AS BIGINT) * {16 ** (ID_HEX_DIGITS - 1 - i)}"
             for i in range(ID_HEX_DIGITS)]
    return "CAST((" + " + ".join(terms) + ") AS BIGINT)"


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True)
    env.globals["hid"] = hid
    env.globals["join_keys"] = " AND ".join(f"h.{k} = p.{k}" for k in JOIN_KEYS)
    return env


@cache
def source(name: str) -> str:
    """The text of model ``name`` (``etl/<name>.sql``)."""
    return resources.files("healthdatahub.omop.etl").joinpath(f"{name}.sql").read_text("utf-8")


def render(name: str, **params: Any) -> str:
    """Model ``name`` rendered with ``params``, comments stripped, as one statement."""
    sql = _env().from_string(source(name)).render(**params)
    lines = [ln for ln in sql.splitlines() if not ln.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")

"""The ETL's SQL models (one ``.sql`` per CDM table or staging step), rendered with Jinja2.

Models are written once in DuckDB's dialect and run on every engine. The only templating is
parameters (dates, salt, flags), the ``hid(expr, prefix)`` macro: a stable 60-bit integer
id, the first 15 hex digits of ``sha256(prefix || '|' || expr)``, parsed with portable
``strpos``/``substr`` arithmetic so that DuckDB and Spark give the very same id, and
``per_target(expr)``: an id's text made distinct per target concept of a one-to-many map.
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


def per_target(expr: str, alias: str = "m") -> str:
    """``expr`` suffixed with ``'|' || target`` for a code's second and later targets.

    A source row whose code has several 'Maps to' targets becomes one CDM row per target; the
    first target (the lowest id, the one the ETL used to pick alone) keeps the row's id.
    """
    return (f"({expr}) || CASE WHEN COALESCE({alias}.target_rank, 1) > 1 THEN '|' || "
            f"CAST({alias}.target_concept_id AS VARCHAR) ELSE '' END")


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                             keep_trailing_newline=True)
    env.globals["hid"] = hid
    env.globals["per_target"] = per_target
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

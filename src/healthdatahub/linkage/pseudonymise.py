"""Two-stage keyed pseudonymisation, as the SNDS does it, computed inside DuckDB.

Specification (deterministic; the keys never enter the metadata store):

1. ``national = HMAC-SHA-256(K_nat, NIR15)`` as 64 lower-case hex characters, where NIR15 is
   the beneficiary's 15-character NIR (spaces removed, upper case, key included, ASCII) and
   ``K_nat = HKDF-SHA-256(S, info="hdh-linkage-national")`` with S the hub's pseudonymisation
   secret (``keys.pseudonym_secret``).
2. ``project = HMAC-SHA-256(K_p, national)`` as 64 hex characters, with
   ``K_p = HKDF-SHA-256(S, info="hdh-linkage-project:" + project uid)``. Two projects have
   unrelated pseudonyms for the same person, so their outputs cannot be joined.

In SQL, HMAC is written from its definition (RFC 2104):
``sha256(K xor opad || unhex(sha256(K xor ipad || m)))``; the padded keys sit in a one-row
temporary table, never in SQL text. ``national_pseudonym``/``project_pseudonym`` are the same
function in Python, for tests and for documentation.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb

from healthdatahub.linkage.keys import derive

NATIONAL_LABEL = "hdh-linkage-national"
PROJECT_LABEL = "hdh-linkage-project:"


def national_key(secret: bytes) -> bytes:
    """K_nat, the key of the national pseudonym."""
    return derive(secret, NATIONAL_LABEL)


def project_key(secret: bytes, project_uid: str) -> bytes:
    """K_p, the key of one project's pseudonyms."""
    return derive(secret, PROJECT_LABEL + project_uid)


def national_pseudonym(secret: bytes, nir15: str) -> str:
    """The national pseudonym of one NIR (reference implementation)."""
    return hmac.new(national_key(secret), nir15.encode("ascii"), hashlib.sha256).hexdigest()


def project_pseudonym(secret: bytes, project_uid: str, national: str) -> str:
    """The project pseudonym of one national pseudonym (reference implementation)."""
    return hmac.new(project_key(secret, project_uid), national.encode("ascii"),
                    hashlib.sha256).hexdigest()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def install(con: duckdb.DuckDBPyConnection, secret: bytes, project_uid: str) -> None:
    """Create the SQL macros ``hdh_national(nir)`` and ``hdh_project(national)`` on ``con``."""
    ni, no = _pads(national_key(secret))
    pi, po = _pads(project_key(secret, project_uid))
    con.execute("CREATE OR REPLACE TEMP TABLE _hdh_pads (ni BLOB, no BLOB, pi BLOB, po BLOB)")
    con.execute("INSERT INTO _hdh_pads VALUES (?, ?, ?, ?)", [ni, no, pi, po])
    con.execute("""
        CREATE OR REPLACE TEMP MACRO hdh_national(m) AS
          sha256((SELECT no FROM _hdh_pads) || unhex(sha256((SELECT ni FROM _hdh_pads) || encode(m))))
    """)
    con.execute("""
        CREATE OR REPLACE TEMP MACRO hdh_project(m) AS
          sha256((SELECT po FROM _hdh_pads) || unhex(sha256((SELECT pi FROM _hdh_pads) || encode(m))))
    """)

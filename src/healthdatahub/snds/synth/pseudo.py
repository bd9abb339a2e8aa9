"""Pseudonyms of the synthetic world: two-stage HMAC-SHA-256, computed in DuckDB (vectorised).

They stand for the national pseudonymisation (FOIN, keyed SHA-1 applied at the source and
again centrally): here each stage is an HMAC-SHA-256 whose keys derive from the generator's
seed and a purpose label, so a seed always yields the same pseudonyms and the pseudonyms of
two seeds never match. BEN_NIR_PSA pseudonymises the triplet (NIR of the person who opens the
rights, birth date YYYYMMDD, sex); BEN_NIR_ANO / ASS_NIR_ANO a NIR alone.
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow as pa

_BLOCK = 64


def derive_key(seed: int, purpose: str, stage: int) -> bytes:
    """The 32-byte HMAC key of one purpose and stage, derived from the seed."""
    return hashlib.sha256(f"healthdatahub-synth|{seed}|{purpose}|{stage}".encode()).digest()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    k = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x5C for b in k), bytes(b ^ 0x36 for b in k)


class Pseudonymiser:
    """Computes HMAC-based pseudonyms of string arrays with one DuckDB connection."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._con = duckdb.connect()

    def hmac_hex(self, messages: np.ndarray, key: bytes) -> np.ndarray:
        """HMAC-SHA-256(key, message) as lower-case hex, for every message."""
        outer, inner = _pads(key)
        tbl = pa.table({"m": pa.array(messages.astype(str), pa.string())})
        self._con.register("_msgs", tbl)
        try:
            res = self._con.execute(
                "SELECT sha256($o::BLOB || unhex(sha256($i::BLOB || encode(m)))) AS h FROM _msgs",
                {"o": outer, "i": inner},
            ).fetchnumpy()["h"]
        finally:
            self._con.unregister("_msgs")
        return np.asarray(res, dtype="U64")

    def pseudonym(self, messages: np.ndarray, purpose: str, length: int = 17) -> np.ndarray:
        """Two-stage pseudonym (source then central HMAC), upper-case hex cut to ``length``."""
        first = self.hmac_hex(messages, derive_key(self.seed, purpose, 1))
        second = self.hmac_hex(first, derive_key(self.seed, purpose, 2))
        return np.char.upper(second.astype(f"U{length}"))

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()

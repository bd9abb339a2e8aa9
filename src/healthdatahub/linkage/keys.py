"""The hub's secrets for linkage: the vault's master key and the pseudonymisation secret.

Both live in files outside the metadata store (``settings.key_file`` and
``settings.linkage_pseudonym_key_file``), 32 random bytes each, created with mode 0600 when
missing. This module is the one place that reads the master key; other domains that need a
derived key should ask it (``derive``) rather than read the file themselves.

Master-key rotation writes the new key next to the old one (``master.key.next``), re-wraps the
data keys, then renames it into place; every wrapped key records the id (a fingerprint) of the
key that wrapped it, so a rotation interrupted at any point can be finished.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from healthdatahub.config import Settings
from healthdatahub.errors import HubError

KEY_BYTES = 32


def _create(path: Path) -> None:
    """Write 32 fresh random bytes to ``path`` with mode 0600 (never overwriting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first
    with os.fdopen(fd, "wb") as handle:
        handle.write(os.urandom(KEY_BYTES))
        handle.flush()
        os.fsync(handle.fileno())


def read_key(path: Path, create: bool = True) -> bytes:
    """The 32-byte key in ``path`` (created when missing and ``create``)."""
    if not path.exists():
        if not create:
            raise HubError(f"Key file {path} does not exist.")
        _create(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HubError(f"Key file {path} cannot be read ({exc.strerror}).") from None
    if len(data) != KEY_BYTES:
        raise HubError(f"Key file {path} must hold exactly {KEY_BYTES} bytes, it holds {len(data)}.")
    return data


def key_id(key: bytes) -> str:
    """A public fingerprint of a key (16 hex characters), stored next to what it wrapped."""
    return hashlib.sha256(b"hdh-key-id:" + key).hexdigest()[:16]


def next_key_file(settings: Settings) -> Path:
    """Where a master key being rotated in waits until the rotation is complete."""
    return settings.key_file.with_name(settings.key_file.name + ".next")


def master_keys(settings: Settings) -> dict[str, bytes]:
    """The master key (created when missing) and, mid-rotation, the next one, by key id."""
    keys = {}
    nxt = next_key_file(settings)
    if nxt.exists():
        key = read_key(nxt, create=False)
        keys[key_id(key)] = key
    key = read_key(settings.key_file)
    keys[key_id(key)] = key
    return keys


def current_master_key(settings: Settings) -> tuple[str, bytes]:
    """(key id, key) of the master key new data keys are wrapped with."""
    nxt = next_key_file(settings)
    key = read_key(nxt, create=False) if nxt.exists() else read_key(settings.key_file)
    return key_id(key), key


def pseudonym_key_file(settings: Settings) -> Path:
    """The file of the pseudonymisation secret."""
    return settings.linkage_pseudonym_key_file or settings.vault_dir / "pseudonym.key"


def pseudonym_secret(settings: Settings) -> bytes:
    """The hub's pseudonymisation secret (never rotated: pseudonyms must stay stable)."""
    return read_key(pseudonym_key_file(settings))


def derive(secret: bytes, label: str) -> bytes:
    """A 32-byte key derived from ``secret`` for one purpose (HKDF-SHA-256, info = label)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=label.encode("utf-8")).derive(secret)

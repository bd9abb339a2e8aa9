"""The identity vault: uploaded holder tables, encrypted before they touch the disk.

Envelope encryption: each upload gets a fresh 256-bit data key; the table is sealed with
AES-256-GCM (12-byte random nonce, the upload's id as associated data) into
``vault/linkage/<uid>.hdhv``; the data key is wrapped with the master key (AES key wrap,
RFC 3394) and kept in the store with the master key's id. Opening returns the plaintext in
memory only. Erasing deletes the wrapped key (crypto-erase: the ciphertext is then
unreadable, even from a backup) and the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.jobs import atomic_file
from healthdatahub.linkage.keys import current_master_key, master_keys

MAGIC = b"HDHV1"
NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    """Where a sealed table lies and its wrapped data key (what the store keeps)."""

    path: Path
    wrapped_key: bytes
    key_id: str


def vault_linkage_dir(settings: Settings) -> Path:
    """The folder of sealed holder tables."""
    return settings.vault_dir / "linkage"


def seal(settings: Settings, uid: str, plaintext: bytes) -> Sealed:
    """Encrypt ``plaintext`` under a fresh data key and write only the ciphertext to the vault."""
    kid, master = current_master_key(settings)
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, uid.encode("ascii"))
    target = vault_linkage_dir(settings) / f"{uid}.hdhv"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(target) as tmp:
        tmp.write_bytes(MAGIC + nonce + ciphertext)
    os.chmod(target, 0o600)
    return Sealed(target, aes_key_wrap(master, data_key), kid)


def unwrap(settings: Settings, wrapped_key: bytes, kid: str) -> bytes:
    """The data key, unwrapped with the master key it was wrapped with."""
    keys = master_keys(settings)
    if kid not in keys:
        raise HubError(f"Vault: the master key {kid} that wrapped this upload is not available.")
    try:
        return aes_key_unwrap(keys[kid], wrapped_key)
    except InvalidUnwrap:
        raise HubError(f"Vault: the data key does not unwrap with master key {kid}.") from None


def open_sealed(settings: Settings, uid: str, path: Path, wrapped_key: bytes | None,
                kid: str | None) -> bytes:
    """The plaintext of a sealed table, in memory (never written anywhere)."""
    if wrapped_key is None or kid is None:
        raise HubError(f"Vault: upload {uid} has been erased; its identities are gone.")
    data_key = unwrap(settings, wrapped_key, kid)
    try:
        blob = path.read_bytes()
    except OSError:
        raise HubError(f"Vault: the sealed file of upload {uid} is missing.") from None
    if not blob.startswith(MAGIC):
        raise HubError(f"Vault: {path.name} is not a sealed vault file.")
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(data_key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:], uid.encode("ascii"))
    except InvalidTag:
        raise HubError(f"Vault: {path.name} fails its integrity check (altered or wrong key).") from None


def rewrap(settings: Settings, wrapped_key: bytes, kid: str, new_key: bytes) -> bytes:
    """The same data key wrapped with ``new_key`` (key rotation; the ciphertext is untouched)."""
    return aes_key_wrap(new_key, unwrap(settings, wrapped_key, kid))


def erase_file(path: Path) -> bool:
    """Delete a sealed file (after its data key is gone); True when it existed."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True

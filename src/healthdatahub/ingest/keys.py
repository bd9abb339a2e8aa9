"""The master key, read (or created) in one place, so the vault work can take it over."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from healthdatahub.config import Settings
from healthdatahub.errors import HubError

KEY_BYTES = 32


def master_key(settings: Settings) -> bytes:
    """The 32-byte master key from ``settings.key_file``, created (mode 0600) if missing."""
    path = Path(settings.key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES))
    data = path.read_bytes()
    if len(data) < KEY_BYTES:
        raise HubError(f"Master key file {path} holds fewer than {KEY_BYTES} bytes.")
    return data[:KEY_BYTES]


def derived_key(settings: Settings, purpose: str) -> bytes:
    """A key for one purpose (e.g. ``finess:<project>``): HMAC-SHA-256 of the master key."""
    return hmac.new(master_key(settings), purpose.encode("utf-8"), hashlib.sha256).digest()

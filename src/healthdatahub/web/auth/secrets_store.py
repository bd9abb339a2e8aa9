"""The portal's signing key: read from a file, generated (mode 0600) on first use."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from healthdatahub.config import Settings, resolved
from healthdatahub.errors import HubError


def secret_key_path(settings: Settings) -> Path:
    """Where the signing key of this hub lives."""
    return settings.web_secret_key_file or settings.data_dir / "portal" / "secret.key"


@lru_cache(maxsize=8)
def _load(path: Path) -> str:
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48))
        key = path.read_text(encoding="ascii").strip()
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise HubError(f"Cannot read or create the portal's secret key {path}: {exc.strerror}.")
    if len(key) < 32:
        raise HubError(f"The portal's secret key {path} is shorter than 32 characters.")
    return key


def secret_key(settings: Settings) -> str:
    """The signing key of cookies and CSRF tokens (generated if missing)."""
    return _load(resolved(secret_key_path(settings)))

"""TOTP (RFC 6238) with replay protection, QR codes for enrolment, and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import quote

import pyotp
import segno

STEP_SECONDS = 30
RECOVERY_CODES = 10


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def matching_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (±1 step of drift), or None; used steps are refused."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (no script, no external resource)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                   title=quote("TOTP"))


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Fresh one-time recovery codes, e.g. ``3f9a-c21d-7be0``."""
    return ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(count)]


def hash_code(code: str) -> str:
    """The stored form of a recovery code (normalised, SHA-256)."""
    normal = code.strip().lower().replace(" ", "")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()

"""Personal data at rest: encrypted with Fernet (AES-128-CBC + HMAC), looked up by a keyed
hash (HMAC-SHA256), and shown masked. Masked forms are stored beside the ciphertext so
lists never decrypt anything; only an audited "show" does (linli.places.services)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"linli:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(key: str, secret: str) -> Fernet:
    if key:
        return Fernet(key.encode())
    return Fernet(base64.urlsafe_b64encode(_derived("pii-encryption")))


@lru_cache(maxsize=4)
def _hash_key(key: str, secret: str) -> bytes:
    return key.encode() if key else _derived("pii-lookup")


def normalise(value: str) -> str:
    """What is hashed and masked: full-width forms (what an IME in 全角 mode types) folded to
    ASCII, spaces dropped, upper case; the same rule as linli.core.identity's checks, so a
    search for １３８… finds 138…."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(settings.PII_KEY, settings.SECRET_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _fernet(settings.PII_KEY, settings.SECRET_KEY).decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash for exact look-up; the same value always gives the same hash."""
    if not value:
        return ""
    key = _hash_key(settings.PII_HASH_KEY, settings.SECRET_KEY)
    return hmac.new(key, normalise(value).encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """510**************7: the province/city prefix and the check digit only. The last four
    digits (sequence + check) shown beside a birth date left about 91 candidates, and a guess
    of the home county's code then gave the exact number (issue 10 §1); without the sequence
    digits even the exact birth date and the county leave about 91, and the birth year (all
    that roles without the unmask right see) tens of thousands."""
    value = normalise(value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 4) + value[-1:]


def mask_phone(value: str) -> str:
    """138****5678."""
    value = normalise(value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]

"""Deploy checks (`manage.py check --deploy`): linli refuses keys anyone can know. The secret
key must not be the development default, and the personal-data keys must be set on their own:
keys derived from SECRET_KEY fall with it, and then every ID number in a copied database
decrypts."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_linli_keys(app_configs=None, **kwargs):
    errors = []
    secret = settings.SECRET_KEY or ""
    if secret == getattr(settings, "DEVELOPMENT_SECRET_KEY", None) or secret.startswith("django-insecure"):
        errors.append(Error("SECRET_KEY is the public development key.",
                            hint="Set LINLI_SECRET_KEY to a long random value of your own.", id="linli.E001"))
    pii_key = getattr(settings, "PII_KEY", "")
    hash_key = getattr(settings, "PII_HASH_KEY", "")
    if not pii_key:
        errors.append(Error("LINLI_PII_KEY is not set: personal data would be encrypted with a key derived "
                            "from SECRET_KEY.", hint="Generate one with `python -c \"from cryptography.fernet "
                            "import Fernet; print(Fernet.generate_key().decode())\"`.", id="linli.E002"))
    else:
        from cryptography.fernet import Fernet

        try:
            Fernet(pii_key.encode())
        except (ValueError, TypeError):
            errors.append(Error("LINLI_PII_KEY is not a Fernet key (32 url-safe base64-encoded bytes).",
                                id="linli.E003"))
    if not hash_key:
        errors.append(Error("LINLI_PII_HASH_KEY is not set: the look-up hash of ID numbers and phones would be "
                            "keyed from SECRET_KEY.", hint="Set it to a long random value of its own.",
                            id="linli.E004"))
    elif len(hash_key) < 32:
        errors.append(Error("LINLI_PII_HASH_KEY is shorter than 32 characters.", id="linli.E005"))
    keys = [k for k in (secret, pii_key, hash_key) if k]
    if len(set(keys)) != len(keys):
        errors.append(Error("SECRET_KEY, LINLI_PII_KEY and LINLI_PII_HASH_KEY must differ.", id="linli.E006"))
    if getattr(settings, "LINLI_DEV_OUTBOX", False):
        errors.append(Error("The dev outbox (SMS codes) is on.", hint="Run with LINLI_MODE=production.",
                            id="linli.E007"))
    return errors

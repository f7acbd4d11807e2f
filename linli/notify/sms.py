"""The SMS channel: settings name the sender class (LINLI_SMS_SENDER, e.g. a gateway's
adapter; the default, linli.accounts.sms.ConsoleSender, logs and keeps a dev outbox)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string


class SmsSender:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def get_sender() -> SmsSender:
    return import_string(settings.LINLI_SMS_SENDER)()

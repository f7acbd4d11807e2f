"""Pluggable SMS senders. Settings name the class (LINLI_SMS_SENDER); the default writes
to the log and to the dev outbox (SentSms), which a DEBUG/demo page shows."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from linli.core import pii

log = logging.getLogger("linli.sms")


class SmsSender:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSender(SmsSender):
    def send(self, phone: str, text: str) -> None:
        from .models import SentSms

        log.info("SMS to %s: %s", pii.mask_phone(phone), text)
        SentSms.objects.create(phone_masked=pii.mask_phone(phone), phone_hash=pii.lookup_hash(phone), text=text)


def get_sender() -> SmsSender:
    return import_string(settings.LINLI_SMS_SENDER)()

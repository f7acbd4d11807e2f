"""Pluggable SMS senders. Settings name the class (LINLI_SMS_SENDER); the default writes
to the log and to the dev outbox (SentSms), which a DEBUG/demo page shows."""

from __future__ import annotations

import logging

from linli.core import pii
from linli.notify.sms import SmsSender, get_sender  # noqa: F401  (get_sender: re-exported)

log = logging.getLogger("linli.sms")


class ConsoleSender(SmsSender):
    def send(self, phone: str, text: str) -> None:
        from .models import SentSms

        log.info("SMS to %s: %s", pii.mask_phone(phone), text)
        SentSms.objects.create(phone_masked=pii.mask_phone(phone), phone_hash=pii.lookup_hash(phone), text=text)

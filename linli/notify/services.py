"""The outbox. `enqueue` is called inside the transaction of the event it tells of, so a
notice exists if and only if the event does; `deliver_pending` (the worker) sends them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Notification
from .sms import get_sender

MAX_ATTEMPTS = 5


def enqueue(recipients: Iterable, *, kind: str, text: str, url: str = "", sms: bool = False) -> int:
    """One in-app notice per recipient (and an SMS where asked and a phone is known)."""
    rows = notices(recipients, kind=kind, text=text, url=url, sms=sms)
    Notification.objects.bulk_create(rows)
    return len(rows)


def notices(recipients: Iterable, *, kind: str, text: str, url: str = "", sms: bool = False) -> list[Notification]:
    """The outbox rows `enqueue` writes, unsaved: for a caller that writes them in one
    statement with the event they tell of (`linli.core.together`, intake on PostgreSQL)."""
    rows = []
    seen = set()
    for user in recipients:
        if user is None or user.pk is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, channel=Notification.Channel.IN_APP, kind=kind, text=text[:500],
                                 url=url, status=Notification.Status.SENT, sent_at=timezone.now()))
        if sms and user.phone_enc:
            rows.append(Notification(recipient=user, channel=Notification.Channel.SMS, kind=kind, text=text[:500],
                                     url=url, next_attempt_at=timezone.now()))
    return rows


def deliver_pending(*, limit: int = 100) -> int:
    """Send due SMS notices. Rows are claimed with SKIP LOCKED so several workers can run
    side by side and each notice is sent once; a failure is retried with back-off (2, 4, 8,
    16 minutes) and the notice is FAILED after MAX_ATTEMPTS. Delivery is at least once: a
    worker killed between a send and its commit sends that batch again."""
    sender = get_sender()
    sent = 0
    now = timezone.now()
    with transaction.atomic():
        # Lock the notices only, not their recipients' user rows (of=self).
        batch = list(Notification.objects.select_for_update(skip_locked=True, of=("self",))
                     .filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)
                     .select_related("recipient").order_by("id")[:limit])
        for note in batch:
            try:
                # A savepoint per send: a sender that writes to the database (the console
                # sender's dev outbox) and fails must not spoil the rest of the batch.
                with transaction.atomic():
                    sender.send(note.recipient.phone, note.text)
            except Exception as exc:  # a sender's failure is data for the retry, not a crash
                note.attempts += 1
                note.last_error = str(exc)[:300]
                if note.attempts >= MAX_ATTEMPTS:
                    note.status = Notification.Status.FAILED
                else:
                    note.next_attempt_at = now + timedelta(minutes=2 ** note.attempts)
            else:
                note.attempts += 1
                note.status = Notification.Status.SENT
                note.sent_at = now
                sent += 1
            note.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"])
    return sent


@transaction.atomic
def mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own in-app notices read (all unread ones when no ids are given). Only
    the recipient can: other people's ids are ignored, not reported, so nothing leaks."""
    qs = Notification.objects.filter(recipient_id=actor.pk, channel=Notification.Channel.IN_APP,
                                     read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())

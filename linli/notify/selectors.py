"""Reads of a person's in-app notices."""

from __future__ import annotations

from .models import Notification


def inbox(*, actor):
    """The actor's in-app notices, newest first (paginate the result)."""
    return (Notification.objects.filter(recipient_id=actor.pk, channel=Notification.Channel.IN_APP)
            .only("id", "kind", "text", "url", "created_at", "read_at").order_by("-id"))


def unread_count(*, actor) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=actor.pk, channel=Notification.Channel.IN_APP,
                                       read_at__isnull=True).count()

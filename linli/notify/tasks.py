"""notify's periodic job: the outbox."""

from __future__ import annotations

from django_tasks import task

from linli.core.jobs import periodic

from . import services


@periodic("outbox", every=10, help="send the outbox's due SMS notices")
@task()
def deliver_notifications() -> int:
    """Send the outbox's due SMS notices (with retries and back-off)."""
    return services.deliver_pending()

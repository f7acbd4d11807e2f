"""core's periodic job: deliver domain events' after-commit effects that have not run yet
(their on_commit attempt failed, or the process stopped before it ran)."""

from __future__ import annotations

from django_tasks import task

from . import events
from .jobs import periodic


@periodic("events", every=30, help="apply domain events' pending after-commit effects")
@task()
def dispatch_domain_events() -> dict:
    return events.dispatch_pending()

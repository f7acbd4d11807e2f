"""The periodic jobs, as django-tasks tasks: `manage.py scheduler` enqueues them at their
intervals and `manage.py db_worker` runs them. Each is idempotent, so a job enqueued twice
(two schedulers, a retry) does no harm. Return values are JSON for the task result row."""

from __future__ import annotations

from django_tasks import task

from linli.notify import services as notify_services

from . import sweeps


@task()
def sweep_deadlines() -> dict:
    """Escalate cases past their acceptance deadline; yellow and red cards (黄牌/红牌督办)."""
    return sweeps.sweep_deadlines().as_dict()


@task()
def send_follow_ups() -> dict:
    """Ask reporters who did not rate, seven days after closing: 您反映的问题解决了吗？"""
    return sweeps.send_follow_ups().as_dict()


@task()
def deliver_notifications() -> int:
    """Send the outbox's due SMS notices (with retries and back-off)."""
    return notify_services.deliver_pending()

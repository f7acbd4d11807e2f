"""The case loop's periodic jobs, as django-tasks tasks registered with
`linli.core.jobs.periodic`: `manage.py scheduler` enqueues them at their intervals and
`manage.py db_worker` runs them. Each is idempotent, so a job enqueued twice (two
schedulers, a retry) does no harm. Return values are JSON for the task result row."""

from __future__ import annotations

from django_tasks import task

from linli.core.jobs import periodic

from . import sweeps


@periodic("sweep", every=60, help="escalate cases past their acceptance deadline; yellow and red cards")
@task()
def sweep_deadlines() -> dict:
    """Escalate cases past their acceptance deadline; yellow and red cards (黄牌/红牌督办)."""
    return sweeps.sweep_deadlines().as_dict()


@periodic("follow_ups", every=3600, help="ask reporters who did not rate whether it was solved")
@task()
def send_follow_ups() -> dict:
    """Ask reporters who did not rate, seven days after closing: 您反映的问题解决了吗？"""
    return sweeps.send_follow_ups().as_dict()

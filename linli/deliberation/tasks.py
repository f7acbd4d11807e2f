"""Deliberation's periodic job: votes open when their notice's opening time comes and close
at their closing time (`services.run_vote_clock`, idempotent)."""

from __future__ import annotations

from django_tasks import task

from linli.core.jobs import periodic

from . import services


@periodic("deliberation_vote_clock", every=60, help="open noticed votes at their opening time, close open votes at close")
@task()
def vote_clock() -> dict:
    return services.run_vote_clock()

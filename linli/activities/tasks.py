"""Activities' periodic jobs: offers past their deadline pass on to the next person
waiting; confirmed people who never came become no-shows a day after the end."""

from __future__ import annotations

from django_tasks import task

from linli.core.jobs import periodic

from . import services


@periodic("activities_expire_offers", every=60, help="pass on waiting-list offers past their deadline")
@task()
def expire_offers() -> dict:
    return {"expired": services.expire_offers()}


@periodic("activities_no_shows", every=3600, help="mark confirmed people who never checked in as no-shows")
@task()
def mark_no_shows() -> dict:
    return {"no_shows": services.mark_no_shows()}

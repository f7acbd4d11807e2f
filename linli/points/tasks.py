"""The points' periodic jobs: unclaimed shop holds expire (points and stock return once),
and lots past their date expire as ledger entries."""

from __future__ import annotations

from django_tasks import task

from linli.core.jobs import periodic

from . import services


@periodic("points_expire_holds", every=300, help="release unclaimed points-shop holds past their date")
@task()
def expire_holds() -> dict:
    return {"released": services.expire_holds()}


@periodic("points_expire_lots", every=3600, help="write the expiry of points past their date as entries")
@task()
def expire_lots() -> dict:
    return {"expired": services.expire_lots()}

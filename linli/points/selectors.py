"""Reads of points: a person's accounts and history, the shop, rankings and figures."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped

from .models import Award, Good, PointAccount, PointEntry, PointTransfer, Redemption


def accounts_of(person) -> list[PointAccount]:
    return list(PointAccount.objects.filter(owner=person, kind=PointAccount.Kind.PERSON).select_related("community"))


def history(*, person, community, limit: int = 50) -> list[PointEntry]:
    """A person's entries in one community, newest first (the account, then one query)."""
    account = PointAccount.objects.filter(owner=person, community=community).first()
    if account is None:
        return []
    return list(PointEntry.objects.filter(account=account).select_related("transfer").order_by("-id")[:limit])


def goods(*, community_path: str | None = None):
    qs = Good.objects.filter(is_active=True).select_related("community").order_by("price", "id")
    if community_path is not None:
        qs = qs.filter(path=community_path)
    return qs


def my_redemptions(person):
    return Redemption.objects.filter(person=person).select_related("good").order_by("-id")


def redemptions(actor, *, status: str | None = None):
    qs = scoped(actor, Redemption.objects.select_related("good", "person"), Verb.POINTS_COUNTER)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def ranking(*, under: str, since, until, level_depth: int | None = None, limit: int = 20) -> list[dict]:
    """People by points earned (awards and manual awards, net of reversals) in a period,
    under a place; or, with `level_depth`, places at that depth (compounds, grids)
    by the points their people earned there."""
    earned = (PointEntry.objects.filter(account__kind=PointAccount.Kind.PERSON, amount__gt=0,
                                        transfer__kind__in=[PointTransfer.Kind.AWARD, PointTransfer.Kind.MANUAL],
                                        transfer__path__startswith=under, at__gte=since, at__lt=until))
    if level_depth:
        rows = (earned.annotate(place=Substr("transfer__path", 1, level_depth * 4)).values("place")
                .annotate(points=Sum("amount"), people=Count("account", distinct=True)).order_by("-points")[:limit])
        return list(rows)
    rows = (earned.values("account__owner", "account__owner__display_name")
            .annotate(points=Sum("amount")).order_by("-points", "account__owner")[:limit])
    return list(rows)


def figures(*, under: str, since, until) -> dict:
    """Points earned, spent, refunded and expired in a period under a place, and awards pending."""
    entries = PointEntry.objects.filter(transfer__path__startswith=under, at__gte=since, at__lt=until,
                                        account__kind=PointAccount.Kind.PERSON)
    by_kind = dict(entries.values("transfer__kind").annotate(s=Sum("amount")).values_list("transfer__kind", "s"))
    return {
        "earned": (by_kind.get("award") or 0) + (by_kind.get("manual") or 0),
        "reversed": -(by_kind.get("reversal") or 0),
        "redeemed": -(by_kind.get("redeem") or 0),
        "refunded": by_kind.get("refund") or 0,
        "expired": -(by_kind.get("expire") or 0),
        "claimed": Redemption.objects.filter(path__startswith=under, status=Redemption.Status.CLAIMED,
                                             closed_at__gte=since, closed_at__lt=until).count(),
        "pending_awards": Award.objects.filter(Q(path__startswith=under), status=Award.Status.PENDING).count(),
    }

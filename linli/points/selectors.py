"""Reads of points: a person's accounts and history, the shop, rankings and figures."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped
from linli.core.history import timeline
from linli.places.models import Place

from .models import Award, EarningRule, Good, PointAccount, PointEntry, PointTransfer, Redemption, StockEntry


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


def ranking(*, under: str, since, until, level_depth: int | None = None, level_kind: str | None = None,
            limit: int = 20) -> list[dict]:
    """People by points earned (awards and manual awards, net of their reversals: a reversal
    counts on the day it was made, under the original's path) in a period, under a place; or,
    with `level_depth`, places at that depth (compounds, grids) by the points their people
    earned there; with `level_kind` as well, only places of that kind (points earned above
    that level, or in a place of another kind at that depth, are no compound's or grid's)."""
    earned = (PointEntry.objects.filter(account__kind=PointAccount.Kind.PERSON,
                                        transfer__kind__in=[PointTransfer.Kind.AWARD, PointTransfer.Kind.MANUAL,
                                                            PointTransfer.Kind.REVERSAL],
                                        transfer__path__startswith=under, at__gte=since, at__lt=until))
    if level_depth:
        places = earned.annotate(place=Substr("transfer__path", 1, level_depth * 4))
        if level_kind:
            places = places.filter(place__in=Place.objects.filter(path__startswith=under, kind__code=level_kind,
                                                                  depth=level_depth).values("path"))
        rows = (places.values("place")
                .annotate(points=Sum("amount"), people=Count("account", distinct=True)).filter(points__gt=0)
                .order_by("-points", "place")[:limit])
        return list(rows)
    rows = (earned.values("account__owner", "account__owner__display_name")
            .annotate(points=Sum("amount")).filter(points__gt=0).order_by("-points", "account__owner")[:limit])
    return list(rows)


RANKED_KINDS = ("street", "community", "grid", "compound")


def ranking_places(user, *, limit: int = 200) -> list[Place]:
    """The places whose rankings `user` may see: the compound, grid and community they live
    in or hold a role at or under, and every street, community,
    grid and compound in their points.manage scope. Two queries (and the scope read)."""
    from linli.accounts.models import RoleAssignment
    from linli.core.paths import ancestors_paths

    paths = list(RoleAssignment.objects.filter(user=user, is_active=True, place__isnull=False)
                 .values_list("place__path", flat=True))
    resident = getattr(user, "resident", None)
    if resident is not None:
        paths.append(resident.path)
    own = {a for p in paths for a in [*ancestors_paths(p), p]}
    managed = scoped(user, Place.objects.filter(kind__code__in=RANKED_KINDS), Verb.POINTS_MANAGE).values("pk")
    return list(Place.objects.filter(Q(path__in=own, kind__code__in=RANKED_KINDS[1:]) | Q(pk__in=managed))
                .select_related("kind").order_by("path")[:limit])


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


# ---------------------------------------------------------------- the staff's reads


def managed_communities(actor) -> list[Place]:
    """Communities whose rules and shop `actor` manages (the points.manage reach)."""
    return list(scoped(actor, Place.objects.filter(kind__code="community"), Verb.POINTS_MANAGE).order_by("path")[:200])


def month_start(now=None):
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def rules_of(community, *, now=None) -> list[EarningRule]:
    """A community's rules, each with the points it credited this month and to how many
    people (one grouped query over the awards)."""
    since = month_start(now)
    credited = Q(awards__status=Award.Status.CREDITED, awards__credited_at__gte=since)
    return list(EarningRule.objects.filter(community=community)
                .annotate(month_points=Coalesce(Sum("awards__credited", filter=credited), 0),
                          month_people=Count("awards__person", filter=credited, distinct=True))
                .order_by("-is_active", "trigger", "id"))


def goods_of(community) -> list[Good]:
    """A community's goods (on sale or not), each with its redemptions held and collected."""
    return list(Good.objects.filter(community=community)
                .annotate(held=Count("redemptions", filter=Q(redemptions__status=Redemption.Status.HELD)),
                          claimed=Count("redemptions", filter=Q(redemptions__status=Redemption.Status.CLAIMED)))
                .order_by("-is_active", "name", "id"))


def stock_history(good) -> list[StockEntry]:
    """A good's stock entries in order, with their actors (the one timeline read)."""
    return timeline(StockEntry.objects.filter(good=good), show_internal=True)


def staff_redemptions(actor, *, community, status: str = "", good_id: int | None = None, since=None, until=None,
                      limit: int = 200):
    """Redemptions of a community's shop in the manager's scope, newest first."""
    qs = scoped(actor, Redemption.objects.filter(good__community=community), Verb.POINTS_MANAGE)
    if status:
        qs = qs.filter(status=status)
    if good_id:
        qs = qs.filter(good_id=good_id)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs.select_related("good", "person").order_by("-id")[:limit]


def people_in(community, *, query: str, limit: int = 20) -> list:
    """People of a community (living there, holding a role there, or keeping points there)
    whose name or full mobile number matches `query`: whom staff may give points to."""
    from linli.accounts.models import RoleAssignment, User
    from linli.core import pii

    query = (query or "").strip()
    if not query:
        return []
    members = (Q(resident__path__startswith=community.path)
               | Q(pk__in=RoleAssignment.objects.filter(is_active=True, place__path__startswith=community.path)
                   .values("user_id"))
               | Q(pk__in=PointAccount.objects.filter(community=community).values("owner_id")))
    match = Q(display_name__icontains=query)
    if query.isdigit() and len(query) == 11:
        match |= Q(phone_hash=pii.lookup_hash(query))
    return list(User.objects.filter(members, match, is_active=True).order_by("display_name", "id")[:limit])


def person_history(*, person, community, limit: int = 200) -> list[PointEntry]:
    """A person's entries in one community for staff, newest first, each transfer with
    whether it was reversed (one query for the entries, one for the reversals)."""
    entries = history(person=person, community=community, limit=limit)
    reversed_ids = set(PointTransfer.objects.filter(reverses_id__in=[e.transfer_id for e in entries])
                       .values_list("reverses_id", flat=True))
    for e in entries:
        e.reversed = e.transfer_id in reversed_ids
        e.reversible = (e.transfer.kind in (PointTransfer.Kind.AWARD, PointTransfer.Kind.MANUAL)
                        and e.amount > 0 and not e.reversed)
    return entries


def flows_by_place(*, under: str, depth: int, since, until) -> list[dict]:
    """Points earned (awards and manual awards, net of reversals) and spent (redeemed, net
    of refunds) per place at `depth` under `under`, in a period: one grouped query. Points
    spent in a community's shop are the community's own (its path is shorter than `depth`):
    they come back with `place` = `under`."""
    kinds = [PointTransfer.Kind.AWARD, PointTransfer.Kind.MANUAL, PointTransfer.Kind.REVERSAL,
             PointTransfer.Kind.REDEEM, PointTransfer.Kind.REFUND]
    rows = (PointEntry.objects.filter(account__kind=PointAccount.Kind.PERSON, transfer__path__startswith=under,
                                      transfer__kind__in=kinds, at__gte=since, at__lt=until)
            .annotate(place=Substr("transfer__path", 1, depth * 4)).values("place")
            .annotate(earned=Coalesce(Sum("amount", filter=Q(transfer__kind__in=kinds[:3])), 0),
                      spent=Coalesce(Sum("amount", filter=Q(transfer__kind__in=kinds[3:])), 0))
            .order_by("place"))
    merged: dict[str, dict] = {}
    for r in rows:  # paths shorter than `depth` (the place itself, its shop) fold into one row
        place = r["place"] if len(r["place"]) == depth * 4 else under
        m = merged.setdefault(place, {"place": place, "earned": 0, "spent": 0})
        m["earned"] += r["earned"]
        m["spent"] -= r["spent"]
    return sorted(merged.values(), key=lambda r: (-r["earned"], r["place"]))


def redemptions_by_good(*, under: str, since, until) -> list[dict]:
    """Per good under a place, redemptions made in a period: how many, collected, still
    held, expired or cancelled, and the points collected (one grouped query)."""
    S = Redemption.Status
    return list(Redemption.objects.filter(path__startswith=under, created_at__gte=since, created_at__lt=until)
                .values("good_id", "good__name", "good__community__name")
                .annotate(total=Count("id"), claimed=Count("id", filter=Q(status=S.CLAIMED)),
                          held=Count("id", filter=Q(status=S.HELD)),
                          returned=Count("id", filter=Q(status__in=[S.EXPIRED, S.CANCELLED])),
                          points=Coalesce(Sum("points", filter=Q(status=S.CLAIMED)), 0))
                .order_by("-total", "good__name"))

"""Points pages: my points and their history, the shop and my codes, the counter that
scans a code once, rankings per compound, grid and community over a period."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.accounts.roles import Verb
from linli.accounts.scope import prefixes
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, NotFound
from linli.core.paths import ancestors_paths
from linli.places.models import Place

from . import selectors, services
from .models import Good


def _home_communities(user) -> list[Place]:
    """Communities the person lives or holds a role in, and those they hold points in."""
    from linli.accounts.models import RoleAssignment

    paths = list(RoleAssignment.objects.filter(user=user, is_active=True, place__isnull=False)
                 .values_list("place__path", flat=True))
    resident = getattr(user, "resident", None)
    if resident is not None:
        paths.append(resident.path)
    over = {a for p in paths for a in [*ancestors_paths(p), p]}
    ids = set(Place.objects.filter(path__in=over, kind__code="community").values_list("pk", flat=True))
    ids |= {a.community_id for a in selectors.accounts_of(user)}
    return list(Place.objects.filter(pk__in=ids).order_by("path"))


def _manages(user) -> bool:
    """Whether the user manages some community's rules and shop (the staff pages' link)."""
    return prefixes(user, Verb.POINTS_MANAGE) != []


@never_cache
@login_required
@require_GET
def my_points(request):
    accounts = selectors.accounts_of(request.user)
    rows = [(a, selectors.history(person=request.user, community=a.community, limit=50)) for a in accounts]
    return render_page(request, "points/mine.html", {"rows": rows, "is_manager": _manages(request.user)})


@never_cache
@login_required
@require_GET
def shop(request):
    communities = _home_communities(request.user)
    goods = list(Good.objects.filter(community__in=communities, is_active=True).select_related("community")
                 .order_by("community__path", "price", "id")[:200])
    balances = {a.community_id: a.balance for a in selectors.accounts_of(request.user)}
    for g in goods:
        g.my_balance = balances.get(g.community_id, 0)
    return render_page(request, "points/shop.html", {
        "goods": goods, "redemptions": list(selectors.my_redemptions(request.user)[:30]),
        "is_counter": prefixes(request.user, Verb.POINTS_COUNTER) != [], "is_manager": _manages(request.user)})


@login_required
@require_POST
def redeem(request, pk: int):
    try:
        r = services.redeem(actor=request.user, good_id=pk)
        messages.success(request, _("兑换成功，请凭领取码到积分超市领取：%(code)s") % {"code": r.code})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("points:shop")


@login_required
@require_POST
def cancel(request, pk: int):
    try:
        services.cancel_redemption(actor=request.user, redemption_id=pk)
        messages.success(request, _("已取消兑换，积分已退回"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("points:shop")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def counter(request):
    """The shop's counter: scan or type a code; it is honoured once."""
    if prefixes(request.user, Verb.POINTS_COUNTER) == []:
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    claimed, error = None, None
    if request.method == "POST":
        try:
            claimed = services.claim(actor=request.user, code=request.POST.get("code", ""))
        except DomainError as exc:
            error = exc.message
    recent = list(selectors.redemptions(request.user)[:20])
    return render_page(request, "points/counter.html", {"claimed": claimed, "error": error, "recent": recent,
                                                        "is_manager": _manages(request.user)},
                       status=409 if error else 200)


LEVELS = {"compound": "小区", "grid": "网格", "community": "社区"}


class PeriodForm(forms.Form):
    """A ranking's period: one of the fixed choices, or from/to dates (both days included,
    from ≤ to, at most a year)."""

    days = forms.TypedChoiceField(choices=[("30", "30"), ("90", "90"), ("365", "365"), ("", "")], required=False)
    start = forms.DateField(label=_l("从"), required=False)
    end = forms.DateField(label=_l("到"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and not end:
            self.add_error("end", _("请填写结束日期"))
        elif end and not start:
            self.add_error("start", _("请填写开始日期"))
        elif start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期"))
        elif start and end and (end - start).days > 365:
            self.add_error("end", _("时间段最长一年"))
        return data

    def span(self):
        """[since, until): the first day's local midnight to the midnight after the last day."""
        tz = timezone.get_current_timezone()
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
                dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


@never_cache
@login_required
@require_GET
def rankings(request):
    """Who earned most in a period within a compound, grid, community (or street); and the
    places one level down by points earned. The period: the last 30/90/365 days, or from/to
    dates (at most a year)."""
    choices = {p.pk: p for p in selectors.ranking_places(request.user)}
    try:
        under = choices[int(request.GET["under"])] if request.GET.get("under") else next(
            (p for p in choices.values() if p.kind.code == "community"), next(iter(choices.values())))
    except (KeyError, ValueError, StopIteration):
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    period = PeriodForm(request.GET or None)
    days, since, until = 30, None, timezone.now()
    if period.is_bound and period.is_valid() and period.cleaned_data["start"]:
        since, until = period.span()
        days = 0
    elif period.is_bound and period.is_valid() and period.cleaned_data["days"]:
        days = int(period.cleaned_data["days"])
    if since is None:
        since = until - dt.timedelta(days=days)
    level = request.GET.get("level") if request.GET.get("level") in LEVELS else "compound"
    depth = None
    sample = Place.objects.filter(path__startswith=under.path, kind__code=level).only("depth").first()
    if sample is not None:
        depth = sample.depth
    people = selectors.ranking(under=under.path, since=since, until=until)
    places = selectors.ranking(under=under.path, since=since, until=until, level_depth=depth,
                                level_kind=level) if depth else []
    flows = selectors.flows_by_place(under=under.path, depth=under.depth + 1, since=since, until=until)
    names = dict(Place.objects.filter(path__in=[r["place"] for r in [*places, *flows]]).values_list("path", "name"))
    for r in places:
        r["name"] = names.get(r["place"], r["place"])
    for r in flows:
        r["name"] = names.get(r["place"], r["place"])
        r["here"] = r["place"] == under.path
    return render_page(request, "points/rankings.html", {
        "choices": list(choices.values()), "under": under, "days": days, "period": period, "people": people, "places": places,
        "level": level, "levels": LEVELS, "figures": selectors.figures(under=under.path, since=since, until=until),
        "flows": flows, "by_good": selectors.redemptions_by_good(under=under.path, since=since, until=until)})

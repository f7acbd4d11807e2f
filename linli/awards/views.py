"""The awards' pages: staff run their community's rounds (create, draw nominations from the
record, add or withdraw with a reason, choose the method, start the vote or decide, publish);
anyone reads a community's published list of a year. Every change is a service call; the
round page offers exactly the forms `rules.can` allows, and a service's errors come back on
the page, all at once."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.accounts.pages import chosen_community, error_page, render_page
from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped
from linli.core.errors import DomainError, NotFound
from linli.places.models import Place
from linli.points.selectors import people_in

from . import rules, selectors, services
from .models import AwardRound


def _not_found():
    return NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _community(request):
    return chosen_community(request, selectors.managed_communities(request.user))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rounds(request):
    try:
        community, communities = _community(request)
    except DomainError as exc:
        return error_page(request, exc)
    errors, values = [], {"year": timezone.localdate().year, "seats": 10, "method": AwardRound.Method.VOTE}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("kind", "year", "seats", "method")}
        try:
            rnd = services.create_round(actor=request.user, community_id=community.pk, kind=values["kind"],
                                        year=_int(values["year"]), seats=_int(values["seats"]), method=values["method"])
            messages.success(request, _("已创建评选：%(r)s") % {"r": rnd})
            return redirect("awards:round", pk=rnd.pk)
        except DomainError as exc:
            errors = exc.as_list()
    return render_page(request, "awards/rounds.html", {
        "community": community, "communities": communities, "rounds": selectors.rounds_of(community),
        "errors": errors, "field_errors": {e["field"]: e["message"] for e in errors}, "values": values,
        "kinds": AwardRound.Kind.choices, "methods": AwardRound.Method.choices,
        "year": timezone.localdate().year}, status=400 if errors else 200)


def _round_or_error(request, pk):
    return get_scoped(request.user, AwardRound.objects.select_related("community", "vote"), Verb.POINTS_MANAGE, pk=pk)


def _render_round(request, rnd: AwardRound, *, errors=(), status=200):
    query = (request.GET.get("q") or "").strip()
    can = rules.abilities(request.user, rnd)
    return render_page(request, "awards/round.html", {
        "round": rnd, "community": rnd.community, "nominations": selectors.nominations_of(rnd), "can": can,
        "errors": list(errors), "field_errors": {e["field"]: e["message"] for e in errors},
        "query": query, "found": people_in(rnd.community, query=query) if query and "nominate" in can else [],
        "default_close": timezone.localtime() + dt.timedelta(days=7),
        "events": list(rnd.events.select_related("actor").order_by("at", "id")),
        "public_url": reverse("awards:public", args=[rnd.community_id, rnd.year])}, status=status)


@never_cache
@login_required
@require_GET
def round_page(request, pk: int):
    try:
        rnd = _round_or_error(request, pk)
    except DomainError as exc:
        return error_page(request, exc)
    return _render_round(request, rnd)


def _closes_at(value: str):
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


DONE = {"draw": gettext_lazy("已按年度记录推荐候选人"), "nominate": gettext_lazy("已添加提名"),
        "withdraw": gettext_lazy("已撤回提名"), "method": gettext_lazy("已更改评定方式"),
        "start_vote": gettext_lazy("投票已开始"), "decide": gettext_lazy("评定结果已保存"),
        "publish": gettext_lazy("评选结果已公布")}


@never_cache
@login_required
@require_POST
def act(request, pk: int, action: str):
    try:
        rnd = _round_or_error(request, pk)
    except DomainError as exc:
        return error_page(request, exc)
    p, actor = request.POST, request.user
    try:
        if action == "draw":
            services.draw_nominations(actor=actor, round_id=rnd.pk, count=_int(p.get("count")))
        elif action == "nominate":
            services.nominate(actor=actor, round_id=rnd.pk, person_id=_int(p.get("person")), reason=p.get("reason", ""))
        elif action == "withdraw":
            services.withdraw(actor=actor, nomination_id=_int(p.get("nomination")), reason=p.get("reason", ""))
        elif action == "method":
            services.choose_method(actor=actor, round_id=rnd.pk, method=p.get("method", ""))
        elif action == "start_vote":
            vote = services.start_vote(actor=actor, round_id=rnd.pk, closes_at=_closes_at(p.get("closes_at")),
                                       objection_days=_int(p.get("objection_days")))
            messages.success(request, DONE[action])
            return redirect("deliberation:manage", vote_id=vote.pk)
        elif action == "decide":
            services.decide_by_committee(actor=actor, round_id=rnd.pk,
                                         nomination_ids=[i for i in map(_int, p.getlist("nominations")) if i],
                                         reason=p.get("reason", ""))
        elif action == "publish":
            services.publish_round(actor=actor, round_id=rnd.pk)
        else:
            raise _not_found()
    except DomainError as exc:
        rnd.refresh_from_db()
        return _render_round(request, rnd, errors=exc.as_list(), status=exc.status)
    messages.success(request, DONE[action])
    return redirect("awards:round", pk=rnd.pk)


@require_GET
def public_list(request, community_id: int, year: int):
    """A community's published awards of a year: public, no log-in (the 公示 of the winners)."""
    community = Place.objects.filter(pk=community_id, kind__code="community").first()
    if community is None:
        return error_page(request, NotFound(_("未找到该社区"), code="not_found"))
    return render_page(request, "awards/public.html", {
        "community": community, "year": year, "rounds": selectors.published_list(community, year)})

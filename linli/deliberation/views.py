"""Pages: residents' votes, ballot and receipt; staff set-up (frozen roll totals), paper and
proxy entry, results and the printable public notice. Views parse, call a service or a
selector, and render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.accounts.scope import allowed, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, Forbidden, Invalid
from linli.places.models import Place

from . import selectors, services
from .models import Vote


def _choices_from(request, vote: Vote) -> dict:
    out = {}
    for m in vote.frozen.get("matters", []):
        picked = request.POST.getlist(f"m{m['id']}")
        if picked or m["kind"] == "election" and request.POST.get(f"took{m['id']}"):
            out[m["id"]] = picked
    return out


def _area(centi) -> str:
    centi = int(centi or 0)
    return f"{centi // 100}.{centi % 100:02d}"


def _result_or_none(user, vote: Vote):
    try:
        return selectors.results(user, vote)
    except Forbidden:
        return None


@login_required
def home(request):
    rid = getattr(request.user, "resident_id", None)
    mine = Vote.objects.filter(electors__voters__resident_id=rid).distinct() if rid else Vote.objects.none()
    staff = selectors.votes_list(request.user).exclude(pk__in=mine.values("pk")).order_by("-id")[:30]
    return render_page(request, "deliberation/home.html", {
        "mine": mine.exclude(status=Vote.Status.DRAFT).order_by("-id")[:30], "staff_votes": staff,
        "ballots": selectors.my_ballots(request.user)[:30],
        "can_convene": bool(request.user.is_superuser or _convene_places(request.user)),
    })


def _convene_places(user):
    return scoped(user, Place.objects.filter(kind__code__in=["compound", "building", "grid", "community"]),
                  "deliberation.convene").order_by("path")[:200]


@login_required
@require_http_methods(["GET", "POST"])
def vote_page(request, vote_id: int):
    try:
        vote = selectors.vote_for(request.user, vote_id)
    except DomainError as exc:
        return error_page(request, exc)
    errors, receipt = [], None
    if request.method == "POST":
        try:
            ballot = services.cast_online_ballot(actor=request.user, vote_id=vote.pk,
                                                 choices=_choices_from(request, vote),
                                                 elector_id=int(request.POST["elector"]) if request.POST.get(
                                                     "elector", "").isdigit() else None)
            receipt = ballot
            vote.refresh_from_db()
        except DomainError as exc:
            errors = exc.as_list()
    electors = list(selectors.my_electors(request.user, vote))
    return render_page(request, "deliberation/vote.html", {
        "vote": vote, "errors": errors, "receipt": receipt, "electors": electors,
        "result": _result_or_none(request.user, vote), "can_vote": vote.status == Vote.Status.OPEN and electors,
        "can_manage": allowed(request.user, "deliberation.convene", vote),
        "matters": vote.frozen.get("matters", []), "area": _area,
    }, status=400 if errors else 200)


@login_required
def notice_page(request, vote_id: int):
    """The printable public notice (公示) of the result."""
    try:
        vote = selectors.vote_for(request.user, vote_id)
        result = selectors.results(request.user, vote)
    except DomainError as exc:
        return error_page(request, exc)
    return render_page(request, "deliberation/notice.html", {
        "vote": vote, "result": result, "participation": selectors.participation(vote), "now": timezone.now()})


def _dt(value: str):
    parsed = parse_datetime(value or "")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@login_required
@require_http_methods(["GET", "POST"])
def manage_page(request, vote_id: int):
    """Staff: set-up (the frozen roll's totals before opening), the life cycle, paper ballot
    double entry, proxy ballots, mismatches waiting for a third look."""
    try:
        vote = selectors.vote_for(request.user, vote_id)
        if not allowed(request.user, "deliberation.convene", vote):
            raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    except DomainError as exc:
        return error_page(request, exc)
    errors, done = [], None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _manage_action(request, vote, action)
            if done:
                messages.success(request, done)
                return redirect("deliberation:manage", vote_id=vote.pk)
        except DomainError as exc:
            errors = exc.as_list()
        except (ValueError, KeyError):
            errors = Invalid(_("请求无效"), code="invalid").as_list()
        vote.refresh_from_db()
    return render_page(request, "deliberation/manage.html", {
        "vote": vote, "errors": errors, "matters": vote.frozen.get("matters", []),
        "draft_matters": vote.matters.prefetch_related("options") if not vote.is_frozen else [],
        "roll": selectors.roll_summary(vote) if vote.is_frozen else None,
        "mismatches": selectors.paper_mismatches(vote) if vote.is_frozen else [],
        "result": _result_or_none(request.user, vote), "area": _area,
        "default_open": timezone.localtime() + dt.timedelta(days=7),
        "precedence_label": Vote.Precedence(vote.frozen.get("precedence", vote.precedence)).label,
    }, status=400 if errors else 200)


def _manage_action(request, vote: Vote, action: str):
    user, P = request.user, request.POST
    if action == "notice":
        opens, closes, limit = _dt(P.get("opens_at")), _dt(P.get("closes_at")), _dt(P.get("extension_limit"))
        if opens is None or closes is None:
            raise Invalid(_("请填写开始和截止时间"), code="required", field="opens_at")
        services.publish_notice(actor=user, vote_id=vote.pk, opens_at=opens, closes_at=closes, extension_limit=limit)
        return _("公告已发布，名册和规则已冻结")
    if action == "open":
        services.open_vote(actor=user, vote_id=vote.pk)
        return _("已开始投票")
    if action == "extend":
        closes = _dt(P.get("closes_at"))
        if closes is None:
            raise Invalid(_("请填写新的截止时间"), code="required", field="closes_at")
        services.extend_vote(actor=user, vote_id=vote.pk, closes_at=closes, reason=P.get("reason", ""))
        return _("已延期")
    if action == "close":
        services.close_vote(actor=user, vote_id=vote.pk)
        return _("已截止并计票")
    if action == "preliminary":
        services.publish_preliminary(actor=user, vote_id=vote.pk)
        return _("初步结果已公示")
    if action == "final":
        services.finalise_vote(actor=user, vote_id=vote.pk)
        return _("结果已确定")
    if action == "paper":
        r = services.enter_paper_ballot(actor=user, vote_id=vote.pk, code=P.get("code", ""),
                                        choices=_choices_from(request, vote), scan=request.FILES.get("scan"))
        if r["stage"] == "first":
            return _("第一次录入已保存，请另一名工作人员再次录入")
        return _("两次录入一致，纸质票已计入") if r["match"] else (
            _("两次录入不一致，已列入待核对") if r["stage"] == "second" else _("第三人核对完成，纸质票已计入"))
    if action == "proxy":
        services.cast_proxy_ballot(actor=user, vote_id=vote.pk, code=P.get("code", ""),
                                   choices=_choices_from(request, vote), proxy_name=P.get("proxy_name", ""),
                                   attachment=request.FILES.get("attachment"))
        return _("委托投票已计入")
    raise Invalid(_("请求无效"), code="invalid")


@login_required
@require_http_methods(["GET", "POST"])
def new_vote(request):
    places = list(_convene_places(request.user))
    errors, values = [], {}
    if request.method == "POST":
        P = request.POST
        values = P
        kind = P.get("kind", "")
        mkind = P.get("matter_kind", "ordinary")
        options = [x.strip() for x in P.get("options", "").splitlines() if x.strip()]
        try:
            place_id = int(P.get("place_id") or 0)
            vote = services.create_vote(
                actor=request.user, place_id=place_id, kind=kind, title=P.get("title", ""),
                matters=[{"title": P.get("matter_title") or P.get("title", ""), "kind": mkind,
                          "seats": int(P.get("seats") or 0), "options": options}],
                deemed_follow_majority=bool(P.get("deemed")), precedence=P.get("precedence", "paper_first"),
                allow_change=bool(P.get("allow_change")), results_hidden=True)
            return redirect("deliberation:manage", vote_id=vote.pk)
        except DomainError as exc:
            errors = exc.as_list()
        except ValueError:
            errors = Invalid(_("请求无效"), code="invalid").as_list()
    return render_page(request, "deliberation/new.html", {
        "places": places, "errors": errors, "values": values, "kinds": Vote.Kind.choices,
        "precedences": Vote.Precedence.choices}, status=400 if errors else 200)


@login_required
@require_POST
def choices_page(request, vote_id: int):
    """Scrutineers: who chose what (each view audited)."""
    try:
        vote = selectors.vote_for(request.user, vote_id)
        rows = services.view_individual_choices(actor=request.user, vote_id=vote.pk, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return error_page(request, exc)
    labels = selectors.option_labels(vote)
    table = [(e, b, [labels.get(i, "") for ids in b.data.get("choices", {}).values() for i in ids]) for e, b in rows]
    return render_page(request, "deliberation/choices.html", {"vote": vote, "rows": table})

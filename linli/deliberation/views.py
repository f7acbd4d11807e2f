"""Pages: residents' votes, ballot and receipt; staff set-up (frozen roll totals), paper and
proxy entry, results and the printable public notice. Views parse, call a service or a
selector, and render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.accounts.scope import allowed, prefixes, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, Forbidden, Invalid
from linli.places.models import Place

from . import selectors, services, services_sign_in
from .models import Meeting, TopicSupport, Vote


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
        "meetings": scoped(request.user, Meeting.objects.all(), "deliberation.view").order_by("-starts_at")[:20],
        "can_convene": bool(request.user.is_superuser or _convene_places(request.user)),
        "can_set_rules": bool(request.user.is_superuser or prefixes(request.user, "deliberation.rules")),
        "can_import_roll": bool(request.user.is_superuser or prefixes(request.user, "people.import")),
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
        "waiting": vote.status == Vote.Status.OPEN and vote.closes_at and vote.closes_at <= timezone.now(),
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
    """Staff set-up: the law's defaults preselected; every setting `services.create_vote` knows;
    every field error shown at once (the page's own parse errors and the service's together)."""
    places = list(_convene_places(request.user))
    buildings = list(scoped(request.user, Place.objects.filter(kind__code="building").select_related("parent"), "deliberation.convene")
                     .order_by("path")[:300])
    errors, values = [], {}
    if request.method == "POST":
        P = request.POST
        values = P
        parse_errors = []

        def number(name, default, lo, hi, message):
            raw = (P.get(name) or "").strip()
            if raw == "":
                return default
            try:
                n = int(raw)
                if lo <= n <= hi:
                    return n
            except ValueError:
                pass
            parse_errors.append({"field": name, "code": "invalid", "message": message})
            return default

        matters = []
        for i in range(MATTER_SLOTS):
            title = (P.get(f"matter_title_{i}") or "").strip()
            if i and not title:
                continue
            mkind = P.get(f"matter_kind_{i}", "ordinary")
            m = {"title": title or (P.get("title", "") if i == 0 else ""), "kind": mkind,
                 "seats": number(f"seats_{i}", 0, 0, 99, _("应选人数须是 0 到 99 的整数")),
                 "options": [x.strip() for x in P.get(f"options_{i}", "").splitlines() if x.strip()]}
            pn, pd = P.get(f"pass_num_{i}", "").strip(), P.get(f"pass_den_{i}", "").strip()
            if pn or pd:
                m["pass"] = [number(f"pass_num_{i}", 1, 0, 999, _("通过门槛须是不超过 1 的分数")),
                             number(f"pass_den_{i}", 2, 1, 999, _("通过门槛须是不超过 1 的分数")),
                             bool(P.get(f"pass_strict_{i}"))]
            matters.append(m)
        settings = {
            "secret": bool(P.get("secret")), "allow_change": bool(P.get("allow_change")),
            "deemed_follow_majority": bool(P.get("deemed")), "results_hidden": not P.get("results_shown"),
            "precedence": P.get("precedence", Vote.Precedence.PAPER_FIRST),
            "tie_break": P.get("tie_break", Vote.TieBreak.AREA),
            "description": P.get("description", ""),
            "min_age": number("min_age", 18, 0, 120, _("年龄限制须是 0 到 120 的整数")),
            "objection_days": number("objection_days", 7, 0, 365, _("询异公示天数须是 0 到 365 的整数")),
            "cooling_days": number("cooling_days", 180, 0, 3650, _("再次提出的间隔须是 0 到 3650 的整数")),
        }
        if P.get("quorum_num", "").strip() or P.get("quorum_den", "").strip():
            settings["quorum_num"] = number("quorum_num", 2, 0, 999, _("参与门槛须是不超过 1 的分数"))
            settings["quorum_den"] = number("quorum_den", 3, 1, 999, _("参与门槛须是不超过 1 的分数"))
        if settings["tie_break"] not in Vote.TieBreak.values:
            parse_errors.append({"field": "tie_break", "code": "invalid", "message": _("请选择同票规则")})
            settings["tie_break"] = Vote.TieBreak.AREA
        if settings["precedence"] not in Vote.Precedence.values:
            parse_errors.append({"field": "precedence", "code": "invalid", "message": _("请选择多渠道投票的效力")})
            settings["precedence"] = Vote.Precedence.PAPER_FIRST
        building_ids = [int(x) for x in P.getlist("building_ids") if x.isdigit()]
        place_id = int(P.get("place_id")) if (P.get("place_id") or "").isdigit() else 0
        service_errors, vote = [], None
        with transaction.atomic():
            try:
                vote = services.create_vote(actor=request.user, place_id=place_id, kind=P.get("kind", ""),
                                            title=P.get("title", ""), matters=matters,
                                            building_ids=building_ids, **settings)
            except DomainError as exc:
                service_errors = exc.as_list()
            if parse_errors:
                transaction.set_rollback(True)
        errors = parse_errors + service_errors
        if not errors:
            return redirect("deliberation:manage", vote_id=vote.pk)
    return render_page(request, "deliberation/new.html", {
        "places": places, "buildings": buildings, "errors": errors, "values": values,
        "kinds": Vote.Kind.choices, "precedences": Vote.Precedence.choices, "tie_breaks": Vote.TieBreak.choices,
        "rows": [{"i": i, **{k: (values.get(f"{k}_{i}", "") if values else "") for k in
                             ("matter_title", "matter_kind", "seats", "options", "pass_num", "pass_den", "pass_strict")}}
                 for i in range(MATTER_SLOTS)],
        "picked_buildings": set(values.getlist("building_ids")) if values else set(),
        "fresh": not values}, status=400 if errors else 200)


MATTER_SLOTS = 3


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


# --------------------------------------------------------------------------------------------
# Topics and meetings
# --------------------------------------------------------------------------------------------

def field_errors(errors: list[dict]) -> dict[str, list[str]]:
    """Errors by the form field they belong to ("photos.2" → "photos"), for the message
    under the field itself."""
    out: dict[str, list[str]] = {}
    for e in errors:
        field = (e.get("field") or "").split(".")[0]
        if field:
            out.setdefault(field, []).append(str(e["message"]))
    return out


def _home_places(user):
    """Places a resident may propose for: those above their home (compound up to community)."""
    resident = getattr(user, "resident", None)
    if resident is None:
        return Place.objects.none()
    prefixes = [resident.path[:n] for n in range(4, len(resident.path) + 1, 4)]
    return Place.objects.filter(path__in=prefixes, kind__code__in=["community", "grid", "compound"]).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def topics_page(request):
    from . import selectors_meetings, services_topics
    from . import services_meetings as sm

    errors = []
    if request.method == "POST":
        try:
            if request.POST.get("support"):
                sm.support_topic(actor=request.user, topic_id=int(request.POST["support"]))
                messages.success(request, _("已附议"))
            else:
                services_topics.propose_topic(
                    actor=request.user, place_id=int(request.POST.get("place_id") or 0),
                    title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                    images=[f.read() for f in request.FILES.getlist("photos")])
                messages.success(request, _("议题已提交"))
            return redirect("deliberation:topics")
        except DomainError as exc:
            errors = exc.as_list()
        except ValueError:
            errors = Invalid(_("请求无效"), code="invalid").as_list()
    places = list(_home_places(request.user)) + [p for p in _convene_places(request.user)]
    from django.db.models import Count

    topics = list(selectors_meetings.topics_for(request.user).annotate(photo_count=Count("photos"))
                  .order_by("-id")[:50])
    supported = set(TopicSupport.objects.filter(user=request.user, topic__in=topics).values_list("topic_id", flat=True))
    return render_page(request, "deliberation/topics.html", {
        "topics": topics, "places": places, "errors": errors, "supported": supported,
        "field_errors": field_errors(errors), "max_photos": services_topics.MAX_TOPIC_PHOTOS,
        "can_convene": _convene_places(request.user).exists(), "from_case": request.GET.get("case", "")},
        status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def topic_page(request, topic_id: int):
    from linli.core.history import timeline

    from . import services_meetings as sm
    from . import services_topics
    from .models import Topic

    topic = Topic.objects.select_related("place", "proposer").filter(pk=topic_id).first()
    try:
        if topic is None:
            raise Invalid(_("未找到该议题"), code="not_found")
        if not (allowed(request.user, "deliberation.view", topic)
                or topic.proposer_id == request.user.pk):
            raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    except DomainError as exc:
        return error_page(request, exc)
    errors = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "photos":
                services_topics.add_topic_photos(actor=request.user, topic_id=topic.pk,
                                                 images=[f.read() for f in request.FILES.getlist("photos")])
                messages.success(request, _("照片已上传"))
            else:
                sm.screen_topic(actor=request.user, topic_id=topic.pk,
                                accept=request.POST.get("decision") == "accept",
                                refusal=request.POST.get("refusal", ""), note=request.POST.get("note", ""))
            return redirect("deliberation:topic", topic_id=topic.pk)
        except DomainError as exc:
            errors = exc.as_list()
    return render_page(request, "deliberation/topic.html", {
        "topic": topic, "errors": errors, "events": timeline(topic.events.all(), show_internal=False),
        "field_errors": field_errors(errors), "photos": list(topic.photos.all()),
        "can_add_photos": services_topics.photo_refusal(request.user, topic) is None,
        "max_photos": services_topics.MAX_TOPIC_PHOTOS,
        "can_screen": allowed(request.user, "deliberation.convene", topic),
        "refusals": topic.Refusal.choices}, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_page(request, meeting_id: int):
    """The meeting: agenda, the sign-in sheet (tick, or scans queued offline with a nonce),
    attendance per building, the minutes editor and the convener's approval."""
    import secrets as _secrets

    from . import selectors_meetings
    from . import services_meetings as sm
    from .models import Meeting

    meeting = Meeting.objects.select_related("place", "convener").filter(pk=meeting_id).first()
    try:
        if meeting is None:
            raise Invalid(_("未找到该会议"), code="not_found")
        if not allowed(request.user, "deliberation.view", meeting):
            raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    except DomainError as exc:
        return error_page(request, exc)
    can_convene = allowed(request.user, "deliberation.convene", meeting)
    errors = []
    if request.method == "POST" and can_convene:
        action = request.POST.get("action")
        try:
            if action == "notice":
                sm.publish_meeting_notice(actor=request.user, meeting_id=meeting.pk)
            elif action == "tick":
                for rid in request.POST.getlist("resident"):
                    sm.sign_in(actor=request.user, meeting_id=meeting.pk, resident_id=int(rid), method="list",
                               nonce=f"list-{meeting.pk}-{int(rid)}")
            elif action == "minutes":
                sm.record_minutes(actor=request.user, item_id=int(request.POST["item"]),
                                  discussion=request.POST.get("discussion", ""), decision=request.POST.get("decision", ""),
                                  actions=request.POST.get("actions", ""))
            elif action == "approve":
                sm.approve_minutes(actor=request.user, meeting_id=meeting.pk)
            return redirect("deliberation:meeting", meeting_id=meeting.pk)
        except DomainError as exc:
            errors = exc.as_list()
        except (ValueError, KeyError):
            errors = Invalid(_("请求无效"), code="invalid").as_list()
        meeting.refresh_from_db()
    from linli.places.models import Resident

    signed = set(meeting.attendance.values_list("resident_id", flat=True))
    # The tick list: everyone living under the place, and the invited owners who live elsewhere.
    from django.db.models import Q

    from .invitations import invited_owner_ids

    sheet = (Resident.objects.filter(Q(path__startswith=meeting.path, lives_here=True)
                                     | Q(pk__in=invited_owner_ids(meeting))).order_by("path", "pk")[:300]
             if can_convene else [])
    from . import views_decisions

    items = list(meeting.items.select_related("topic", "vote", "list_item", "case", "meeting__place__kind"))
    decision_errors = getattr(request, "decision_errors", None)
    return render_page(request, "deliberation/meeting.html", {
        **views_decisions.outcome_context(request.user, items), "decision_errors": decision_errors,
        "decision_field_errors": field_errors(decision_errors["errors"]) if decision_errors else {},
        "meeting": meeting, "items": items, "errors": errors,
        "by_building": selectors_meetings.attendance_by_building(meeting), "attendance": len(signed),
        "sheet": sheet, "signed": signed, "can_convene": can_convene, "nonce": _secrets.token_hex(8),
        "quorum": selectors_meetings.assembly_quorum(meeting) if can_convene else None,
        "my_ticket": services_sign_in.my_ticket(request.user, meeting), "vote_kinds": Vote.Kind.choices,
    }, status=400 if errors or decision_errors else 200)


@login_required
def figures_page(request):
    """Figures per place and period: topics, meetings and attendance, votes held, passed and
    failed for lack of quorum."""
    from . import selectors_meetings

    places = list(_convene_places(request.user)) or list(_home_places(request.user))
    chosen = next((p for p in places if str(p.pk) == request.GET.get("place")), places[0] if places else None)
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = dt.date.fromisoformat(request.GET.get("end") or today.isoformat())
    except ValueError:
        return error_page(request, Invalid(_("日期格式不正确"), code="invalid_date"))
    figures = None
    if chosen is not None:
        figures = selectors_meetings.figures(
            request.user, under=chosen.path,
            start=timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
            end=timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)))
    return render_page(request, "deliberation/figures.html", {
        "places": places, "chosen": chosen, "start": start, "end": end, "figures": figures})


@login_required
@require_http_methods(["GET", "POST"])
def paper_ballots_page(request, vote_id: int):
    """Printable paper ballots, one per elector (name, dwelling, area, the matters with boxes,
    a signature line and the code that finds the ballot record), all or one building's.
    Printing through the page's button records the sheets as issued in the register."""
    from .views_register import staff_vote

    try:
        vote = staff_vote(request, vote_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.GET.get("register") == "1":
        return redirect("deliberation:register", vote_id=vote.pk)
    from .models import Elector

    electors = Elector.objects.filter(vote=vote).order_by("path", "pk")
    building = request.GET.get("building", "")
    if building.isdigit():
        electors = electors.filter(building_id=int(building))
    electors = list(electors)
    errors, printing = [], False
    if request.method == "POST":
        try:
            services.issue_sheets(actor=request.user, vote_id=vote.pk, kind="printed",
                                  elector_ids=[e.pk for e in electors])
            printing = True
        except DomainError as exc:
            errors = exc.as_list()
    buildings = Place.objects.filter(pk__in=Elector.objects.filter(vote=vote).values("building_id")).order_by("name")
    return render_page(request, "deliberation/paper_ballots.html", {
        "vote": vote, "electors": electors, "matters": vote.frozen.get("matters", []), "errors": errors,
        "printing": printing, "buildings": buildings, "building": building,
        "can_issue": vote.status in (Vote.Status.NOTICE, Vote.Status.OPEN)}, status=400 if errors else 200)

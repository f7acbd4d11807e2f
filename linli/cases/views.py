"""Pages of the case loop: report a problem (反映问题), my cases, the case page with the
actions its viewer may take, the handler's queue, quick patrol entry and the staff list.
Views parse, call linli.cases.services / selectors (which scope through
linli.accounts.scope) and render; domain errors become form errors."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.accounts.display import AS_RESIDENT, AS_STAFF, display_name_for
from linli.accounts.models import User
from linli.accounts.pages import error_page, render_page
from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped, prefixes, require
from linli.core import idempotency
from linli.core.errors import DomainError, Forbidden, Invalid, NotFound, Unprocessable
from linli.core.paging import CappedPaginator
from linli.core.paths import ancestors_paths
from linli.places.models import Place
from linli.places.selectors import breadcrumbs

from . import forms as f
from . import rules, selectors, services
from .lookups import active_categories
from .models import Case, CaseEvent, CasePhoto, CaseSupporter, Level

PAGE_SIZE = 20
QUEUE_ROWS = 200
FILTER_KINDS = ("street", "community", "grid", "compound")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# ---------------------------------------------------------------- choices offered on forms


def _category_choices() -> list[tuple[str, str]]:
    cats = active_categories()  # once per process (cases/lookups.py)
    return [(c.code, f"{c.parent.label} · {c.label}" if c.parent_id else c.label) for c in cats]


def _label(place: Place, known: dict[str, Place]) -> str:
    """The place's name after those of its known ancestors from the compound down
    (汉都华府二期 1栋 1单元 101): a bare "1栋" says little in a list."""
    names = [known[p].name for p in ancestors_paths(place.path)
             if p in known and known[p].kind.code in selectors.HOME_KINDS]
    if not names and place.kind.code in selectors.HOME_KINDS[1:] and place.parent_id:
        names = [place.parent.name]
    return " ".join([*names, place.name])


def _place_choices(places: list[Place]) -> list[tuple[str, str]]:
    known = {p.path: p for p in places}
    return [(str(p.pk), _label(p, known)) for p in places]


# ---------------------------------------------------------------- idempotent page creates


def _create_once(request, nonce: str, payload: dict, create: Callable[[], Case]) -> int:
    """Run `create` at most once per form nonce: a double submit on a poor connection gets
    the case of the first (the same records as the API's Idempotency-Key). Returns the case id."""
    try:
        _status, answer, _replayed = idempotency.run_once(
            user=request.user, key=f"page-{nonce}" if nonce else None, action=f"page {request.path}",
            payload=payload, create=lambda: {"id": create().pk})
    except DomainError as exc:
        if exc.code in ("idempotency_mismatch", "idempotency_key"):
            raise Unprocessable(_("此表单已提交过，请刷新页面后重新填写"), code=exc.code) from None
        raise
    return answer["id"]


def _photo_digests(images: list[bytes]) -> list[str]:
    return [hashlib.sha256(b).hexdigest() for b in images]


def _decimal_or_none(value: str | None):
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# ---------------------------------------------------------------- 反映问题 (report)


def _report_context(request, form, places, default) -> dict:
    """The report page's context: the form and the point picker's map (centred on the home
    place; base tiles only when LINLI_MAP_TILES_URL is set)."""
    return {"form": form, "has_places": bool(places),
            "map_context": selectors.map_context(request.user, default or (places[0] if places else None)),
            "tiles_url": getattr(settings, "LINLI_MAP_TILES_URL", "")}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    places, default = selectors.report_places(request.user)
    kwargs = {"places": _place_choices(places), "categories": _category_choices()}
    if request.method == "GET":
        form = f.ReportForm(initial={"place": str(default.pk) if default else "", "nonce": secrets.token_hex(16)},
                            **kwargs)
        return render_page(request, "cases/report.html", _report_context(request, form, places, default))
    form = f.ReportForm(request.POST, request.FILES, **kwargs)
    context = _report_context(request, form, places, default)
    if not form.is_valid():
        return render_page(request, "cases/report.html", context, status=400)
    data = form.cleaned_data
    images = [p.read() for p in data["photos"]]
    lat, lng = data["lat"] or None, data["lng"] or None
    payload = {"text": data["text"], "place": data["place"], "lat": lat, "lng": lng, "category": data["category"],
               "is_public": data["is_public"], "photos": _photo_digests(images)}

    def create() -> Case:
        case = services.submit_case(actor=request.user, text=data["text"], channel=Case.Channel.RESIDENT,
                                    place_id=form.place_id(), lat=lat, lng=lng,
                                    category_code=data["category"] or None, is_public=data["is_public"])
        if images:
            services.attach_photos(actor=request.user, case_id=case.pk, images=images)
        return case

    try:
        case_id = _create_once(request, data["nonce"], payload, create)
    except DomainError as exc:
        f.add_domain_errors(form, exc)
        return render_page(request, "cases/report.html", context, status=exc.status)
    messages.success(request, _("已提交，我们会尽快办理。"))
    return redirect("cases:case", case_id=case_id)


@never_cache
@login_required
@require_GET
def report_hints(request):
    """As the resident types: the suggested category and similar open cases nearby (htmx)."""
    from linli.triage.suggest import suggest_categories

    text = (request.GET.get("text") or "").strip()[:2000]
    suggestions = [{"category": c, "percent": max(1, round(p * 100))}
                   for c, p in (suggest_categories(text, 3) if len(text) >= 2 else [])]
    places, _default = selectors.report_places(request.user)
    place = next((p for p in places if str(p.pk) == request.GET.get("place")), None)
    lat, lng = _decimal_or_none(request.GET.get("lat")), _decimal_or_none(request.GET.get("lng"))
    if lat is None or lng is None:
        lat = lng = None
    similar = []
    if len(text) >= 4:
        similar = selectors.similar_open_cases(request.user, text=text, place=place, lat=lat, lng=lng, limit=3)
    supported = set(CaseSupporter.objects.filter(user_id=request.user.pk, case_id__in=[c.pk for c in similar])
                    .values_list("case_id", flat=True)) if similar else set()
    return render_page(request, "cases/_hints.html", {
        "suggestions": suggestions, "similar": similar, "supported": supported, "text": text})


@login_required
@require_POST
def me_too(request, case_id: int):
    """我也遇到了: from the report page (htmx swaps in the answer) or from the case page."""
    try:
        case = services.me_too(actor=request.user, case_id=case_id)
    except DomainError as exc:
        if _is_htmx(request):
            return render_page(request, "cases/_me_too.html", {"error": exc, "case_id": case_id}, status=exc.status)
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        messages.error(request, exc.message)
        return redirect("cases:case", case_id=case_id)
    if _is_htmx(request):
        return render_page(request, "cases/_me_too.html", {"case": case, "case_id": case.pk})
    messages.success(request, _("已附议，办理进展会通知您。"))
    return redirect("cases:case", case_id=case.pk)


# ---------------------------------------------------------------- the case page


@dataclass
class Action:
    form: type
    title: str
    button: str
    run: Callable  # (request, case, cleaned_data) -> None
    done: str
    files: bool = False
    danger: bool = False


def _run_escalate(request, case, d):
    services.escalate_case(actor=request.user, case_id=case.pk, reason=d["reason"],
                           from_level=d["from_level"] or None, internal=not d["public"])


def _run_answer(request, case, d):
    with transaction.atomic():  # a bad result photo leaves no answer behind
        answered = services.answer_case(actor=request.user, case_id=case.pk, answer=d["answer"])
        images = [p.read() for p in d["photos"]]
        if images:
            services.attach_photos(actor=request.user, case_id=case.pk, images=images,
                                   event_id=answered._answer_event.pk)


def _run_task(request, case, d):
    if not case.tasks.filter(pk=d["task_id"]).exists():
        raise NotFound(_("协办任务不存在"), code="not_found")
    services.complete_task(actor=request.user, task_id=d["task_id"], answer=d["answer"])


def _run_merge(request, case, d):
    target = Case.objects.filter(number=d["into"].strip()).first()
    if target is None or not allowed(request.user, Verb.CASE_VIEW, target):
        raise Invalid(_("未找到该编号的诉求"), code="not_found", field="into_id")
    services.merge_case(actor=request.user, case_id=case.pk, into_id=target.pk, note=d["note"])


# The action forms of the case page, in the order they are shown (labels are lazy: this
# table is built once, at import, and read in each request's language). A form is shown when
# `rules.can(user, name, case)`: the same rule the service checks before it acts.
ACTIONS: dict[str, Action] = {
    "accept": Action(
        f.AcceptForm, pgettext_lazy("action", "受理"), pgettext_lazy("action", "受理"),
        lambda r, c, d: services.accept_case(actor=r.user, case_id=c.pk, note=d["note"]),
        gettext_lazy("已受理")),
    "answer": Action(
        f.AnswerForm, gettext_lazy("答复反映人"), gettext_lazy("提交答复"), _run_answer, gettext_lazy("已答复"),
        files=True),
    "close": Action(
        f.CloseForm, gettext_lazy("核查结案"), gettext_lazy("确认办结"),
        lambda r, c, d: services.close_case(actor=r.user, case_id=c.pk, outcome=d["outcome"], note=d["note"]),
        gettext_lazy("已办结")),
    "rate": Action(
        f.RateForm, gettext_lazy("评价办理结果"), gettext_lazy("提交评价"),
        lambda r, c, d: services.rate_case(actor=r.user, case_id=c.pk, rating=d["rating"],
                                           solved={"yes": True, "no": False}.get(d["solved"] or ""),
                                           comment=d["comment"]),
        gettext_lazy("感谢您的评价")),
    "add-info": Action(
        f.AddInfoForm, gettext_lazy("补充信息"), gettext_lazy("提交补充"),
        lambda r, c, d: services.add_info(actor=r.user, case_id=c.pk, text=d["text"]),
        gettext_lazy("已补充")),
    "contact": Action(
        f.ContactForm, gettext_lazy("记录已联系反映人"), gettext_lazy("已联系"),
        lambda r, c, d: services.record_contact(actor=r.user, case_id=c.pk, note=d["note"]),
        gettext_lazy("已记录联系")),
    "request-info": Action(
        f.RequestInfoForm, gettext_lazy("要求补充信息"), gettext_lazy("发送"),
        lambda r, c, d: services.request_info(actor=r.user, case_id=c.pk, question=d["question"]),
        gettext_lazy("已请反映人补充")),
    "classify": Action(
        f.ClassifyForm, gettext_lazy("更正类别"), gettext_lazy("保存类别"),
        lambda r, c, d: services.classify_case(actor=r.user, case_id=c.pk, category_code=d["category"],
                                               note=d["note"]),
        gettext_lazy("类别已保存")),
    "escalate": Action(
        f.EscalateForm, gettext_lazy("上报上一级"), pgettext_lazy("button", "上报"), _run_escalate, gettext_lazy("已上报上一级")),
    "refer": Action(
        f.ReferForm, gettext_lazy("转交职能部门"), gettext_lazy("转办"),
        lambda r, c, d: services.refer_case(actor=r.user, case_id=c.pk, organisation_id=d["organisation_id"],
                                            reason=d["reason"], from_level=d["from_level"] or None),
        gettext_lazy("已转交职能部门")),
    "cohandle": Action(
        f.CohandleForm, gettext_lazy("发起多部门协办"), pgettext_lazy("button", "发起协办"),
        lambda r, c, d: services.open_cohandling(actor=r.user, case_id=c.pk, organisation_ids=d["organisation_ids"],
                                                 instruction=d["instruction"], days=d["days"]),
        gettext_lazy("已发起协办")),
    "task": Action(
        f.TaskForm, gettext_lazy("完成协办任务"), gettext_lazy("提交办理情况"), _run_task, gettext_lazy("协办任务已完成")),
    "note": Action(
        f.NoteForm, gettext_lazy("内部备注"), gettext_lazy("添加备注"),
        lambda r, c, d: services.add_note(actor=r.user, case_id=c.pk, text=d["text"]),
        gettext_lazy("已添加备注")),
    "merge": Action(
        f.MergeForm, gettext_lazy("合并到另一诉求"), pgettext_lazy("button", "合并"), _run_merge, gettext_lazy("已合并"),
        danger=True),
}


def _abilities(user, case: Case, tasks) -> dict:
    """Which action forms to show: exactly the verbs whose rule (linli.cases.rules) says the
    action would succeed now, the same predicate the service checks."""
    can = rules.abilities(user, case)
    is_reporter = rules.is_reporter(user, case)
    can_handle = allowed(user, Verb.CASE_HANDLE, case)
    supported = (not is_reporter and case.is_open
                 and CaseSupporter.objects.filter(case_id=case.pk, user_id=user.pk).exists())
    return {"can": can, "is_reporter": is_reporter, "is_staff_view": can_handle, "supported": supported,
            "my_tasks": rules.my_open_tasks(user, case, tasks)}


def _action_form(name: str, case: Case, *, data=None, files=None, departments=None):
    action = ACTIONS[name]
    kwargs = {"prefix": name}
    if name in ("refer", "cohandle"):
        kwargs["organisations"] = departments if departments is not None else selectors.departments_for(case)
    if name == "classify":
        kwargs["categories"] = _category_choices()
    initial = {}
    if name in ("escalate", "refer"):
        initial["from_level"] = case.level
    if name == "classify":
        initial["category"] = case.category.code
    return action.form(data, files, initial=initial, **kwargs) if data is not None else action.form(
        initial=initial, **kwargs)


def _get_case(request, case_id: int) -> Case:
    return get_scoped(request.user, Case.objects.select_related(
        "category__parent", "place__kind", "handler_place", "handler_organisation", "reporter", "merged_into"),
        Verb.CASE_VIEW, pk=case_id)


_deadline = rules.deadline


# Events a resident makes: other residents and the public do not see who made them.
RESIDENT_SIDE = CaseEvent.RESIDENT_SIDE
LEVELS = dict(Level.choices)


def _event_detail(e) -> str:
    data = e.data or {}
    if e.kind in ("routed", "escalated", "overdue") and data.get("level"):
        return str(_("至%(level)s") % {"level": LEVELS.get(data["level"], data["level"])})
    if e.kind == "closed" and data.get("outcome"):
        return str(Case.Outcome(data["outcome"]).label) if data["outcome"] in Case.Outcome.values else ""
    if e.kind == "rated" and data.get("rating") in Case.Rating.values:
        solved = {True: _("已解决"), False: _("未解决")}.get(data.get("solved"), "")
        return " · ".join(str(x) for x in (Case.Rating(data["rating"]).label, solved) if x)
    return ""


def _event_actor(e, user, staff_view: bool) -> str:
    return display_name_for(user, e.actor if e.actor_id else None,
                            AS_RESIDENT if e.kind in RESIDENT_SIDE else AS_STAFF, over=e.case)


def _case_context(request, case: Case, *, bound: tuple[str, object] | None = None) -> dict:
    user = request.user
    tasks = list(case.tasks.select_related("organisation").order_by("id"))
    ab = _abilities(user, case, tasks)
    departments = selectors.departments_for(case) if (ab["can"]["refer"] or ab["can"]["cohandle"]) else []
    forms = {}
    for name in ACTIONS:
        if bound and bound[0] == name:
            forms[name] = bound[1]
        elif ab["can"].get(name):
            forms[name] = _action_form(name, case, departments=departments)
    events = selectors.timeline(user, case)
    photos = list(CasePhoto.objects.filter(case_id=case.pk).order_by("id"))
    by_event = {}
    for p in photos:
        if p.event_id:
            by_event.setdefault(p.event_id, []).append(p)
    for e in events:
        e.photo_list = by_event.get(e.pk, [])
        e.detail = _event_detail(e)
        e.who = _event_actor(e, user, ab["is_staff_view"])
    actions = [{"name": n, "action": ACTIONS[n], "form": forms[n],
                "open": bool(bound and bound[0] == n)} for n in ACTIONS if n in forms]
    if actions and not bound:
        actions[0]["open"] = True
    return {
        "case": case, "events": events, "problem_photos": [p for p in photos if not p.event_id],
        "tasks": tasks, "my_tasks": ab["my_tasks"], "actions": actions, "can": ab["can"],
        "is_reporter": ab["is_reporter"], "is_staff_view": ab["is_staff_view"], "supported": ab["supported"],
        "crumbs": breadcrumbs(case.place), "deadline": _deadline(case, timezone.now()),
        "supporters": case.supporters.count(), "me_too_allowed": ab["can"]["me-too"],
        "reporter_phone": _reporter_phone_masked(case) if ab["is_staff_view"] else "",
        "can_call": ab["can"]["contact"] and bool(_reporter_phone_masked(case)),
        "verification": _verification(user, case) if case.status == Case.Status.ANSWERED else None,
    }


def _reporter_phone_masked(case: Case) -> str:
    if case.contact_phone_masked:
        return case.contact_phone_masked
    return case.reporter.phone_masked if case.reporter_id else ""


def _verification(user, case: Case) -> dict:
    """Who verifies this answer (核查), said on the page: the reporter's confirmation, the
    colleagues or the level above; when nobody else exists, that the answerer may."""
    names = sorted(str(u) for u in User.objects.filter(pk__in=rules.verifiers(case)))
    return {"reporter": case.reporter_id is not None, "names": names,
            "self_allowed": case.answered_by_id is not None and rules.self_verification_allowed(case),
            "is_answerer": case.answered_by_id == user.pk}


@never_cache
@login_required
def case_detail(request, case_id: int):
    try:
        case = _get_case(request, case_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render_page(request, "cases/case.html", _case_context(request, case))


@never_cache
@login_required
@require_POST
def case_action(request, case_id: int, action: str):
    if action not in ACTIONS:
        return error_page(request, NotFound(_("页面不存在"), code="not_found"))
    try:
        case = _get_case(request, case_id)
    except DomainError as exc:
        return error_page(request, exc)
    spec = ACTIONS[action]
    form = _action_form(action, case, data=request.POST, files=request.FILES if spec.files else None)
    status = 400
    if form.is_valid():
        try:
            spec.run(request, case, form.cleaned_data)
        except DomainError as exc:
            f.add_domain_errors(form, exc)
            status = exc.status
        else:
            messages.success(request, spec.done)
            return redirect(reverse("cases:case", args=[case.pk]) + "#timeline")
    try:
        case = _get_case(request, case_id)  # as it is now: another handler may have moved it
    except DomainError as exc:
        return error_page(request, exc)
    return render_page(request, "cases/case.html", _case_context(request, case, bound=(action, form)),
                       status=status)


@never_cache
@login_required
@require_POST
def call_reporter(request, case_id: int):
    """Tap-to-call: the reporter's full number, revealed through the audited service to a
    handler of the case, as a tel: link (htmx swaps it in; without JS, the case page)."""
    try:
        case = _get_case(request, case_id)
        number = services.reveal_reporter_phone(actor=request.user, case_id=case.pk)
    except DomainError as exc:
        if _is_htmx(request):
            return render_page(request, "cases/_call.html", {"error": exc}, status=exc.status)
        return error_page(request, exc)
    if _is_htmx(request):
        return render_page(request, "cases/_call.html", {"number": number})
    context = _case_context(request, case)
    context["revealed_phone"] = number
    return render_page(request, "cases/case.html", context)


@login_required
@require_GET
def photo(request, photo_id: int):
    """A case photo, to those who may see the case (stored without metadata)."""
    item = CasePhoto.objects.select_related("case").filter(pk=photo_id).first()
    try:
        if item is None:
            raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")
        require(request.user, Verb.CASE_VIEW, item.case)
    except DomainError as exc:
        return error_page(request, exc)
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- lists


_overdue_q = selectors.overdue_q


def _rows(cases, now) -> list[dict]:
    return [{"case": c, "deadline": _deadline(c, now)} for c in cases]


@never_cache
@login_required
def mine(request):
    """我的诉求: what the user reported, newest first."""
    qs = selectors.case_list(request.user, mine=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "cases/mine.html", {"page": page, "rows": _rows(page.object_list, timezone.now())})


@never_cache
@login_required
def queue(request):
    """我的待办: open cases waiting on this person, soonest deadline first."""
    now = timezone.now()
    rows = _rows(selectors.queue_for(request.user)[:QUEUE_ROWS], now)
    counts = {"overdue": sum(r["deadline"]["state"] == "overdue" for r in rows),
              "soon": sum(r["deadline"]["state"] == "soon" for r in rows)}
    return render_page(request, "cases/queue.html", {"rows": rows, "counts": counts, "limit": QUEUE_ROWS,
                                                     "can_patrol": prefixes(request.user, Verb.CASE_INTAKE) != []})


def _is_case_staff(user) -> bool:
    reach = prefixes(user, Verb.CASE_VIEW)
    return reach is None or bool(reach) or bool(selectors.organisation_ids(user))


@never_cache
@login_required
def case_list(request):
    """All cases in the user's scope, with filters; for staff."""
    user = request.user
    if not _is_case_staff(user):
        return error_page(request, Forbidden(_("此页面仅供工作人员使用"), code="forbidden"))
    places = selectors.places_in_scope(user, Verb.CASE_VIEW, FILTER_KINDS)
    form = f.CaseFilterForm(request.GET or None, places=_place_choices(places), categories=_category_choices())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    under = next((p for p in places if p.pk == filters.get("under")), None)
    now = timezone.now()
    # The cases of the places this person serves; the public cases of other places are the
    # separate "公开诉求" view (?public=1), not OR-ed into this one.
    public = bool(filters.get("public"))
    qs = selectors.case_list(user, status=filters.get("status"), category=filters.get("category"),
                             under=under.path if under else None, days=filters.get("period") or None,
                             overdue=bool(filters.get("overdue")), carded=bool(filters.get("carded")),
                             public=public, now=now)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(request, "cases/list.html", {
        "form": form, "page": page, "rows": _rows(page.object_list, now), "query": query.urlencode(),
        "public": public, "filtered": bool(filters and any(v for k, v in filters.items() if k != "public"))})


# ---------------------------------------------------------------- quick patrol entry


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def patrol(request):
    """Staff entry (巡查、入户走访、电话、来访、会议、12345热线): a grid worker, building head or
    community worker files what they found or were told, in a few taps."""
    user = request.user
    if prefixes(user, Verb.CASE_INTAKE) == []:
        return error_page(request, Forbidden(_("只有网格员、楼栋长等工作人员可以登记巡查发现的问题"), code="forbidden"))
    places = selectors.places_in_scope(user, Verb.CASE_INTAKE, selectors.INTAKE_KINDS)
    kwargs = {"places": _place_choices(places), "categories": _category_choices()}
    if request.method == "GET":
        initial = {"nonce": secrets.token_hex(16), "channel": Case.Channel.PATROL}
        same = request.GET.get("place", "")
        if len(places) == 1:
            initial["place"] = str(places[0].pk)
        elif any(str(p.pk) == same for p in places):  # "登记下一条" from the same place
            initial["place"] = same
        form = f.PatrolForm(initial=initial, **kwargs)
        return render_page(request, "cases/patrol.html", {"form": form})
    form = f.PatrolForm(request.POST, request.FILES, **kwargs)
    if not form.is_valid():
        return render_page(request, "cases/patrol.html", {"form": form}, status=400)
    data = form.cleaned_data
    images = [p.read() for p in data["photos"]]
    lat, lng = data["lat"] or None, data["lng"] or None
    payload = {"text": data["text"], "place": data["place"], "channel": data["channel"],
               "category": data["category"], "contact_name": data["contact_name"],
               "contact_phone": data["contact_phone"], "lat": lat, "lng": lng, "photos": _photo_digests(images)}

    def create() -> Case:
        case = services.submit_case(actor=user, text=data["text"], channel=data["channel"],
                                    place_id=form.place_id(), lat=lat, lng=lng, category_code=data["category"] or None,
                                    contact_name=data["contact_name"], contact_phone=data["contact_phone"])
        if images:
            services.attach_photos(actor=user, case_id=case.pk, images=images)
        return case

    try:
        case_id = _create_once(request, data["nonce"], payload, create)
    except DomainError as exc:
        f.add_domain_errors(form, exc)
        return render_page(request, "cases/patrol.html", {"form": form}, status=exc.status)
    # A link in the message (SafeString survives the message storage): the next entry starts
    # from the same place, as on a patrol round.
    messages.success(request, format_html('{} <a class="btn" id="patrol-next" href="{}?place={}">{}</a>',
                                          _("已登记。"), reverse("cases:patrol"), data["place"],
                                          _("继续登记下一条")))
    return redirect("cases:case", case_id=case_id)

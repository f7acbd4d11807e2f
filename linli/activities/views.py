"""Activity pages: for residents (near me, sign up, my ticket, my hours and certificate), for
organisers (create, participants and hours, the offline scanner, the venue's minute code),
figures per place and period. Every change goes through services; a domain error comes
back as a message on the page it came from, in the user's language."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped, prefixes, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, NotFound
from linli.places.models import Place

from . import selectors, services
from .models import Activity, Participation

S = Participation.Status


def _activity_or_404(pk: int) -> Activity:
    found = Activity.objects.select_related("community", "place").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("未找到该活动"), code="not_found")
    return found


@never_cache
@login_required
@require_GET
def activity_list(request):
    rows = list(selectors.for_person(request.user))
    organising = list(selectors.managed(request.user, limit=50)) if prefixes(request.user, Verb.ACTIVITY_MANAGE) \
        != [] else []
    return render_page(request, "activities/list.html", {
        "rows": rows, "organising": organising,
        "volunteer_staff": prefixes(request.user, Verb.VOLUNTEER_MANAGE) != []})


@never_cache
@login_required
@require_GET
def detail(request, pk: int):
    try:
        activity = _activity_or_404(pk)
    except DomainError as exc:
        return error_page(request, exc)
    mine = Participation.objects.filter(activity=activity, person=request.user).first()
    used = services.places_used(activity)
    waiting = Participation.objects.filter(activity=activity, status=S.WAITING).count()
    ahead = None
    if mine is not None and mine.status == S.WAITING:
        ahead = Participation.objects.filter(activity=activity, status=S.WAITING).filter(
            models_ahead_of(mine)).count()
    open_to_me = None
    if (mine is None or mine.status == S.CANCELLED) and activity.status == Activity.Status.PUBLISHED \
            and activity.starts_at > timezone.now():
        open_to_me = services.eligible(request.user, activity)
    return render_page(request, "activities/detail.html", {
        "activity": activity, "mine": mine, "audience": audience_of(activity), "open_to_me": open_to_me, "used": used, "waiting": waiting, "ahead": ahead,
        "ticket": services.ticket_for(mine) if mine is not None and mine.status in (S.CONFIRMED, S.SIGNED_UP)
        else None,
        "can_checkin": allowed(request.user, Verb.ACTIVITY_CHECKIN, activity),
        "can_manage": allowed(request.user, Verb.ACTIVITY_MANAGE, activity),
        "now": timezone.now()})


def audience_of(activity: Activity) -> list[str]:
    """Who the activity is for, in words: its care tags, party members, volunteers (each
    narrowing the residents of its place); empty when it is for every resident there."""
    labels = dict(services.care_tag_choices()) if activity.audience_tags else {}
    out = [labels.get(t, t) for t in activity.audience_tags or []]
    if activity.for_party_members:
        out.append(_("党员"))
    if activity.for_volunteers:
        out.append(_("志愿者"))
    return out


def models_ahead_of(p: Participation):
    from django.db.models import Q

    return Q(priority__gt=p.priority) | Q(priority=p.priority, queued_at__lt=p.queued_at) | Q(
        priority=p.priority, queued_at=p.queued_at, id__lt=p.pk)


ACTIONS = {
    "signup": lambda request, a, p: services.sign_up(actor=request.user, activity_id=a.pk),
    "cancel": lambda request, a, p: services.cancel(actor=request.user, participation_id=p,
                                                    reason=request.POST.get("reason", "")),
    "accept": lambda request, a, p: services.accept_offer(actor=request.user, participation_id=p),
    "self_checkin": lambda request, a, p: services.self_check_in(actor=request.user, activity_id=a.pk,
                                                                 code=request.POST.get("code", "")),
    "checkout": lambda request, a, p: services.check_out(actor=request.user, participation_id=p),
    "verify": lambda request, a, p: services.verify_hours(actor=request.user, participation_id=p),
    "capacity": lambda request, a, p: services.set_capacity(actor=request.user, activity_id=a.pk,
                                                            capacity=_int(request.POST.get("capacity"))),
    "correction": lambda request, a, p: services.request_correction(
        actor=request.user, participation_id=p, minutes=_int(request.POST.get("minutes")),
        reason=request.POST.get("reason", "")),
}
DONE = {
    "signup": gettext_lazy("报名已提交"), "cancel": gettext_lazy("已取消报名"), "accept": gettext_lazy("已确认参加"),
    "self_checkin": gettext_lazy("签到成功"), "checkout": gettext_lazy("已签退"),
    "verify": gettext_lazy("服务时长已核定"), "capacity": gettext_lazy("名额已调整"),
    "correction": gettext_lazy("更正申请已提交"),
}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@login_required
@require_POST
def act(request, pk: int, action: str):
    if action not in ACTIONS:
        return error_page(request, NotFound(_("页面不存在"), code="not_found"))
    try:
        activity = _activity_or_404(pk)
        ACTIONS[action](request, activity, _int(request.POST.get("participation")))
        messages.success(request, DONE[action])
    except DomainError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("back")
    if back == "manage":
        return redirect("activities:manage", pk=pk)
    if back == "mine":
        return redirect("activities:mine")
    return redirect("activities:detail", pk=pk)


@never_cache
@login_required
@require_GET
def mine(request):
    record = selectors.volunteer_record(request.user)
    rows = list(selectors.my_participations(request.user)[:100])
    return render_page(request, "activities/mine.html", {"rows": rows, "record": record,
                                                          "hours": record["verified_minutes"] / 60})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def corrections(request):
    """时长更正申请: the open requests in the organiser's reach, each answered here (the
    to-do on the home page leads to this page)."""
    if request.method == "POST":
        try:
            services.answer_correction(actor=request.user, correction_id=_int(request.POST.get("correction")),
                                       accept=request.POST.get("accept") == "1", answer=request.POST.get("answer", ""))
            messages.success(request, _("已答复更正申请"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("activities:corrections")
    rows = list(selectors.open_corrections(request.user).order_by("created_at", "id")[:100])
    return render_page(request, "activities/corrections.html", {"rows": rows})


@never_cache
@login_required
@require_GET
def certificate(request):
    record = selectors.volunteer_record(request.user)
    communities = sorted({p.activity.community.name for p in record["activities"] if p.verified_minutes}
                         | {m.community.name for m in record["manual"]})
    return render_page(request, "activities/certificate.html", {
        "record": record, "hours": f"{record['verified_minutes'] / 60:.1f}", "communities": communities,
        "today": timezone.localdate()})


@never_cache
@login_required
@require_GET
def manage(request, pk: int):
    try:
        activity = get_scoped(request.user, Activity.objects.select_related("community"), Verb.ACTIVITY_CHECKIN,
                              pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    rows = list(selectors.participants(activity))
    return render_page(request, "activities/manage.html", {
        "activity": activity, "rows": rows, "scans": selectors.scans(activity, limit=50),
        "used": services.places_used(activity), "ended": activity.ends_at <= timezone.now(),
        "can_manage": allowed(request.user, Verb.ACTIVITY_MANAGE, activity)})


@never_cache
@login_required
@require_GET
def scanner(request, pk: int):
    """The organiser's phone scanner: scans are queued in the browser (with a nonce and the
    scan time) and uploaded when the network is back; the server accepts each nonce once."""
    try:
        activity = get_scoped(request.user, Activity.objects.all(), Verb.ACTIVITY_CHECKIN, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    return render_page(request, "activities/scanner.html", {"activity": activity})


@never_cache
@login_required
@require_GET
def venue_code(request, pk: int):
    """The code shown at the venue; it changes every minute (the page refreshes itself)."""
    try:
        activity = get_scoped(request.user, Activity.objects.all(), Verb.ACTIVITY_CHECKIN, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    template = "activities/_code.html" if request.headers.get("HX-Request") else "activities/venue_code.html"
    return render_page(request, template, {"activity": activity, "code": services.self_code(activity)})


class ActivityForm(forms.Form):
    place = forms.TypedChoiceField(label=gettext_lazy("地点"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Activity.Kind.choices)
    title = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    venue = forms.CharField(label=gettext_lazy("具体地点"), max_length=100, required=False)
    starts_at = forms.DateTimeField(label=gettext_lazy("开始时间"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=gettext_lazy("结束时间"),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    capacity = forms.IntegerField(label=gettext_lazy("名额（0 表示不限）"), min_value=0, max_value=100000, initial=0)
    points = forms.IntegerField(label=gettext_lazy("参加积分"), min_value=0, max_value=10000, initial=0)
    service_minutes = forms.IntegerField(label=gettext_lazy("计入服务时长（分钟）"), min_value=0, max_value=1440,
                                         initial=0, required=False)
    description = forms.CharField(label=gettext_lazy("介绍"), widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False, max_length=5000)


class StaffActivityForm(ActivityForm):
    """The staff page's form: the team page's fields (ActivityForm, which views_volunteers
    reuses) plus the organiser, the sign-up window, the offer time and the audience."""

    organiser_kind = forms.ChoiceField(label=gettext_lazy("主办方类型"), initial=Activity.Organiser.COMMUNITY,
                                       choices=[c for c in Activity.Organiser.choices if c[0] != "team"])
    organiser_name = forms.CharField(label=gettext_lazy("主办方名称（留空为本社区）"), max_length=100, required=False)
    signup_opens_at = forms.DateTimeField(label=gettext_lazy("报名开始（留空为立即）"), required=False,
                                          widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    signup_closes_at = forms.DateTimeField(label=gettext_lazy("报名截止（留空为活动开始时）"), required=False,
                                           widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    offer_hours = forms.IntegerField(label=gettext_lazy("递补名额保留（小时）"), min_value=1, max_value=168, initial=2)
    audience_tags = forms.MultipleChoiceField(label=gettext_lazy("仅面向关爱人群（不选为不限）"), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    for_party_members = forms.BooleanField(label=gettext_lazy("仅面向党员"), required=False)
    for_volunteers = forms.BooleanField(label=gettext_lazy("仅面向志愿者"), required=False)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    places = scoped(request.user, Place.objects.filter(kind__code__in=["community", "grid", "compound"]),
                    Verb.ACTIVITY_MANAGE).order_by("path")[:200]
    choices = [(p.pk, p.name) for p in places]
    if not choices:
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    form = StaffActivityForm(request.POST or None)
    form.fields["place"].choices = choices
    form.fields["audience_tags"].choices = services.care_tag_choices()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.create_activity(
                actor=request.user, place_id=d["place"], kind=d["kind"], title=d["title"], venue=d["venue"],
                starts_at=d["starts_at"], ends_at=d["ends_at"], capacity=d["capacity"], points=d["points"],
                service_minutes=d["service_minutes"] or 0, description=d["description"],
                organiser_kind=d["organiser_kind"], organiser_name=d["organiser_name"],
                signup_opens_at=d["signup_opens_at"], signup_closes_at=d["signup_closes_at"],
                offer_minutes=d["offer_hours"] * 60, audience_tags=d["audience_tags"],
                for_party_members=d["for_party_members"], for_volunteers=d["for_volunteers"])
            messages.success(request, _("活动已发布"))
            return redirect("activities:detail", pk=activity.pk)
        except DomainError as exc:
            from linli.accounts.forms import add_domain_errors

            add_domain_errors(form, exc)
    return render_page(request, "activities/new.html", {"form": form}, status=400 if form.errors else 200)


def _period(request) -> tuple[dt.datetime, dt.datetime, int]:
    days = max(1, min(_int(request.GET.get("days")) if request.GET.get("days") else 90, 3660))
    until = timezone.now()
    return until - dt.timedelta(days=days), until, days


@never_cache
@login_required
@require_GET
def figures(request):
    """Figures per place and period (activities, participants, hours, posts) and hours by grid."""
    reach = prefixes(request.user, Verb.ACTIVITY_MANAGE)
    places_qs = scoped(request.user, Place.objects.filter(kind__code__in=["street", "community", "grid"]),
                       Verb.ACTIVITY_MANAGE).order_by("path")
    if reach == []:
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    places = list(places_qs[:200])
    place = (places_qs.filter(pk=_int(request.GET.get("under"))).first() if request.GET.get("under")
             else (places[0] if places else None))
    since, until, days = _period(request)
    data, by_place, teams, units = {}, [], {}, {}
    if place is not None:
        data = selectors.figures(under=place.path, since=since, until=until)
        teams = selectors.top_teams(under=place.path, since=since, until=until)
        units = selectors.top_units(under=place.path, since=since, until=until)
        for r in [*teams["by_attendance"], *teams["by_hours"], *units["by_hours"]]:
            r["hours"] = r["minutes"] / 60
        names = dict(Place.objects.filter(path__startswith=place.path, depth=place.depth + 1)
                     .values_list("path", "name"))
        by_place = [{"name": names.get(r["place"], r["place"]), "hours": (r["minutes"] or 0) / 60,
                     "people": r["people"]}
                    for r in selectors.hours_by_place(under=place.path, depth=place.depth + 1, since=since,
                                                      until=until)]
    return render_page(request, "activities/figures.html", {
        "places": places, "place": place, "data": data, "by_place": by_place, "days": days,
        "teams": teams, "units": units,
        "hours": (data.get("service_minutes", 0) or 0) / 60})


def scanner_url(activity) -> str:
    return reverse("activities:scanner", args=[activity.pk])


# ---------------------------------------------------------------- double reporting (双报到)


@never_cache
@login_required
@require_GET
def units(request):
    """Partner units and registered members in the user's reach; posts planned and claimed per grid."""
    from .models import PartnerUnit

    if prefixes(request.user, Verb.VOLUNTEER_MANAGE) == []:
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    rows = list(scoped(request.user, PartnerUnit.objects.select_related("community", "liaison"), Verb.VOLUNTEER_MANAGE)
                .annotate(n_members=Count("members", distinct=True), n_pairings=Count("pairings", distinct=True)).order_by("community__path", "name")[:300])
    posts = selectors.claims_by_grid(request.user)  # every place of the user's reach, not only the first
    today = timezone.localdate()
    return render_page(request, "activities/units.html", {"rows": rows, "posts": posts, "year": today.year,
                                                          "quarter": (today.month - 1) // 3 + 1})


@never_cache
@login_required
@require_GET
def unit_report(request, pk: int):
    """A unit's quarterly service report for its employer: printable, or xlsx (?format=xlsx)."""
    from .models import PartnerUnit

    try:
        unit = get_scoped(request.user, PartnerUnit.objects.all(), Verb.VOLUNTEER_MANAGE, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    today = timezone.localdate()
    year = _int(request.GET.get("year")) if request.GET.get("year") else today.year
    quarter = _int(request.GET.get("quarter")) if request.GET.get("quarter") else (today.month - 1) // 3 + 1
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        year, quarter = today.year, (today.month - 1) // 3 + 1
    report = selectors.quarterly_report(unit, year=year, quarter=quarter)
    if request.GET.get("format") == "xlsx":
        return _report_xlsx(report)
    return render_page(request, "activities/unit_report.html", {"report": report})


def _report_xlsx(report):
    title = f"{report['year']}Q{report['quarter']}"
    rows = [[_("%(unit)s %(year)s年第%(q)s季度在职党员到社区报到服务情况") % {
        "unit": report["unit"].name, "year": report["year"], "q": report["quarter"]}],
        [_("姓名"), _("所在党支部"), _("服务网格"), _("参加活动"), _("服务时长（小时）"), _("认领岗位")]]
    rows += [[r["name"], r["branch"], r["grid"], r["activities"], r["hours"], r["posts"]] for r in report["rows"]]
    rows.append([_("单位认领岗位"), report["unit_posts"]])
    return xlsx_response(title, rows, f"unit-{report['unit'].pk}-{title}.xlsx")


def xlsx_response(sheet_title: str, rows, filename: str):
    """One sheet of rows as an xlsx download (the quarterly reports, per unit and per member)."""
    import io

    from django.http import HttpResponse
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

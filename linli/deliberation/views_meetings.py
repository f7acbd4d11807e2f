"""Meeting pages beside the meeting page itself: setting a meeting up with topics on its
agenda, the staff phone's offline QR scanner, and a decision of the minutes put to a vote."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.accounts.scope import allowed, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, Forbidden, Invalid, NotFound
from linli.places.models import Household, Place

from . import services_meetings as sm
from .models import AgendaItem, Attendance, Meeting, SignIn, Topic


def _convened_meeting(user, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("place").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("未找到该会议"), code="not_found")
    if not allowed(user, "deliberation.convene", meeting):
        raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    return meeting


@login_required
def meeting_scanner(request, meeting_id: int):
    """The staff phone's scanner: scans are queued in the browser with a nonce and the scan time
    and uploaded to `/api/v1/meetings/<id>/sign-ins` when the network is back (the activities
    scanner script, configured for meetings). Below: the sign-ins as the server took them,
    failed and duplicate scans included."""
    try:
        meeting = _convened_meeting(request.user, meeting_id)
    except DomainError as exc:
        return error_page(request, exc)
    log = list(SignIn.objects.filter(meeting=meeting).select_related("resident").order_by("-id")[:50])
    return render_page(request, "deliberation/meeting_scanner.html", {
        "meeting": meeting, "log": log, "attendance": Attendance.objects.filter(meeting=meeting).count()})


def _convene_places(user):
    return scoped(user, Place.objects.filter(kind__code__in=["compound", "building", "grid", "community"]),
                  "deliberation.convene").order_by("path")[:200]


@login_required
@require_http_methods(["GET", "POST"])
def new_meeting(request):
    """Set a meeting up: type, place, time, venue, topics waiting to be scheduled on its agenda,
    and the households invited (all of the place's, by default)."""
    places = list(_convene_places(request.user))
    if not places and not request.user.is_superuser:
        return error_page(request, Forbidden(_("您没有权限执行此操作"), code="forbidden"))
    topics = list(scoped(request.user, Topic.objects.filter(status=Topic.Status.TO_SCHEDULE).select_related("place"),
                         "deliberation.convene").order_by("-id")[:100])
    errors, values = [], {}
    if request.method == "POST":
        P = values = request.POST
        try:
            place_id = int(P.get("place_id") or 0)
            starts_at = parse_datetime(P.get("starts_at") or "")
            if starts_at is None:
                raise Invalid(_("请填写会议时间"), code="required", field="starts_at")
            if timezone.is_naive(starts_at):
                starts_at = timezone.make_aware(starts_at)
            place = Place.objects.filter(pk=place_id).first()
            households = (list(Household.objects.filter(path__startswith=place.path).values_list("pk", flat=True))
                          if place is not None and P.get("invite_all") else [])
            meeting = sm.create_meeting(actor=request.user, place_id=place_id, kind=P.get("kind", ""),
                                        title=P.get("title", ""), starts_at=starts_at, venue=P.get("venue", ""),
                                        topic_ids=[int(t) for t in P.getlist("topic")], household_ids=households,
                                        owners_invited=bool(P.get("invite_owners")),
                                        owner_building_ids=[int(b) for b in P.getlist("owner_building")],
                                        organisation_ids=[int(o) for o in P.getlist("organisation")])
            messages.success(request, _("会议已建立，请核对后发布通知"))
            return redirect("deliberation:meeting", meeting_id=meeting.pk)
        except DomainError as exc:
            errors = exc.as_list()
        except ValueError:
            errors = Invalid(_("请求无效"), code="invalid").as_list()
    buildings = list(Place.objects.filter(kind__code="building", parent__in=[p for p in places])
                     .select_related("parent").order_by("path")[:300])
    from linli.accounts.models import Organisation

    organisations = list(Organisation.objects.exclude(kind=Organisation.Kind.DEPARTMENT).order_by("kind", "name")[:100])
    return render_page(request, "deliberation/meeting_new.html", {
        "places": places, "topics": topics, "kinds": Meeting.Kind.choices, "errors": errors, "values": values,
        "picked": set(values.getlist("topic")) if values else set(),
        "picked_buildings": set(values.getlist("owner_building")) if values else set(),
        "picked_organisations": set(values.getlist("organisation")) if values else set(),
        "buildings": buildings, "organisations": organisations,
        "field_errors": {e.get("field"): e["message"] for e in errors if e.get("field")}},
        status=400 if errors else 200)


@login_required
def my_sign_ins(request):
    """A resident's meetings: those they signed in to (when, by scan or on the list, counted
    under which building) and the upcoming ones they are invited to."""
    from . import selectors_meetings

    names = {"qr": _("扫码签到"), "list": _("名单签到")}
    sign_ins = selectors_meetings.my_sign_ins(request.user)
    for a in sign_ins:
        a.methods_list = [names.get(m, m) for m in a.methods.split(",") if m]
    return render_page(request, "deliberation/my_sign_ins.html", {
        "sign_ins": sign_ins, "upcoming": selectors_meetings.invited_meetings(request.user, limit=20)})


@login_required
@require_POST
def item_vote(request, item_id: int):
    """A decision of the approved minutes opens a vote (a draft, set up on the vote's page)."""
    item = AgendaItem.objects.select_related("meeting").filter(pk=item_id).first()
    try:
        if item is None:
            raise NotFound(_("未找到该议程"), code="not_found")
        vote = sm.open_vote_from_item(actor=request.user, item_id=item.pk, kind=request.POST.get("kind", ""),
                                      matters=[{"title": item.decision[:200] or item.title, "kind": "ordinary"}])
    except DomainError as exc:
        return error_page(request, exc)
    messages.success(request, _("已按会议决定发起表决草稿"))
    return redirect("deliberation:manage", vote_id=vote.pk)



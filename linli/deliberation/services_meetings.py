"""Topics (propose, support once, screening) and meetings (notice, sign-in merged per person,
minutes approved by the convener, a decision opening a vote)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.scope import allowed, require
from linli.core import events
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.history import record
from linli.notify.services import enqueue
from linli.places.models import Place, Resident

from . import invitations
from .models import AgendaItem, Attendance, Meeting, SignIn, Topic, TopicEvent, TopicSupport
from .selectors_rules import rules_for


def _topic_event(topic: Topic, kind: str, *, actor, note: str = "", data: dict | None = None, notify=()):
    return record(TopicEvent, actor=actor, kind=kind, path=topic.path, note=note, data=data, topic=topic,
                  notify=notify, notice_text=f"{topic.title}：{note}" if notify else "",
                  notice_kind=f"topic_{kind}", audit_action=f"deliberation.topic_{kind}", audit_target=topic)


def _may_take_part(actor, verb: str, place: Place) -> bool:
    """Staff by scope; a resident for the places above their home."""
    if allowed(actor, verb, place):
        return True
    resident = getattr(actor, "resident", None)
    return resident is not None and resident.path.startswith(place.path) and allowed(actor, verb, resident.path)


@transaction.atomic
def propose_topic(*, actor, place_id: int, title: str, body: str = "", support_threshold: int | None = None) -> Topic:
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到该地点"), code="not_found", field="place_id")
    if not _may_take_part(actor, "deliberation.propose", place):
        raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    title = (title or "").strip()
    if not title:
        raise Invalid(_("请填写议题"), code="required", field="title")
    # The place's rules at proposal time, stored on the topic: a later edit of the rules does
    # not move this topic's goalpost. Staff may still give an explicit threshold.
    threshold = support_threshold or rules_for(place).support_threshold
    topic = Topic.objects.create(place=place, path=place.path, title=title[:120], body=(body or "").strip(),
                                 proposer=actor if getattr(actor, "pk", None) else None,
                                 support_threshold=threshold)
    _topic_event(topic, "proposed", actor=actor)
    return topic


@transaction.atomic
def topic_from_case(*, actor, case_id: int, title: str = "") -> Topic:
    """A case becomes a topic in one action. The case is read through the app registry (feature
    apps do not import each other); the cases app can follow with the published event."""
    Case = apps.get_model("cases", "Case")
    case = Case.objects.filter(pk=case_id).select_related("place").first()
    if case is None:
        raise NotFound(_("未找到该诉求"), code="not_found", field="case_id")
    require(actor, "deliberation.convene", case.place)
    if Topic.objects.filter(case_id=case.pk).exists():
        raise Conflict(_("该诉求已转为议题"), code="already_topic", field="case_id")
    topic = Topic.objects.create(place=case.place, path=case.place.path, title=(title or case.text)[:120],
                                 body=case.text, proposer=actor if getattr(actor, "pk", None) else None, case=case,
                                 status=Topic.Status.TO_SCHEDULE,
                                 support_threshold=rules_for(case.place).support_threshold)
    from .services_topics import copy_case_photos

    photos = copy_case_photos(topic, case, actor=actor)
    _topic_event(topic, "from_case", actor=actor, data={"case": case.pk, "photos": len(photos)})
    events.publish("deliberation.topic_from_case", key=f"topic-from-case:{topic.pk}", actor=actor, path=topic.path,
                   data={"case": case.pk, "topic": topic.pk, "title": topic.title,
                         "url": reverse("deliberation:topic", args=[topic.pk])})
    return topic


@transaction.atomic
def support_topic(*, actor, topic_id: int) -> Topic:
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None:
        raise NotFound(_("未找到该议题"), code="not_found")
    if not _may_take_part(actor, "deliberation.propose", topic.place):
        raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    if topic.status != Topic.Status.PROPOSED:
        raise Conflict(_("该议题已不在征集中"), code="wrong_status")
    try:
        with transaction.atomic():
            TopicSupport.objects.create(topic=topic, user=actor)
    except IntegrityError:
        raise Conflict(_("您已附议过该议题"), code="already_supported") from None
    topic.support_count += 1
    fields = ["support_count", "updated_at"]
    if topic.support_count >= topic.support_threshold:
        topic.status = Topic.Status.TO_SCHEDULE
        fields.append("status")
        _topic_event(topic, "to_schedule", actor=actor, data={"supports": topic.support_count})
    topic.save(update_fields=fields)
    return topic


@transaction.atomic
def screen_topic(*, actor, topic_id: int, accept: bool, refusal: str = "", note: str = "") -> Topic:
    """Staff screen a topic: to be scheduled, or refused with a reason the proposer sees."""
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None:
        raise NotFound(_("未找到该议题"), code="not_found")
    require(actor, "deliberation.convene", topic)
    if topic.status not in (Topic.Status.PROPOSED, Topic.Status.TO_SCHEDULE):
        raise Conflict(_("该议题已处理"), code="wrong_status")
    notify = [topic.proposer] if topic.proposer_id else []
    if accept:
        topic.status = Topic.Status.TO_SCHEDULE
        topic.save(update_fields=["status", "updated_at"])
        _topic_event(topic, "accepted", actor=actor, note=note, notify=notify)
        return topic
    errors = []
    if refusal not in Topic.Refusal.values:
        errors.append({"field": "refusal", "code": "required", "message": _("请选择不予采纳的原因")})
    if not (note or "").strip():
        errors.append({"field": "note", "code": "required", "message": _("请向提议人说明理由")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    topic.status, topic.refusal, topic.refusal_note = Topic.Status.REFUSED, refusal, note.strip()
    topic.save(update_fields=["status", "refusal", "refusal_note", "updated_at"])
    _topic_event(topic, "refused", actor=actor, note=note.strip(), data={"refusal": refusal}, notify=notify)
    return topic


# --------------------------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------------------------

@transaction.atomic
def create_meeting(*, actor, place_id: int, kind: str, title: str, starts_at: dt.datetime, venue: str = "",
                   topic_ids: list[int] = (), household_ids: list[int] = (), owners_invited: bool = False,
                   owner_building_ids: list[int] = (), organisation_ids: list[int] = ()) -> Meeting:
    """A meeting with its agenda and who it invites: households, owners (of chosen buildings,
    else of the whole place) and organisations (their staff get the notice)."""
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到该地点"), code="not_found", field="place_id")
    require(actor, "deliberation.convene", place)
    errors = []
    if kind not in Meeting.Kind.values:
        errors.append({"field": "kind", "code": "invalid_kind", "message": _("请选择会议类型")})
    if not (title or "").strip():
        errors.append({"field": "title", "code": "required", "message": _("请填写会议名称")})
    topics = list(Topic.objects.filter(pk__in=topic_ids, path__startswith=place.path))
    if len(topics) != len(set(topic_ids)):
        errors.append({"field": "topic_ids", "code": "invalid_topics", "message": _("议题须属于会议地点")})
    buildings = list(Place.objects.filter(pk__in=owner_building_ids, kind__code="building",
                                          path__startswith=place.path))
    if len(buildings) != len(set(owner_building_ids)):
        errors.append({"field": "owner_building_ids", "code": "invalid_buildings",
                       "message": _("邀请业主的楼栋须属于会议地点")})
    if owner_building_ids and not owners_invited:
        errors.append({"field": "owners_invited", "code": "owners_not_invited",
                       "message": _("选择了楼栋，请同时勾选邀请业主")})
    from linli.accounts.models import Organisation

    organisations = list(Organisation.objects.filter(pk__in=organisation_ids))
    if len(organisations) != len(set(organisation_ids)):
        errors.append({"field": "organisation_ids", "code": "invalid_organisations", "message": _("未找到所选单位")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    meeting = Meeting.objects.create(place=place, path=place.path, kind=kind, title=title.strip(), starts_at=starts_at,
                                     venue=venue, convener=actor, owners_invited=bool(owners_invited))
    meeting.owner_buildings.set(buildings)
    meeting.invited_organisations.set(organisations)
    if household_ids:
        from linli.places.models import Household

        meeting.invited.set(Household.objects.filter(pk__in=household_ids, path__startswith=place.path))
    for i, t in enumerate(topics):
        AgendaItem.objects.create(meeting=meeting, order=i, topic=t, title=t.title)
    Topic.objects.filter(pk__in=[t.pk for t in topics]).update(status=Topic.Status.SCHEDULED)
    for t in topics:
        _topic_event(t, "scheduled", actor=actor, data={"meeting": meeting.pk})
    return meeting


def invitees(meeting: Meeting):
    """Who the notice and the minutes go to: the one rule of `invitations.py` (named households,
    invited owners, the staff of invited organisations; everyone living under the place where
    nobody is named)."""
    return invitations.invitees(meeting)


def is_invited(meeting: Meeting, resident: Resident | None = None, *, user=None) -> bool:
    return invitations.is_invited(meeting, user=user, resident=resident)


def _check_notice_lead(meeting: Meeting) -> None:
    """The place's rules ask the notice this many days ahead (owners' assemblies their own
    number): counted in calendar days, the day of the notice to the day of the meeting."""
    days = rules_for(meeting.place).notice_days(meeting.kind)
    today = timezone.localdate()
    start_day = timezone.localtime(meeting.starts_at).date()
    if (start_day - today).days >= days:
        return
    earliest = today + dt.timedelta(days=days)
    latest = start_day - dt.timedelta(days=days)
    if days == 0:
        message = _("会议时间已过，不能再发布通知；请改期至今天（%(earliest)s）或以后") % {
            "earliest": earliest.isoformat()}
    else:
        message = _("按议事规则，%(kind)s须至少提前 %(days)s 天通知：今天发布通知，会议最早定在 %(earliest)s；"
                    "会议定在 %(start)s 的，最迟须在 %(latest)s 发布通知") % {
            "kind": meeting.get_kind_display(), "days": days, "earliest": earliest.isoformat(),
            "start": start_day.isoformat(), "latest": latest.isoformat()}
    raise Conflict(message, code="notice_too_late", field="starts_at")


@transaction.atomic
def publish_meeting_notice(*, actor, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("未找到该会议"), code="not_found")
    require(actor, "deliberation.convene", meeting)
    if meeting.status != Meeting.Status.DRAFT:
        raise Conflict(_("会议通知已发布"), code="wrong_status")
    _check_notice_lead(meeting)
    meeting.status, meeting.notice_at = Meeting.Status.NOTICE, timezone.now()
    meeting.save(update_fields=["status", "notice_at"])
    when = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    enqueue(invitees(meeting), kind="meeting_notice", url=f"/deliberation/meetings/{meeting.pk}/",
            text=_("会议通知：%(title)s，%(when)s %(venue)s") % {"title": meeting.title, "when": when,
                                                             "venue": meeting.venue})
    events.publish("deliberation.meeting_notice", key=f"meeting-notice:{meeting.pk}", actor=actor, path=meeting.path,
                   data={"meeting": meeting.pk, "title": meeting.title, "starts_at": meeting.starts_at.isoformat()})
    return meeting


@transaction.atomic
def sign_in(*, actor, meeting_id: int, resident_id: int, method: str, nonce: str,
            scanned_at: dt.datetime | None = None) -> Attendance:
    """A QR scan or a tick on the printed list. Scans queued offline on the staff phone carry a
    nonce: uploaded twice, accepted once. `scanned_at` (when it happened) is kept apart from
    the arrival time; the first sign-in of a person makes their one attendance record."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("未找到该会议"), code="not_found")
    require(actor, "deliberation.convene", meeting)
    if method not in ("qr", "list"):
        raise Invalid(_("签到方式无效"), code="invalid_method", field="method")
    nonce = (nonce or "").strip()
    if not (8 <= len(nonce) <= 64):
        raise Invalid(_("签到标识无效"), code="invalid_nonce", field="nonce")
    resident = Resident.objects.filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("未找到该居民"), code="not_found", field="resident_id")
    existing = SignIn.objects.filter(nonce=nonce).first()
    if existing is not None:
        if existing.meeting_id != meeting.pk or existing.resident_id != resident.pk:
            raise Conflict(_("签到标识已被使用"), code="nonce_reused", field="nonce")
        return Attendance.objects.get(meeting=meeting, resident=resident)
    when = scanned_at or timezone.now()
    present = Attendance.objects.filter(meeting=meeting, resident=resident).exists()
    record(SignIn, actor=actor, kind=method, path=resident.path, meeting=meeting, resident=resident, nonce=nonce,
           scanned_at=when, result=SignIn.Result.DUPLICATE if present else SignIn.Result.ACCEPTED)
    building = (Place.objects.filter(kind__code="building", path__in=[resident.path[:n] for n in
                                                                       range(4, len(resident.path) + 1, 4)]).first())
    att, created = Attendance.objects.get_or_create(
        meeting=meeting, resident=resident,
        defaults={"first_at": when, "methods": method, "building": building})
    if not created:
        changed = []
        if when < att.first_at:
            att.first_at = when
            changed.append("first_at")
        if method not in att.methods.split(","):
            att.methods = f"{att.methods},{method}"
            changed.append("methods")
        if changed:
            att.save(update_fields=changed)
    if meeting.status == Meeting.Status.NOTICE:
        meeting.status = Meeting.Status.HELD
        meeting.save(update_fields=["status"])
    return att


@transaction.atomic
def record_minutes(*, actor, item_id: int, discussion: str, decision: str, actions: str = "") -> AgendaItem:
    item = AgendaItem.objects.select_for_update().select_related("meeting").filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("未找到该议程"), code="not_found")
    require(actor, "deliberation.convene", item.meeting)
    if item.approved_at:
        raise Conflict(_("纪要已确认，不能再改"), code="minutes_approved")
    item.discussion, item.decision, item.actions = discussion.strip(), decision.strip(), actions.strip()
    item.save(update_fields=["discussion", "decision", "actions"])
    return item


@transaction.atomic
def approve_minutes(*, actor, meeting_id: int) -> Meeting:
    """The convener approves the minutes; they are published to the invited."""
    meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("未找到该会议"), code="not_found")
    require(actor, "deliberation.convene", meeting)
    if meeting.convener_id != getattr(actor, "pk", None) and getattr(actor, "pk", None) is not None:
        raise Forbidden(_("纪要须由召集人确认"), code="not_convener")
    items = list(meeting.items.select_for_update())
    if not items or any(not i.decision for i in items):
        raise Invalid(_("每个议程都须填写决定"), code="minutes_incomplete", field="decision")
    now = timezone.now()
    AgendaItem.objects.filter(meeting=meeting).update(approved_at=now)
    meeting.status = Meeting.Status.MINUTES
    meeting.save(update_fields=["status"])
    Topic.objects.filter(pk__in=[i.topic_id for i in items if i.topic_id]).update(status=Topic.Status.DECIDED)
    enqueue(invitees(meeting), kind="meeting_minutes", url=f"/deliberation/meetings/{meeting.pk}/",
            text=_("会议纪要已发布：%(title)s") % {"title": meeting.title})
    events.publish("deliberation.minutes_published", key=f"minutes:{meeting.pk}", actor=actor, path=meeting.path,
                   data={"meeting": meeting.pk, "items": [{"id": i.pk, "decision": i.decision, "actions": i.actions}
                                                          for i in items]})
    return meeting


@transaction.atomic
def open_vote_from_item(*, actor, item_id: int, kind: str, matters: list[dict], **settings):
    """A decision of the meeting puts a matter to the vote (the vote's draft, linked to the topic)."""
    from .services import create_vote

    from . import rules_decisions

    item = AgendaItem.objects.select_for_update().select_related("meeting").filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("未找到该议程"), code="not_found")
    rules_decisions.check(actor, "vote", item)
    vote = create_vote(actor=actor, place_id=item.meeting.place_id, kind=kind, title=item.title, matters=matters,
                       topic_id=item.topic_id, **settings)
    item.vote = vote
    item.save(update_fields=["vote"])
    from .services_decisions import note_decision_outcome

    note_decision_outcome(item, "vote", actor=actor, target_id=vote.pk, title=vote.title,
                          url=reverse("deliberation:vote", args=[vote.pk]))
    return vote

"""Every change to activities and participations.

Capacity, the one rule: places used = participations whose status uses a place (offered,
confirmed, attended), counted after locking the activity row. Every path that can free a
place — a cancellation by the person or by staff, a capacity raise, an offer expiring —
ends in `_fill_places`, which offers the freed places to the next people waiting (by
priority, then time). Lock order: activity, then its participations."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, require
from linli.core import events
from linli.core.audit import record_audit
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.history import record
from linli.core.paths import ancestors_paths
from linli.places.models import Place

from .models import (PLACE_STATUSES, TRANSITIONS, USES_PLACE, Activity, HoursCorrection, ManualHours, Participation,
                     ParticipationEvent, Scan)

S = Participation.Status
MAX_CAPACITY = 100000
MAX_MINUTES = 24 * 60
HOURS_URL = "/activities/mine/"  # the volunteer's hours page, where notices about hours lead


# ---------------------------------------------------------------- activities


def community_of(place: Place) -> Place:
    if place.kind.code == "community":
        return place
    found = Place.objects.filter(path__in=ancestors_paths(place.path), kind__code="community").first()
    if found is None:
        raise Invalid(_("活动地点须在某个社区之内"), code="no_community", field="place_id")
    return found


@transaction.atomic
def care_tag_choices() -> list[tuple[str, str]]:
    """The care tags an activity may be for (the admin-kept list, active ones), as
    (code, label in the user's language)."""
    from linli.places.models import CareTag

    return [(t.code, t.label) for t in CareTag.objects.filter(is_active=True)]


def create_activity(*, actor, place_id: int, kind: str, title: str, starts_at, ends_at, capacity: int = 0,
                    organiser_name: str = "", organiser_kind: str = Activity.Organiser.COMMUNITY,
                    description: str = "", venue: str = "", signup_opens_at=None, signup_closes_at=None,
                    audience_tags=(), for_party_members: bool = False, for_volunteers: bool = False,
                    points: int = 0, service_minutes: int = 0, offer_minutes: int = 120,
                    team_id: int | None = None) -> Activity:
    """Publish an activity. A team's activity (`team_id`) may be published by the team's
    leaders as well as by staff, at a place of the team's community."""
    place = Place.objects.select_related("kind").filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到该地点"), code="not_found", field="place_id")
    team = None
    if team_id is not None:
        from .models import Team
        from .volunteers import leads

        team = Team.objects.filter(pk=team_id).first()
        if team is None:
            raise NotFound(_("未找到该队伍"), code="not_found", field="team_id")
        organiser_kind, organiser_name = Activity.Organiser.TEAM, team.name
        if not leads(actor, team):
            require(actor, Verb.ACTIVITY_MANAGE, place)
    else:
        require(actor, Verb.ACTIVITY_MANAGE, place)
    errors = []

    def bad(field, message, code):
        errors.append({"field": field, "message": message, "code": code})

    if team is not None and not place.path.startswith(team.path):
        bad("place_id", _("队伍活动须在本队所在社区之内"), "place_outside_team")

    if kind not in Activity.Kind.values:
        bad("kind", _("请选择活动类型"), "kind_invalid")
    if organiser_kind not in Activity.Organiser.values:
        bad("organiser_kind", _("请选择主办方类型"), "organiser_kind_invalid")
    if not (title or "").strip():
        bad("title", _("请填写活动名称"), "title_required")
    if starts_at is None:
        bad("starts_at", _("请填写开始时间"), "starts_at_required")
    if ends_at is None:
        bad("ends_at", _("请填写结束时间"), "ends_at_required")
    elif starts_at is not None and ends_at <= starts_at:
        bad("ends_at", _("结束时间须晚于开始时间"), "ends_before_start")
    if not isinstance(capacity, int) or not 0 <= capacity <= MAX_CAPACITY:
        bad("capacity", _("名额须为 0 至 100000 的整数（0 表示不限）"), "capacity_range")
    if not isinstance(points, int) or not 0 <= points <= 10000:
        bad("points", _("积分须为 0 至 10000 的整数"), "points_range")
    if not isinstance(service_minutes, int) or not 0 <= service_minutes <= MAX_MINUTES:
        bad("service_minutes", _("服务时长须为 0 至 1440 分钟"), "minutes_range")
    if not isinstance(offer_minutes, int) or not 5 <= offer_minutes <= 7 * 24 * 60:
        bad("offer_minutes", _("递补保留时间须为 5 分钟至 7 天"), "offer_minutes_range")
    known = {code for code, _label in care_tag_choices()}
    if any(str(t) not in known for t in audience_tags):
        bad("audience_tags", _("请从关爱标签中选择面向人群"), "audience_tag_unknown")
    if signup_opens_at and signup_closes_at and signup_closes_at <= signup_opens_at:
        bad("signup_closes_at", _("报名截止须晚于报名开始"), "signup_window_invalid")
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    community = community_of(place)
    activity = Activity.objects.create(
        community=community, place=place, path=place.path, kind=kind, organiser_kind=organiser_kind,
        organiser_name=(organiser_name or community.name).strip()[:100], title=title.strip()[:100],
        organiser=actor if getattr(actor, "pk", None) else None, description=(description or "")[:5000],
        venue=(venue or "")[:100], starts_at=starts_at, ends_at=ends_at, capacity=capacity,
        signup_opens_at=signup_opens_at, signup_closes_at=signup_closes_at,
        audience_tags=[str(t)[:32] for t in audience_tags][:20], for_party_members=for_party_members,
        for_volunteers=for_volunteers, points=points, service_minutes=service_minutes, offer_minutes=offer_minutes,
        checkin_secret=secrets.token_hex(16), team=team)
    record_audit(actor=actor, action="activities.create", target=activity,
                 data={"capacity": capacity, **({"team": team.pk} if team else {})})
    return activity


def _lock_activity(activity_id: int) -> Activity:
    try:
        return Activity.objects.select_for_update().get(pk=activity_id)
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("未找到该活动"), code="not_found", field="activity_id") from None


def places_used(activity: Activity) -> int:
    return Participation.objects.filter(activity=activity, status__in=PLACE_STATUSES).count()


def _transition(p: Participation, to: str, *, actor, note: str = "", kind: str = "", notice: str = "",
                **changes) -> Participation:
    """Move a participation along the transition table and write the history entry (with a
    notice to the participant when `notice` is given, linking to the activity)."""
    before = p.status if p.pk else None
    if to not in TRANSITIONS[before]:
        raise Conflict(_("当前状态「%(from)s」不能变为「%(to)s」") % {
            "from": S(before).label if before else "—", "to": S(to).label}, code="status_not_allowed")
    p.status = to
    for field, value in changes.items():
        setattr(p, field, value)
    if to != S.OFFERED:
        p.offer_expires_at = None
    p.save()
    record(ParticipationEvent, actor=actor, kind=kind or to, path=p.path, note=note,
           data={"from": before, "to": to, "uses_place": USES_PLACE[S(to)]}, participation=p,
           notify=[p.person] if notice else (), notice_kind=f"activity_{kind or to}", notice_text=notice,
           url=f"/activities/{p.activity_id}/")
    return p


def _expire_offers(activity: Activity, *, now) -> int:
    """Offers past their deadline pass on (activity locked)."""
    stale = list(Participation.objects.select_for_update()
                 .filter(activity=activity, status=S.OFFERED, offer_expires_at__lte=now).order_by("id"))
    for p in stale:
        _transition(p, S.CANCELLED, actor=None, kind="offer_expired", note=str(_("递补名额未在期限内确认")),
                    notice=str(_("「%(title)s」的递补名额未在期限内确认，已让给下一位") % {"title": activity.title}))
    return len(stale)


def _fill_places(activity: Activity, *, actor, now) -> list[Participation]:
    """The one promotion: give each free place to the next person waiting, as an offer
    with a deadline. The activity row must be locked by the caller."""
    if activity.capacity == 0 or activity.status != Activity.Status.PUBLISHED or activity.ends_at <= now:
        return []
    free = activity.capacity - places_used(activity)
    if free <= 0:
        return []
    deadline = now + timedelta(minutes=activity.offer_minutes)
    offered = []
    waiting = (Participation.objects.select_for_update().filter(activity=activity, status=S.WAITING)
               .order_by("-priority", "queued_at", "id")[:free])
    for p in waiting:
        offered.append(_transition(p, S.OFFERED, actor=actor, offer_expires_at=deadline,
                                   note=str(_("有空余名额，请在期限内确认"))))
    if offered:
        from linli.notify.services import enqueue

        for p in offered:
            enqueue([p.person], kind="activity_offer", url=f"/activities/{activity.pk}/",
                    text=str(_("「%(title)s」有空余名额，请在 %(deadline)s 前确认") % {
                        "title": activity.title, "deadline": timezone.localtime(deadline).strftime("%m-%d %H:%M")}))
    return offered


def _settle(activity: Activity, *, actor, now) -> None:
    """Run after any change to a locked activity: stale offers pass on, free places are offered."""
    _expire_offers(activity, now=now)
    _fill_places(activity, actor=actor, now=now)


@functools.lru_cache(maxsize=32)
def _signup_sql(tags: int) -> str:
    """The one read a sign-up decides on, run after the activity row is locked (a statement
    started after the lock was granted sees every earlier holder's rows; the locking statement
    itself would not). Written out rather than built with the ORM: compiling the eleven
    subqueries cost more Python time, inside the lock, than the statement took to run.
    Parameters: see `_signup_read`. `tags` is the number of the activity's care tags."""
    from linli.accounts.models import RoleAssignment
    from linli.places.models import CareTag, Place, Resident

    from .models import MemberRegistration

    t = {"activity": Activity._meta.db_table, "p": Participation._meta.db_table,
         "role": RoleAssignment._meta.db_table, "place": Place._meta.db_table, "home": Resident._meta.db_table,
         "home_tag": Resident.care_tags.through._meta.db_table, "tag": CareTag._meta.db_table,
         "member": MemberRegistration._meta.db_table}
    # In or over the activity's place: one path is a prefix of the other.
    near = "({x}.path LIKE a.path || '%%' OR a.path LIKE {x}.path || '%%')"
    roles = "SELECT 1 FROM {role} r JOIN {place} rp ON rp.id = r.place_id WHERE r.user_id = %s AND r.is_active"
    tagged = ("(SELECT COUNT(*) FROM {home_tag} ht JOIN {tag} t ON t.id = ht.caretag_id "
              "WHERE ht.resident_id = %s AND t.code IN ({codes}))" if tags else "0")
    sql = f"""SELECT
        EXISTS({roles} AND {near.format(x="rp")}) AS by_role,
        EXISTS(SELECT 1 FROM {{home}} h WHERE h.id = %s AND {near.format(x="h")}) AS by_home,
        {tagged} AS tagged,
        EXISTS({roles} AND r.role IN ('party_member_household', 'branch_secretary')) AS party_role,
        EXISTS(SELECT 1 FROM {{member}} m WHERE m.person_id = %s) AS registered,
        EXISTS({roles} AND r.role = 'volunteer') AS volunteer,
        (SELECT COUNT(*) FROM {{p}} q WHERE q.activity_id = a.id AND q.status IN ({", ".join(["%s"] * len(PLACE_STATUSES))})) AS used,
        EXISTS(SELECT 1 FROM {{p}} q WHERE q.activity_id = a.id AND q.status = %s) AS waiting,
        EXISTS(SELECT 1 FROM {{p}} q WHERE q.activity_id = a.id AND q.status = %s AND q.offer_expires_at <= %s) AS stale,
        (SELECT q.id FROM {{p}} q WHERE q.activity_id = a.id AND q.person_id = %s) AS mine_id,
        (SELECT q.status FROM {{p}} q WHERE q.activity_id = a.id AND q.person_id = %s) AS mine_status
        FROM {{activity}} a WHERE a.id = %s"""
    return sql.format(codes=", ".join(["%s"] * tags), **t)


def _signup_read(person, activity: Activity, *, now) -> dict:
    """Everything a sign-up decides on, in one statement: whether the person is in the
    audience, places used, whether anyone waits, whether an offer is stale, the person's own
    row (id, status)."""
    tags = list(activity.audience_tags or [])
    home = getattr(person, "resident_id", None)
    params = [person.pk, home, *([home, *tags] if tags else []), person.pk, person.pk, person.pk,
              *PLACE_STATUSES, S.WAITING, S.OFFERED, connection.ops.adapt_datetimefield_value(now),
              person.pk, person.pk, activity.pk]
    with connection.cursor() as cur:
        cur.execute(_signup_sql(len(tags)), params)
        names = [c[0] for c in cur.description]
        row = dict(zip(names, cur.fetchone()))
    # The audience: home or a role place in or over the activity's place; one of its care
    # tags when it names any; party members / volunteers when it says so.
    row["eligible"] = bool(
        (row["by_role"] or row["by_home"])
        and (not tags or (home and row["tagged"]))
        and (not activity.for_party_members or row["party_role"] or row["registered"])
        and (not activity.for_volunteers or row["volunteer"]))
    return row


def eligible(person, activity: Activity) -> bool:
    """Whether the person is in the activity's audience (the sign-up's own read)."""
    return _signup_read(person, activity, now=timezone.now())["eligible"]


@transaction.atomic
def sign_up(*, actor, activity_id: int) -> Participation:
    """Sign up: a place if one is free and nobody waits before you, else the waiting list.
    Lock the activity, then one read decides (audience, places, the waiting, the person's
    own row), then one row and its history entry are written: five statements in all."""
    if actor is None or not getattr(actor, "pk", None):
        raise Invalid(_("请先登录"), code="unauthenticated")
    activity = _lock_activity(activity_id)
    now = timezone.now()  # after the lock: the queue's time order is the lock's order
    if activity.signup_opens_at and now < activity.signup_opens_at:
        raise Conflict(_("报名尚未开始"), code="signup_not_open", field="activity_id")
    if now >= (activity.signup_closes_at or activity.starts_at):
        raise Conflict(_("报名已截止"), code="signup_closed", field="activity_id")
    if activity.status != Activity.Status.PUBLISHED:
        raise Conflict(_("该活动已取消"), code="activity_cancelled", field="activity_id")
    seen = _signup_read(actor, activity, now=now)
    if not seen["eligible"]:
        raise Forbidden(_("该活动不面向您报名"), code="not_in_audience", field="activity_id")
    if seen["mine_id"] is not None and seen["mine_status"] != S.CANCELLED:
        raise Conflict(_("您已报名该活动"), code="already_signed_up", field="activity_id")
    if seen["mine_id"] is not None:  # signing up again after cancelling: the same row, to the back of the line
        p = Participation.objects.select_for_update().get(pk=seen["mine_id"])
    else:
        p = Participation(activity=activity, person=actor, path=activity.path)
    p.queued_at = now
    if activity.capacity == 0:
        to = S.SIGNED_UP
    else:
        used, waiting = seen["used"], seen["waiting"]
        if seen["stale"]:  # stale offers pass on, and the waiting go first
            _expire_offers(activity, now=now)
            _fill_places(activity, actor=actor, now=now)
            used, waiting = _places_and_waiting(activity)
        to = S.CONFIRMED if not waiting and used < activity.capacity else S.WAITING
    _transition(p, to, actor=actor)
    return p


def _places_and_waiting(activity: Activity) -> tuple[int, int]:
    """Places used and people waiting, in one query (the activity row is locked)."""
    row = Participation.objects.filter(activity=activity).aggregate(
        used=Count("id", filter=Q(status__in=PLACE_STATUSES)), waiting=Count("id", filter=Q(status=S.WAITING)))
    return row["used"], row["waiting"]


def _participation_for(actor, participation_id: int, *, staff_verb: str = Verb.ACTIVITY_MANAGE) -> Participation:
    """A participation the actor may act on: their own, or one in their organising scope."""
    p = Participation.objects.filter(pk=participation_id).select_related("activity").first()
    if p is None:
        raise NotFound(_("未找到该报名"), code="not_found", field="participation_id")
    if getattr(actor, "pk", None) != p.person_id:
        require(actor, staff_verb, p)
    return p


@transaction.atomic
def cancel(*, actor, participation_id: int, reason: str = "") -> Participation:
    """The person or staff cancels: a place held is freed and offered on."""
    found = _participation_for(actor, participation_id)
    activity = _lock_activity(found.activity_id)
    p = Participation.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    by_staff = getattr(actor, "pk", None) != p.person_id
    if p.status not in (S.SIGNED_UP, S.WAITING, S.OFFERED, S.CONFIRMED):
        raise Conflict(_("当前状态不能取消"), code="not_cancellable", field="participation_id")
    if by_staff and not (reason or "").strip():
        raise Invalid(_("代为取消须填写理由"), code="reason_required", field="reason")
    note = (reason or "").strip()[:300]
    # Someone else cancelled their place: the participant is told, with the reason.
    _transition(p, S.CANCELLED, actor=actor, kind="cancelled_by_staff" if by_staff else S.CANCELLED, note=note,
                notice=str(_("您报名的「%(title)s」已被组织方取消。原因：%(reason)s") % {
                    "title": activity.title, "reason": note}) if by_staff else "")
    _settle(activity, actor=actor, now=now)
    return p


@transaction.atomic
def accept_offer(*, actor, participation_id: int) -> Participation:
    found = _participation_for(actor, participation_id)
    _lock_activity(found.activity_id)
    p = Participation.objects.select_for_update().get(pk=found.pk)
    if p.status != S.OFFERED:
        raise Conflict(_("没有待确认的递补名额"), code="no_offer", field="participation_id")
    if p.offer_expires_at and p.offer_expires_at <= timezone.now():
        raise Conflict(_("递补名额已过确认期限"), code="offer_expired", field="participation_id")
    return _transition(p, S.CONFIRMED, actor=actor)


@transaction.atomic
def set_capacity(*, actor, activity_id: int, capacity: int) -> Activity:
    """Raising the limit offers the new places; lowering it never takes a place away (the
    places above the new limit are not offered again when they free up)."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("未找到该活动"), code="not_found", field="activity_id")
    require(actor, Verb.ACTIVITY_MANAGE, activity)
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise Invalid(_("名额须为 1 至 100000 的整数"), code="capacity_range", field="capacity")
    activity = _lock_activity(activity_id)
    if activity.capacity == 0:
        raise Conflict(_("不限名额的活动不能改为限额"), code="unlimited_activity", field="capacity")
    before = activity.capacity
    activity.capacity = capacity
    activity.save(update_fields=["capacity"])
    record_audit(actor=actor, action="activities.set_capacity", target=activity,
                 data={"from": before, "to": capacity})
    _settle(activity, actor=actor, now=timezone.now())
    return activity


@transaction.atomic
def set_priority(*, actor, participation_id: int, priority: int, reason: str) -> Participation:
    """Staff move someone up the waiting list (an elderly resident living alone), with a reason."""
    found = _participation_for(actor, participation_id)
    if getattr(actor, "pk", None) == found.person_id and not allowed(actor, Verb.ACTIVITY_MANAGE, found):
        raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    if not isinstance(priority, int) or not -100 <= priority <= 100:
        raise Invalid(_("优先级须为 -100 至 100 的整数"), code="priority_range", field="priority")
    if not (reason or "").strip():
        raise Invalid(_("调整候补顺序须填写理由"), code="reason_required", field="reason")
    _lock_activity(found.activity_id)
    p = Participation.objects.select_for_update().get(pk=found.pk)
    before = p.priority
    p.priority = priority
    p.save(update_fields=["priority"])
    record(ParticipationEvent, actor=actor, kind="priority_changed", path=p.path, participation=p,
           note=reason.strip()[:300], data={"from": before, "to": priority}, audit_action="activities.set_priority")
    return p


def expire_offers(*, now=None) -> int:
    """The job: every activity with a stale offer passes it on (each activity in its own
    transaction, under its lock)."""
    now = now or timezone.now()
    ids = list(Participation.objects.filter(status=S.OFFERED, offer_expires_at__lte=now)
               .values_list("activity_id", flat=True).distinct())
    count = 0
    for activity_id in ids:
        with transaction.atomic():
            activity = _lock_activity(activity_id)
            count += _expire_offers(activity, now=now)
            _fill_places(activity, actor=None, now=now)
    return count


# ---------------------------------------------------------------- check-in


def _key() -> bytes:
    return hashlib.sha256(("linli-checkin:" + settings.SECRET_KEY).encode()).digest()


def ticket_for(p: Participation) -> str:
    """What the attendee's QR code says: the participation and a MAC over it."""
    mac = hmac.new(_key(), f"ticket:{p.pk}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"LL{p.pk}-{mac}"


def _participation_of_ticket(ticket: str) -> int | None:
    ticket = (ticket or "").strip()
    if not ticket.startswith("LL") or "-" not in ticket:
        return None
    pk, _dash, mac = ticket[2:].partition("-")
    if not pk.isdigit() or len(pk) > 18:
        return None
    expected = hmac.new(_key(), f"ticket:{pk}".encode(), hashlib.sha256).hexdigest()[:16]
    return int(pk) if hmac.compare_digest(expected, mac) else None


def self_code(activity: Activity, at=None) -> str:
    """The code shown at the venue: six digits from an HMAC of the activity and the minute."""
    minute = int((at or timezone.now()).timestamp() // 60)
    mac = hmac.new(_key(), f"self:{activity.pk}:{activity.checkin_secret}:{minute}".encode(), hashlib.sha256)
    return f"{int(mac.hexdigest()[:8], 16) % 1_000_000:06d}"


def _check_in(p: Participation, *, actor, at) -> str:
    """Mark a (locked) participation attended; the result for the scan log."""
    if p.status == S.ATTENDED:
        return Scan.Result.DUPLICATE
    if p.status not in (S.SIGNED_UP, S.CONFIRMED, S.NO_SHOW):
        return Scan.Result.FAILED
    _transition(p, S.ATTENDED, actor=actor, checked_in_at=at)
    activity = p.activity
    events.publish("activities.attended", key=f"participation:{p.pk}:attended", actor=actor, path=activity.path,
                   data={"participation": p.pk, "person": p.person_id, "activity": activity.pk,
                         "points": activity.points})
    return Scan.Result.ACCEPTED


def _window_ok(activity: Activity, at) -> bool:
    return activity.starts_at - timedelta(hours=2) <= at <= activity.ends_at + timedelta(hours=2)


@transaction.atomic
def _one_scan(*, actor, activity: Activity, nonce: str, ticket: str, scanned_at) -> Scan:
    existing = Scan.objects.filter(nonce=nonce).first()
    if existing is not None:
        return existing  # a retried upload changes nothing
    pk = _participation_of_ticket(ticket)
    p = None
    if pk is not None:
        p = Participation.objects.select_for_update().select_related("activity").filter(pk=pk, activity=activity).first()
    if p is None or not _window_ok(activity, scanned_at):
        result, note = Scan.Result.FAILED, str(_("二维码无效或不属于本活动"))
    else:
        result, note = _check_in(p, actor=actor, at=scanned_at), ""
    try:
        with transaction.atomic():
            return record(Scan, actor=actor, kind=result, path=activity.path, note=note, activity=activity,
                          participation=p, nonce=nonce, scanned_at=scanned_at, result=result,
                          data={"ticket": (ticket or "")[:64]})
    except IntegrityError:  # the same nonce arrived twice at once: the first is the answer
        raise Conflict(_("该扫码记录正在处理"), code="scan_in_progress", field="nonce") from None


def upload_scans(*, actor, activity_id: int, scans: list[dict]) -> list[Scan]:
    """The organiser's phone uploads its queue: each scan with its nonce and scan time is
    accepted once; failed and duplicate scans are logged too. Each scan is its own
    transaction, so one bad scan does not lose the others."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("未找到该活动"), code="not_found", field="activity_id")
    require(actor, Verb.ACTIVITY_CHECKIN, activity)
    if len(scans) > 500:
        raise Invalid(_("一次最多上传 500 条扫码记录"), code="too_many_scans", field="scans")
    now = timezone.now()
    out = []
    for i, scan in enumerate(scans):
        nonce = str(scan.get("nonce") or "").strip()
        if not 8 <= len(nonce) <= 64:
            raise Invalid(_("扫码编号无效"), code="nonce_invalid", field=f"scans.{i}.nonce")
        at = scan.get("scanned_at")
        at = parse_datetime(at) if isinstance(at, str) else at
        if at is None or timezone.is_naive(at) or at > now + timedelta(minutes=5):
            raise Invalid(_("扫码时间无效"), code="scanned_at_invalid", field=f"scans.{i}.scanned_at")
        out.append(_one_scan(actor=actor, activity=activity, nonce=nonce, ticket=str(scan.get("ticket") or ""),
                             scanned_at=at))
    return out


@transaction.atomic
def self_check_in(*, actor, activity_id: int, code: str) -> Scan:
    """Check in with the code shown at the venue (this minute's or the last one's)."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(_("未找到该活动"), code="not_found", field="activity_id")
    now = timezone.now()
    code = (code or "").strip()
    if code not in (self_code(activity, now), self_code(activity, now - timedelta(minutes=1))) or \
            not _window_ok(activity, now):
        raise Invalid(_("签到码无效或已过期，请扫描现场最新的签到码"), code="self_code_invalid", field="code")
    p = Participation.objects.select_for_update().select_related("activity").filter(
        activity=activity, person_id=getattr(actor, "pk", None)).first()
    if p is None:
        raise Conflict(_("您没有报名该活动"), code="not_signed_up", field="code")
    result = _check_in(p, actor=actor, at=now)
    if result == Scan.Result.FAILED:
        raise Conflict(_("当前报名状态不能签到"), code="status_not_allowed", field="code")
    return record(Scan, actor=actor, kind=result, path=activity.path, activity=activity, participation=p,
                  nonce=f"self-{secrets.token_hex(12)}", scanned_at=now, result=result, method=Scan.Method.SELF)


@transaction.atomic
def check_out(*, actor, participation_id: int) -> Participation:
    found = _participation_for(actor, participation_id, staff_verb=Verb.ACTIVITY_CHECKIN)
    p = Participation.objects.select_for_update().select_related("activity").get(pk=found.pk)
    if p.status != S.ATTENDED or p.checked_out_at is not None:
        raise Conflict(_("尚未签到或已签退"), code="not_checked_in", field="participation_id")
    p.checked_out_at = timezone.now()
    p.save(update_fields=["checked_out_at"])
    record(ParticipationEvent, actor=actor, kind="checked_out", path=p.path, participation=p)
    return p


# ---------------------------------------------------------------- hours


def served_minutes(p: Participation) -> int:
    """Minutes served: the activity's fixed service time if it has one, else from check-in
    (or the start) to check-out (or the end)."""
    a = p.activity
    if a.service_minutes:
        return a.service_minutes
    start = max(p.checked_in_at or a.starts_at, a.starts_at)
    end = min(p.checked_out_at or a.ends_at, a.ends_at)
    return max(int((end - start).total_seconds() // 60), 0)


def _publish_hours(p: Participation, *, actor, minutes: int, before: int, key: str) -> None:
    """Tell the others that `minutes` in all are now verified (`minutes_before` were before);
    `source` names this verification (a correction is a source of its own)."""
    events.publish("activities.hours_verified", key=key, actor=actor, path=p.path,
                   data={"participation": p.pk, "person": p.person_id, "activity": p.activity_id, "minutes": minutes,
                         "minutes_before": before, "source": key})


@transaction.atomic
def verify_hours(*, actor, participation_id: int, minutes: int | None = None) -> Participation:
    """The organiser verifies an attendee's hours once the activity has ended (or they
    checked out); only then do they count (and earn points)."""
    p = Participation.objects.select_related("activity").filter(pk=participation_id).first()
    if p is None:
        raise NotFound(_("未找到该报名"), code="not_found", field="participation_id")
    require(actor, Verb.ACTIVITY_MANAGE, p)
    p = Participation.objects.select_for_update().select_related("activity").get(pk=p.pk)
    if p.status != S.ATTENDED:
        raise Conflict(_("未签到的报名不能核定时长"), code="not_attended", field="participation_id")
    if p.verified_minutes is not None:
        raise Conflict(_("时长已核定，如需更改请走更正申请"), code="already_verified", field="participation_id")
    if p.checked_out_at is None and timezone.now() < p.activity.ends_at:
        raise Conflict(_("活动尚未结束"), code="activity_not_ended", field="participation_id")
    value = served_minutes(p) if minutes is None else minutes
    if not isinstance(value, int) or not 0 <= value <= MAX_MINUTES:
        raise Invalid(_("服务时长须为 0 至 1440 分钟"), code="minutes_range", field="minutes")
    p.verified_minutes = value
    p.hours_verified_at = timezone.now()
    p.hours_verified_by = actor if getattr(actor, "pk", None) else None
    p.save(update_fields=["verified_minutes", "hours_verified_at", "hours_verified_by"])
    record(ParticipationEvent, actor=actor, kind="hours_verified", path=p.path, participation=p,
           data={"minutes": value}, notify=[p.person], notice_kind="hours_verified", url=HOURS_URL,
           notice_text=str(_("「%(title)s」的服务时长已核定：%(minutes)s 分钟") % {
               "title": p.activity.title, "minutes": value}))
    _publish_hours(p, actor=actor, minutes=value, before=0, key=f"participation:{p.pk}:hours")
    return p


@transaction.atomic
def request_correction(*, actor, participation_id: int, minutes: int, reason: str) -> HoursCorrection:
    p = Participation.objects.select_for_update().filter(pk=participation_id,
                                                         person_id=getattr(actor, "pk", None)).first()
    if p is None:
        raise NotFound(_("未找到该报名"), code="not_found", field="participation_id")
    if p.verified_minutes is None:
        raise Conflict(_("时长尚未核定"), code="not_verified", field="participation_id")
    if not isinstance(minutes, int) or not 0 <= minutes <= MAX_MINUTES:
        raise Invalid(_("服务时长须为 0 至 1440 分钟"), code="minutes_range", field="minutes")
    if not (reason or "").strip():
        raise Invalid(_("请填写更正理由"), code="reason_required", field="reason")
    if p.corrections.filter(status=HoursCorrection.Status.OPEN).exists():
        raise Conflict(_("已有待答复的更正申请"), code="correction_open", field="participation_id")
    return HoursCorrection.objects.create(participation=p, path=p.path, minutes=minutes, reason=reason.strip()[:300])


@transaction.atomic
def answer_correction(*, actor, correction_id: int, accept: bool, answer: str = "") -> HoursCorrection:
    c = HoursCorrection.objects.filter(pk=correction_id).first()
    if c is None:
        raise NotFound(_("未找到该更正申请"), code="not_found", field="correction_id")
    require(actor, Verb.ACTIVITY_MANAGE, c)
    p = (Participation.objects.select_for_update(of=("self",)).select_related("activity", "person")
         .get(pk=c.participation_id))
    c = HoursCorrection.objects.select_for_update().get(pk=c.pk)
    if c.status != HoursCorrection.Status.OPEN:
        raise Conflict(_("该申请已答复"), code="already_answered", field="correction_id")
    if not accept and not (answer or "").strip():
        raise Invalid(_("不予更正须说明理由"), code="answer_required", field="answer")
    c.status = HoursCorrection.Status.ACCEPTED if accept else HoursCorrection.Status.REFUSED
    c.answer = (answer or "").strip()[:300]
    c.answered_by = actor if getattr(actor, "pk", None) else None
    c.answered_at = timezone.now()
    c.save()
    if accept:
        before = p.verified_minutes or 0
        p.verified_minutes = c.minutes
        p.save(update_fields=["verified_minutes"])
        record(ParticipationEvent, actor=actor, kind="hours_corrected", path=p.path, participation=p,
               note=c.reason, data={"from": before, "to": c.minutes}, audit_action="activities.correct_hours",
               notify=[p.person], notice_kind="hours_corrected", url=HOURS_URL,
               notice_text=str(_("「%(title)s」的时长更正已同意：%(from)s 分钟改为 %(to)s 分钟") % {
                   "title": p.activity.title, "from": before, "to": c.minutes}))
        if c.minutes > before:  # the extra time earns like any verified time
            _publish_hours(p, actor=actor, minutes=c.minutes, before=before, key=f"correction:{c.pk}")
    else:
        # A refusal is history too: the volunteer reads the reason in their inbox.
        record(ParticipationEvent, actor=actor, kind="hours_correction_refused", path=p.path, participation=p,
               note=c.answer, data={"correction": c.pk, "asked": c.minutes},
               notify=[p.person], notice_kind="hours_correction_refused", url=HOURS_URL,
               notice_text=str(_("「%(title)s」的时长更正不予同意：%(answer)s") % {
                   "title": p.activity.title, "answer": c.answer}))
    return c


@transaction.atomic
def _of_community(person_id, community) -> bool:
    """Manual hours are certified by the community where the person lives or holds a role."""
    from linli.accounts.models import User

    from .volunteers import belongs_to

    person = User.objects.filter(pk=person_id, is_active=True).select_related("resident").first()
    return person is not None and belongs_to(person, community.path)


def add_manual_hours(*, actor, person_id: int, community_id: int, minutes: int, served_on, reason: str
                     ) -> ManualHours:
    community = Place.objects.filter(pk=community_id, kind__code="community").first()
    if community is None:
        raise NotFound(_("未找到该社区"), code="not_found", field="community_id")
    require(actor, Verb.VOLUNTEER_MANAGE, community)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise Invalid(_("服务时长须为 1 至 1440 分钟"), code="minutes_range", field="minutes")
    if not (reason or "").strip():
        raise Invalid(_("手工登记时长须填写理由"), code="reason_required", field="reason")
    if not _of_community(person_id, community):
        raise Invalid(_("请先选择本社区的居民"), code="not_of_community", field="person_id")
    return record(ManualHours, actor=actor, kind="manual_hours", path=community.path, note=reason.strip(),
                  person_id=person_id, community=community, minutes=minutes, served_on=served_on,
                  data={"minutes": minutes}, audit_action="activities.manual_hours")


def mark_no_shows(*, now=None) -> int:
    """After an activity ends (plus a day for offline uploads), confirmed people who never
    checked in become no-shows."""
    now = now or timezone.now()
    ids = list(Participation.objects.filter(status__in=[S.CONFIRMED, S.SIGNED_UP],
                                            activity__ends_at__lte=now - timedelta(days=1))
               .values_list("pk", flat=True)[:5000])
    for pk in ids:
        with transaction.atomic():
            p = Participation.objects.select_for_update().get(pk=pk)
            if p.status in (S.CONFIRMED, S.SIGNED_UP):
                _transition(p, S.NO_SHOW, actor=None)
    return len(ids)


def can_manage(user, activity: Activity) -> bool:
    return allowed(user, Verb.ACTIVITY_MANAGE, activity)

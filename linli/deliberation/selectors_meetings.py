"""Reads of topics and meetings: attendance per building, figures per place and period."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.scope import scoped

from .models import Attendance, Meeting, Topic, Vote, VoteEvent


def attendance_by_building(meeting: Meeting) -> list[tuple[str, int]]:
    rows = (Attendance.objects.filter(meeting=meeting).values_list("building__name")
            .annotate(n=Count("id")).order_by("building__name"))
    return [(name or "", n) for name, n in rows]


def invited_meetings(actor, *, limit: int = 5) -> list[Meeting]:
    """Meetings the person is invited to whose notice is out and that are not held yet, soonest
    first: the one rule of `invitations.py` (as `services_meetings.is_invited` and the notice's
    `invitees`), as one query for the home page (plus one for the person's owned dwellings)."""
    from .invitations import meetings_q

    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(Meeting.objects.filter(meetings_q(user=actor), status=Meeting.Status.NOTICE, starts_at__gte=today)
                .select_related("place").only("id", "title", "starts_at", "venue", "kind", "status", "owners_invited", "place__name")
                .order_by("starts_at", "id")[:limit])


def my_sign_ins(actor, *, limit: int = 100) -> list[Attendance]:
    """The meetings the person signed in to, latest first: the meeting, when they first signed
    in, how (scan, the printed list, or both) and the building they were counted under. One
    query."""
    rid = getattr(actor, "resident_id", None)
    if not rid:
        return []
    return list(Attendance.objects.filter(resident_id=rid).select_related("meeting", "building")
                .only("id", "first_at", "methods", "building__name", "meeting__id", "meeting__title",
                      "meeting__kind", "meeting__starts_at", "meeting__venue")
                .order_by("-first_at", "-id")[:limit])


def topics_for(actor, *, under: str | None = None):
    return scoped(actor, Topic.objects.select_related("place"), "deliberation.view", under=under)


def figures(actor, *, under: str, start, end) -> dict:
    """Topics collected and handled, meetings held and attendance, votes held, passed, failed
    for lack of quorum — per place and period, from the records."""
    topics = scoped(actor, Topic.objects.filter(created_at__gte=start, created_at__lt=end),
                    "deliberation.view", under=under).aggregate(
        collected=Count("id"), handled=Count("id", filter=Q(status__in=["refused", "decided", "scheduled"])))
    meetings = scoped(actor, Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end,
                                                    status__in=["held", "minutes"]),
                      "deliberation.view", under=under)
    # A vote belongs to the period it was closed in (a convener may close it before the planned
    # time): its "closed" or "failed" life event, not `closes_at`.
    ended = (VoteEvent.objects.filter(vote=OuterRef("pk"), kind__in=["closed", "failed"])
             .order_by("at").values("at")[:1])
    votes = list(scoped(actor, Vote.objects.annotate(ended_at=Subquery(ended))
                        .filter(ended_at__gte=start, ended_at__lt=end,
                                status__in=["closed", "preliminary", "final", "failed"]),
                        "deliberation.view", under=under).values_list("status", "result"))
    passed = sum(1 for _s, r in votes if r and any(m.get("passed") for m in r.get("matters", [])))
    no_quorum = sum(1 for s, r in votes if s == "failed" or (r and all(not m["quorum"]["met"]
                                                                        for m in r.get("matters", []))))
    return {"topics_collected": topics["collected"], "topics_handled": topics["handled"],
            "meetings_held": meetings.count(),
            "attendance": Attendance.objects.filter(meeting__in=meetings).count(),
            "votes_held": len(votes), "votes_passed": passed, "votes_failed_quorum": no_quorum}


# Civil Code art. 278: owners holding at least two thirds of the exclusive area and at least two
# thirds of the owner count take part ("以上" includes exactly two thirds). A compound's rules of
# procedure may ask more (`ProcedureRules`, read by `selectors_rules.rules_for`), never less.


def _short_of(present: int, total: int, num: int, den: int) -> int:
    """How many more (heads, or 0.01 m²) make present/total >= num/den: the least integer k with
    (present + k)·den >= num·total, by integer ceiling division."""
    return max(0, -(-num * total // den) - present)


def assembly_quorum(meeting: Meeting) -> dict | None:
    """For an owners' assembly: the owners and exclusive area present, from the sign-ins, against
    the quorum. Owners are counted by the roll's own rule (`roll.owner_units_under`: one buyer of
    several dwellings once with the areas added, the developer's unsold dwellings once together, a
    co-owned dwelling once), and a unit is present when one of its owners signed in. Four
    queries, however many sign-ins. None for other kinds of meeting."""
    from linli.core.errors import Invalid

    from . import roll
    from .tally import area_share, m2, meets, share

    if meeting.kind != Meeting.Kind.OWNERS:
        return None
    from .selectors_rules import rules_for

    rules = rules_for(meeting.place)  # the law's 2/3, or the compound's stricter rules
    num, den = rules.quorum_num, rules.quorum_den
    rule = {"stricter": rules.stricter_quorum, "num": num, "den": den,
            "place": rules.source.place.name if rules.stricter_quorum else ""}
    try:
        units, buildings = roll.owner_units_under(meeting.place)
    except Invalid as exc:
        return {"errors": exc.as_list(), "rule": rule}
    if not units:
        return {"rule": rule, "errors": [{"field": None, "code": "empty_roll",
                            "message": str(_("会议地点下没有房屋，无法计算到会业主比例"))}]}
    signed = set(Attendance.objects.filter(meeting=meeting).values_list("resident_id", flat=True))
    heads = area = p_heads = p_area = 0
    owners_present: set[int] = set()
    per_building: dict = {}
    rows = []
    for u in units:
        here = u["owners"] & signed
        rows.append({"label": u["label"], "name": u["name"], "m2": m2(u["area"]), "present": bool(here),
                     "developer": u["developer"]})
        b = per_building.setdefault(u["building"], [0, 0, 0, 0])
        heads, area, b[0], b[1] = heads + 1, area + u["area"], b[0] + 1, b[1] + u["area"]
        if here:
            owners_present |= here
            p_heads, p_area, b[2], b[3] = p_heads + 1, p_area + u["area"], b[2] + 1, b[3] + u["area"]
    developer = next((u for u in units if u["developer"]), None)
    heads_ok, area_ok = meets(p_heads, heads, num, den, False), meets(p_area, area, num, den, False)
    need_area = _short_of(p_area, area, num, den)
    return {
        "errors": [], "need": [num, den], "rule": rule,
        "heads": share(p_heads, heads), "area": area_share(p_area, area),
        "heads_ok": heads_ok, "area_ok": area_ok, "met": heads_ok and area_ok,
        "short_heads": _short_of(p_heads, heads, num, den), "short_area": need_area, "short_m2": m2(need_area),
        "signed": len(signed), "not_owners": len(signed - owners_present),
        "developer_dwellings": len(developer["dwellings"]) if developer else 0, "units": rows,
        "buildings": sorted(
            ({"name": buildings[pk].name if pk in buildings else "", "heads": share(b[2], b[0]),
              "area": area_share(b[3], b[1]), "path": buildings[pk].path if pk in buildings else "~"}
             for pk, b in per_building.items()),
            key=lambda row: row["path"]),
    }

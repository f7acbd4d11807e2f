"""Reads of topics and meetings: attendance per building, figures per place and period."""

from __future__ import annotations

from django.db.models import Count, Q

from linli.accounts.scope import scoped

from .models import Attendance, Meeting, Topic, Vote


def attendance_by_building(meeting: Meeting) -> list[tuple[str, int]]:
    rows = (Attendance.objects.filter(meeting=meeting).values_list("building__name")
            .annotate(n=Count("id")).order_by("building__name"))
    return [(name or "", n) for name, n in rows]


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
    votes = list(scoped(actor, Vote.objects.filter(closes_at__gte=start, closes_at__lt=end,
                                                   status__in=["closed", "preliminary", "final", "failed"]),
                        "deliberation.view", under=under).values_list("status", "result"))
    passed = sum(1 for _s, r in votes if r and any(m.get("passed") for m in r.get("matters", [])))
    no_quorum = sum(1 for s, r in votes if s == "failed" or (r and all(not m["quorum"]["met"]
                                                                        for m in r.get("matters", []))))
    return {"topics_collected": topics["collected"], "topics_handled": topics["handled"],
            "meetings_held": meetings.count(),
            "attendance": Attendance.objects.filter(meeting__in=meetings).count(),
            "votes_held": len(votes), "votes_passed": passed, "votes_failed_quorum": no_quorum}

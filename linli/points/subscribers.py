"""Points come from domain events, never from other apps calling this one. Each effect runs
once per event (core.events), and each award once per (rule, source, person) (the
database), so a replayed event pays nothing twice.

Event data this module reads:
- activities.attended:       {"participation", "person", "activity", "points"}; path = venue
- activities.hours_verified: {"participation", "person", "activity", "minutes", "minutes_before", "source"};
                             path = venue (a correction publishes the new total and the old one)
- cases.case_closed:         {"case", "outcome", "reporter", …}; path = the case's place"""

from __future__ import annotations

from linli.core import events

from . import services
from .models import EarningRule

# Case outcomes that do not make a tip "verified": nothing was found or nothing was done.
UNVERIFIED_OUTCOMES = {"rejected", "unfounded", "duplicate", "withdrawn", "invalid", "not_verified"}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@events.subscriber("activities.attended", effect="points.award_for_attendance", when=events.AFTER_COMMIT)
def award_for_attendance(event) -> None:
    """Attending earns points, pending until the organiser verifies the attendance."""
    person = _int(event.data.get("person"))
    participation = _int(event.data.get("participation"))
    if person is None or participation is None:
        return
    services.award(trigger=EarningRule.Trigger.ATTENDED, path=event.path, person_id=person,
                   source=f"participation:{participation}", points=_int(event.data.get("points")) or None,
                   verified=False)


@events.subscriber("activities.hours_verified", effect="points.award_for_hours", when=events.AFTER_COMMIT)
def award_for_hours(event) -> None:
    """Verified hours confirm the attendance award and earn per whole hour served."""
    person = _int(event.data.get("person"))
    participation = _int(event.data.get("participation"))
    minutes = _int(event.data.get("minutes")) or 0
    before = _int(event.data.get("minutes_before")) or 0
    if person is None or participation is None:
        return
    services.verify_source(source=f"participation:{participation}", person_id=person)
    hours = minutes // 60 - before // 60  # whole hours, counted on the totals so halves add up
    if hours > 0:
        services.award(trigger=EarningRule.Trigger.SERVICE_HOUR, path=event.path, person_id=person,
                       source=str(event.data.get("source") or f"participation:{participation}")[:100],
                       units=hours, verified=True)


@events.subscriber("cases.case_closed", effect="points.award_for_tip", when=events.AFTER_COMMIT)
def award_for_tip(event) -> None:
    """A resident's report that was verified and closed earns the tip rule's points."""
    reporter = _int(event.data.get("reporter"))
    case = _int(event.data.get("case"))
    outcome = str(event.data.get("outcome") or "")
    if reporter is None or case is None or outcome in UNVERIFIED_OUTCOMES:
        return
    services.award(trigger=EarningRule.Trigger.VERIFIED_TIP, path=event.path, person_id=reporter,
                   source=f"case:{case}", verified=True)

"""What cases does when other apps tell it something (domain events; see core/events.py)."""

from linli.core import events

from . import services


@events.subscriber("places.place_moved", effect="cases.follow_place_move", when=events.IN_TRANSACTION)
def follow_place_move(event) -> None:
    # In the move's transaction: an open case must never stay with handlers who no longer
    # hold its place, not even until the next job run.
    services.follow_place_move(actor=event.actor, new_path=event.data["new_path"])


@events.subscriber("deliberation.topic_from_case", effect="cases.note_topic_from_case", when=events.AFTER_COMMIT)
def note_topic_from_case(event) -> None:
    # After the topic's commit: a failing timeline entry must not undo the topic; the events
    # job retries it, and the service adds nothing for a topic already on the timeline.
    services.note_topic_from_case(actor=event.actor, case_id=event.data["case"], topic_id=event.data["topic"],
                                  title=event.data.get("title", ""), url=event.data.get("url", ""))


@events.subscriber("deliberation.decision_to_case", effect="cases.case_from_decision", when=events.IN_TRANSACTION)
def case_from_decision(event) -> int:
    # In the decision's transaction: the agenda item links to the case this returns, and a
    # refusal (no intake right, text too short) undoes the whole action with the field's error.
    from linli.core.actors import SYSTEM

    d = event.data
    case = services.case_from_decision(actor=event.actor or SYSTEM, text=d["text"], place_id=d["place"],
                                       agenda_item_id=d["agenda_item"], meeting_title=d["meeting_title"],
                                       url=d["url"])
    return case.pk

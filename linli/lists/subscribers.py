"""What lists does when other apps tell it something (domain events; see core/events.py)."""

from django.utils.dateparse import parse_date

from linli.core import events
from linli.core.actors import SYSTEM

from . import services


@events.subscriber("deliberation.decision_to_list_item", effect="lists.item_from_decision",
                   when=events.IN_TRANSACTION)
def item_from_decision(event) -> int:
    # In the decision's transaction: the agenda item links to what this returns, and a refusal
    # here (no right, a bad date) undoes the whole action with the field's error. An event
    # without a person was published by the system actor (people are always recorded).
    d = event.data
    item = services.item_from_decision(
        actor=event.actor or SYSTEM, kind=d["kind"], title=d["title"], place_id=d["place"],
        description=d["description"], agenda_item_id=d["agenda_item"], meeting_title=d["meeting_title"],
        url=d["url"], due_date=parse_date(d["due_date"]) if d.get("due_date") else None,
        owner_person_id=d.get("owner_person"))
    return item.pk

"""A minuted decision carried out: besides opening a vote (`services_meetings.open_vote_from_item`),
an approved decision can become an item of the three lists or a case (a work order for whoever
handles it). One of each per agenda item, by the convener or staff in scope
(`rules_decisions`).

deliberation may not import lists or cases (docs/architecture.md, "Layers"), so it asks them
through a domain event delivered inside this transaction (`events.IN_TRANSACTION`): lists and
cases subscribe and create through their own public services (their permission checks,
validation, history and notices), and answer with the id of what they created
(`event.answers`). A refusal there (no right, a bad due date) rolls the whole action back and
reaches the page as the field's error. The agenda item keeps the link; the topic's timeline
and the audit log say what the decision became."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core import events
from linli.core.audit import record_audit
from linli.core.errors import Conflict, NotFound
from linli.core.history import record

from . import rules_decisions
from .models import AgendaItem, TopicEvent

LIST_EFFECT = "lists.item_from_decision"
CASE_EFFECT = "cases.case_from_decision"


def decision_text(item: AgendaItem) -> str:
    """The decision and "who does what by when", as the list item's or the case's text."""
    parts = [item.decision]
    if item.actions:
        parts.append(_("责任人与期限：%(actions)s") % {"actions": item.actions})
    return "\n".join(p for p in parts if p)


def _locked(item_id: int) -> AgendaItem:
    item = (AgendaItem.objects.select_for_update(of=("self",)).select_related("meeting", "meeting__place__kind")
            .filter(pk=item_id).first())
    if item is None:
        raise NotFound(_("未找到该议程"), code="not_found")
    return item


def item_url(item: AgendaItem) -> str:
    return reverse("deliberation:agenda_item", args=[item.pk])


def note_decision_outcome(item: AgendaItem, what: str, *, actor, target_id: int, title: str, url: str) -> None:
    """The topic's timeline (when the item came from a topic) and the audit log say what the
    decision became, with a link to it."""
    data = {"item": item.pk, "meeting": item.meeting_id, what: target_id, "title": title, "url": url}
    if item.topic_id:
        record(TopicEvent, actor=actor, kind=f"decision_{what}", path=item.meeting.path, data=data,
               topic_id=item.topic_id, audit_action=f"deliberation.decision_{what}", audit_target=item.meeting)
    else:
        record_audit(actor=actor, action=f"deliberation.decision_{what}", target=item.meeting,
                     path=item.meeting.path, data=data)


def _source(item: AgendaItem) -> dict:
    return {"agenda_item": item.pk, "meeting": item.meeting_id, "meeting_title": item.meeting.title,
            "item_title": item.title, "url": item_url(item)}


@transaction.atomic
def decision_to_list_item(*, actor, item_id: int, kind: str, title: str = "", description: str = "",
                          due_date: dt.date | None = None, owner_person_id: int | None = None):
    """The decision becomes an item of the three lists (need, problem or project), at the
    meeting's place or the nearest place above it that keeps lists, prefilled from the decision
    and "who does what by when". Returns the list item."""
    item = _locked(item_id)
    rules_decisions.check(actor, "list_item", item)
    place = rules_decisions.list_place(item.meeting)
    event = events.publish(
        "deliberation.decision_to_list_item", key=f"decision-list-item:{item.pk}", actor=actor,
        path=place.path, data={
            **_source(item), "place": place.pk, "kind": kind, "title": (title or item.title).strip(),
            "description": (description if description.strip() else decision_text(item)).strip(),
            "due_date": due_date.isoformat() if due_date else None, "owner_person": owner_person_id})
    created = event.answers.get(LIST_EFFECT)
    if created is None:
        raise Conflict(_("清单未能登记该决定，请稍后再试"), code="no_answer")
    list_item = apps.get_model("lists", "Item").objects.get(pk=created)
    item.list_item = list_item
    item.save(update_fields=["list_item"])
    note_decision_outcome(item, "list_item", actor=actor, target_id=list_item.pk, title=list_item.title,
                          url=reverse("lists:item", args=[list_item.pk]))
    return list_item


@transaction.atomic
def decision_to_case(*, actor, item_id: int, text: str = ""):
    """The decision becomes a case, entered by staff on the residents' behalf (channel
    "meeting"): routed, deadlined and told to its handlers as every case is. Returns the case."""
    item = _locked(item_id)
    rules_decisions.check(actor, "case", item)
    event = events.publish(
        "deliberation.decision_to_case", key=f"decision-case:{item.pk}", actor=actor, path=item.meeting.path,
        data={**_source(item), "place": item.meeting.place_id,
              "text": (text if text.strip() else decision_text(item)).strip()})
    created = event.answers.get(CASE_EFFECT)
    if created is None:
        raise Conflict(_("诉求系统未能登记该决定，请稍后再试"), code="no_answer")
    case = apps.get_model("cases", "Case").objects.get(pk=created)
    item.case = case
    item.save(update_fields=["case"])
    note_decision_outcome(item, "case", actor=actor, target_id=case.pk, title=case.number,
                          url=reverse("cases:case", args=[case.pk]))
    return case

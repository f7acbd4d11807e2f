"""A minuted decision becomes a vote, a list item or a case: once each, by the convener or
staff in scope, after the minutes are approved. The meeting page offers a button exactly when
the service would succeed (a table of people and states, button == service answer); both
sides' histories link; the target app's notices go to whom it tells."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from linli.cases.models import Case, CaseEvent
from linli.core.errors import Conflict, DomainError, Invalid
from linli.core.models import DomainEvent
from linli.deliberation import rules_decisions, services_decisions
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import AgendaItem, Topic, TopicEvent
from linli.lists import services as list_services
from linli.lists.models import Item, ItemEvent
from linli.notify.models import Notification

pytestmark = pytest.mark.django_db

DECISION = "垃圾房一个月内翻新：换门、刷成浅绿色"
ACTIONS = "物业刘经理，12月31日前"


def meeting_with_decision(city, convener, *, place=None, approve=True):
    place = place or city.compound
    topic = Topic.objects.create(place=place, path=place.path, title="垃圾房改造", status="to_schedule")
    meeting = sm.create_meeting(actor=convener, place_id=place.pk, kind="courtyard", title="汉都华府二期院坝会",
                                starts_at=timezone.now(), topic_ids=[topic.pk])
    item = meeting.items.get()
    sm.record_minutes(actor=convener, item_id=item.pk, discussion="27条建议", decision=DECISION, actions=ACTIONS)
    if approve:
        sm.approve_minutes(actor=convener, meeting_id=meeting.pk)
    item.refresh_from_db()
    return meeting, item, topic


def do(verb, actor, item):
    if verb == "vote":
        return sm.open_vote_from_item(actor=actor, item_id=item.pk, kind="household",
                                      matters=[{"title": "翻新垃圾房", "kind": "ordinary"}])
    if verb == "list_item":
        return services_decisions.decision_to_list_item(actor=actor, item_id=item.pk, kind="project")
    return services_decisions.decision_to_case(actor=actor, item_id=item.pk)


def succeeds(verb, actor, item) -> bool:
    """Run the service and undo it: would it succeed?"""
    with transaction.atomic():
        try:
            do(verb, actor, item)
            ok = True
        except DomainError:
            ok = False
        transaction.set_rollback(True)
    return ok


TESTIDS = {"vote": "item-vote-{}", "list_item": "item-list-form-{}", "case": "item-case-form-{}"}

# Who, with what role where → which buttons (the minutes approved, nothing made yet).
EXPECTED = {
    "convener (grid worker)": {"vote", "list_item", "case"},
    "another grid worker": {"vote", "list_item", "case"},
    "building head": {"vote", "case"},          # convenes, enters cases; does not keep the lists
    "owners' committee": {"vote"},              # convenes; neither lists nor cases
    "resident": set(),
    "grid worker elsewhere": set(),
}


def cast(city):
    return {
        "another grid worker": city.user_with("grid_worker", at=city.grid),
        "building head": city.user_with("building_head", at=city.compound),
        "owners' committee": city.user_with("owners_committee", at=city.compound),
        "resident": city.user_with("resident", at=city.dwelling),
        "grid worker elsewhere": city.user_with("grid_worker", at=city.other_grid),
    }


def test_buttons_are_exactly_the_service_answers(city, client):
    convener = city.user_with("grid_worker", at=city.grid, name="网格员小李")
    people = {"convener (grid worker)": convener, **cast(city)}
    meeting, item, _ = meeting_with_decision(city, convener)
    table = {}
    for who, user in people.items():
        client.force_login(user)
        page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
        shown = {verb for verb, tid in TESTIDS.items() if f'data-testid="{tid.format(item.pk)}"' in page}
        answered = {verb for verb in TESTIDS if succeeds(verb, user, item)}
        assert shown == answered == rules_decisions.abilities(user, item), who
        table[who] = shown
    assert table == EXPECTED


def test_before_approval_and_after_use_no_button_and_the_service_refuses(city, client):
    convener = city.user_with("grid_worker", at=city.grid)
    meeting, item, _ = meeting_with_decision(city, convener, approve=False)
    client.force_login(convener)
    for verb in TESTIDS:
        assert not succeeds(verb, convener, item)
        with pytest.raises(Conflict) as err:
            do(verb, convener, item)
        assert err.value.code == "minutes_not_approved"
    sm.approve_minutes(actor=convener, meeting_id=meeting.pk)
    for verb in TESTIDS:
        item = AgendaItem.objects.get(pk=item.pk)
        do(verb, convener, item)
        item = AgendaItem.objects.get(pk=item.pk)
        page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
        assert f'data-testid="{TESTIDS[verb].format(item.pk)}"' not in page
        with pytest.raises(Conflict):
            do(verb, convener, item)
        assert not rules_decisions.can(convener, verb, item)


def test_the_decision_becomes_a_list_item_with_both_histories(city, client):
    convener = city.user_with("grid_worker", at=city.grid, name="网格员小李")
    meeting, item, topic = meeting_with_decision(city, convener)
    client.force_login(convener)
    r = client.post(f"/deliberation/meetings/items/{item.pk}/list-item/",
                    {"kind": "project", "title": "垃圾房翻新", "description": "", "due_date": "2030-12-31"})
    assert r.status_code == 302
    list_item = Item.objects.get()
    item.refresh_from_db()
    assert item.list_item_id == list_item.pk
    assert (list_item.kind, list_item.title, list_item.place_id, list_item.source_kind, list_item.source_id,
            list_item.due_date) == ("project", "垃圾房翻新", city.compound.pk, "decision", item.pk, dt.date(2030, 12, 31))
    assert DECISION in list_item.description and ACTIONS in list_item.description  # who does what by when
    # The list item's history links to the minutes; the topic's timeline to the item.
    entry = ItemEvent.objects.get(item=list_item, kind="decision")
    assert entry.data["url"] == f"/deliberation/meetings/items/{item.pk}/" and "汉都华府二期院坝会" in entry.note
    assert TopicEvent.objects.get(topic=topic, kind="decision_list_item").data["url"] == f"/lists/{list_item.pk}/"
    item_page = client.get(f"/lists/{list_item.pk}/").content.decode()
    assert 'data-testid="item-decision-link"' in item_page
    meeting_page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert f"/lists/{list_item.pk}/" in meeting_page and "垃圾房翻新" in meeting_page
    topic_page = client.get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert "会议决定已列入清单" in topic_page and f"/lists/{list_item.pk}/" in topic_page
    assert client.get(f"/deliberation/meetings/items/{item.pk}/")["Location"].endswith(
        f"/deliberation/meetings/{meeting.pk}/#item-{item.pk}")


def test_a_building_meeting_puts_its_decision_on_the_compounds_list(city):
    convener = city.user_with("grid_worker", at=city.grid)
    _, item, _ = meeting_with_decision(city, convener, place=city.building)
    list_item = services_decisions.decision_to_list_item(actor=convener, item_id=item.pk, kind="need")
    assert list_item.place_id == city.compound.pk
    # deliberation's copy of the levels that keep lists is the lists' own.
    assert tuple(rules_decisions.LIST_PLACE_KINDS) == tuple(list_services.LIST_PLACE_KINDS)


def test_a_refusal_in_the_lists_undoes_everything_and_shows_on_the_field(city, client):
    convener = city.user_with("grid_worker", at=city.grid)
    meeting, item, topic = meeting_with_decision(city, convener)
    with pytest.raises(Invalid) as err:
        services_decisions.decision_to_list_item(actor=convener, item_id=item.pk, kind="project", title="",
                                                 due_date=dt.date(2000, 1, 1))
    assert err.value.field == "due_date"
    assert not Item.objects.exists() and not DomainEvent.objects.filter(kind__startswith="deliberation.decision_to")
    item.refresh_from_db()
    assert item.list_item_id is None and not TopicEvent.objects.filter(kind="decision_list_item").exists()
    client.force_login(convener)
    r = client.post(f"/deliberation/meetings/items/{item.pk}/list-item/", {"kind": "project", "due_date": "2000-01-01"})
    assert r.status_code == 400
    page = r.content.decode()
    assert 'data-testid="decision-errors"' in page and "完成时限不能早于开始日期" in page
    r = client.post(f"/deliberation/meetings/items/{item.pk}/list-item/", {"kind": "banana"})
    assert r.status_code == 400 and "请选择需求、问题或项目" in r.content.decode()


def test_the_decision_becomes_a_case_for_its_handlers(city, client):
    handler = city.person("grid_worker")  # the grid's handler, told of new cases
    convener = city.user_with("grid_worker", at=city.grid, name="网格员小李")
    meeting, item, topic = meeting_with_decision(city, convener)
    client.force_login(convener)
    r = client.post(f"/deliberation/meetings/items/{item.pk}/case/", {"text": ""})
    assert r.status_code == 302
    case = Case.objects.get()
    item.refresh_from_db()
    assert item.case_id == case.pk
    assert case.channel == "meeting" and DECISION in case.text and ACTIONS in case.text and case.reporter_id is None
    entry = CaseEvent.objects.get(case=case, kind="decision")
    assert entry.data["url"] == f"/deliberation/meetings/items/{item.pk}/"
    assert TopicEvent.objects.get(topic=topic, kind="decision_case").data["url"] == f"/cases/{case.pk}/"
    # The case app tells its handlers, as of any new case.
    assert Notification.objects.filter(recipient=handler, kind="case_new").exists()
    client.force_login(handler)
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="case-decision-link"' in case_page
    meeting_page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert f"/cases/{case.pk}/" in meeting_page


def test_list_item_decision_notifies_the_items_followers(city):
    """lists tells an item's followers (its owner) of its changes: the decision entry too."""
    convener = city.user_with("grid_worker", at=city.grid)
    owner = city.user_with("grid_worker", at=city.grid, name="责任人")
    _, item, _ = meeting_with_decision(city, convener)
    services_decisions.decision_to_list_item(actor=convener, item_id=item.pk, kind="problem",
                                             owner_person_id=owner.pk)
    assert Notification.objects.filter(recipient=owner, kind="lists_decision").count() == 1
    assert not Notification.objects.filter(recipient=convener, kind__startswith="lists_").exists()

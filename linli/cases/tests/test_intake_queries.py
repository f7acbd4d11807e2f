"""Intake's fixed cost: at most 7 statements per `POST /api/v1/cases` on PostgreSQL (token, BEGIN,
idempotency claim, the place chain with its handler role holders and their users, one
statement that counts the per-person limit and writes the case with its events, notices and
audit entry, the stored answer, COMMIT), and the per-process category and triage look-ups
that make it so, dropped when a category or the model changes. On SQLite the limit's UPDATE
runs alone and the case, events, notices and audit entry are four INSERTs (and the number an
UPDATE): 12."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.cases import lookups, services
from linli.cases.models import Case, CaseEvent, Category, RoutingRule
from linli.core.cache import forget_all
from linli.core.models import AuditEntry
from linli.notify.models import Notification
from linli.testing import api_headers


@pytest.fixture
def reporter(city):
    city.user_with("building_head", at=city.building)
    city.user_with("grid_worker", at=city.grid)
    return city.user_with("resident", at=city.dwelling)


def _post(client, headers, body):
    return client.post("/api/v1/cases", json.dumps(body, ensure_ascii=False), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()), **headers)


@pytest.mark.parametrize("category", ["noise", None])
def test_intake_takes_at_most_seven_statements(client, city, reporter, category, django_assert_max_num_queries):
    headers = api_headers(reporter)
    body = {"text": "楼上装修噪音很大，晚上十一点后还在施工", "place_id": city.dwelling.pk}
    if category:
        body["category"] = category
    forget_all()
    assert _post(client, headers, body).status_code == 201  # the first request of a process fills the caches
    # On SQLite the number is set by an UPDATE after the INSERT (no trigger: SQLite rebuilds a
    # table on most schema changes and would drop it silently), one statement more.
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 12):
        r = _post(client, headers, body)
    assert r.status_code == 201
    case = Case.objects.get(pk=r.json()["id"])
    # The number came with the INSERT (PostgreSQL trigger) or right after it (SQLite).
    assert case.number == f"{case.created_at:%Y%m%d}{case.pk:06d}" == r.json()["number"]
    assert [e["kind"] for e in r.json()["timeline"]][0] == "created"
    assert case.category.code == "noise"
    assert case.level == "building" and case.handler_place == city.building


def test_intake_statements_do_not_depend_on_cached_rows_being_warm(client, city, reporter):
    """Cold, the look-ups cost a few more statements, never a wrong answer."""
    headers = api_headers(reporter)
    forget_all()
    with CaptureQueriesContext(connection) as cold:
        assert _post(client, headers, {"text": "楼道灯坏了", "place_id": city.dwelling.pk,
                                       "category": "noise"}).status_code == 201
    with CaptureQueriesContext(connection) as warm:
        assert _post(client, headers, {"text": "楼道灯坏了", "place_id": city.dwelling.pk,
                                       "category": "noise"}).status_code == 201
    assert len(warm.captured_queries) < len(cold.captured_queries)
    assert not any("SAVEPOINT" in q["sql"] and "RELEASE" not in q["sql"] for q in warm.captured_queries[2:]), \
        "no nested savepoint inside the request's transaction"


def test_a_deactivated_category_is_refused_at_once(client, city, reporter):
    headers = api_headers(reporter)
    assert _post(client, headers, {"text": "楼上噪音", "place_id": city.dwelling.pk,
                                   "category": "noise"}).status_code == 201
    noise = Category.objects.get(code="noise")
    noise.is_active = False
    noise.save()
    r = _post(client, headers, {"text": "楼上噪音", "place_id": city.dwelling.pk, "category": "noise"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "category"


def test_a_new_category_and_changed_deadline_are_used_at_once(city, reporter):
    assert lookups.active_category("balcony_plants") is None
    parent = Category.objects.get(code="noise")
    Category.objects.create(code="balcony_plants", name="阳台花盆", name_en="Balcony plants", parent=parent,
                            accept_hours=2, finish_days=1, default_level="grid")
    case = services.submit_case(actor=reporter, text="阳台花盆有坠落危险", channel="resident",
                                place_id=city.dwelling.pk, category_code="balcony_plants")
    assert case.category.code == "balcony_plants" and case.level == "grid"
    noise = Category.objects.get(code="noise")
    noise.finish_days = 30
    noise.save()
    case = services.submit_case(actor=reporter, text="楼上噪音", channel="resident", place_id=city.dwelling.pk,
                                category_code="noise")
    assert (case.finish_due - case.created_at).days in (29, 30)


def test_routing_rules_still_apply_with_the_chain_read_once(city, reporter):
    """A rule at the community for the category's parent beats the default level."""
    noise = Category.objects.get(code="noise")
    RoutingRule.objects.create(category=noise, place=city.community, level="community")
    case = services.submit_case(actor=reporter, text="楼上噪音", channel="resident", place_id=city.dwelling.pk,
                                category_code="noise")
    assert case.level == "community" and case.handler_place == city.community


def test_place_chain_is_one_statement_root_first(city, django_assert_num_queries):
    with django_assert_num_queries(1):
        chain = services.place_chain(city.dwelling.pk)
        kinds = [p.kind.code for p in chain]
    assert kinds == ["district", "street", "community", "grid", "compound", "building", "unit", "dwelling"]
    assert services.place_chain(10**12) == []


def test_place_chain_brings_the_active_handler_holders_with_their_users(city, reporter, django_assert_num_queries):
    """The chain's one statement also reads who holds a handler role at each of its places
    (the rung that is staffed, whom to notify): active ones only, no other roles."""
    from linli.accounts.models import RoleAssignment

    head = RoleAssignment.objects.get(place=city.building, role="building_head")
    retired = city.user_with("grid_head", at=city.grid)
    RoleAssignment.objects.filter(user=retired).update(is_active=False)
    city.user_with("property_manager", at=city.building)  # a role that does not handle cases
    with django_assert_num_queries(1):
        chain = services.place_chain(city.dwelling.pk)
        held = {(ra.place.kind.code, ra.role, ra.user.display_name) for ra in chain.holders}
    assert held == {("building", "building_head", head.user.display_name),
                    ("grid", "grid_worker", "grid_worker用户")}
    assert [p.kind.code for p in chain][-1] == "dwelling" and len(chain) == len({p.pk for p in chain})
    # The resident at the dwelling holds no handler role: not among the holders.
    assert reporter.pk not in {ra.user_id for ra in chain.holders}


def test_handlers_from_the_chain_are_those_read_apart(city, reporter):
    """`_handler_at` with the chain's holders gives the rung and the people the separate read gives."""
    chain = services.place_chain(city.dwelling.pk)
    for level in ("building", "grid", "community", "street"):
        with_chain = services._handler_at(level, city.dwelling, None, chain)
        apart = services._handler_at(level, city.dwelling, None, list(chain))  # a plain list: holders read apart
        assert with_chain[:3] == apart[:3]
        assert [u.pk for u in with_chain[3]] == [u.pk for u in apart[3]]


@pytest.mark.parametrize("category", ["noise", None])
def test_intake_writes_the_case_its_events_notices_and_audit_entry(client, city, reporter, category):
    """The same rows on both paths (PostgreSQL: one statement; SQLite: the ORM's INSERTs),
    each pointing at the new case, and the answer's timeline is what was written."""
    body = {"text": "楼上装修噪音很大，晚上十一点后还在施工", "place_id": city.dwelling.pk}
    if category:
        body["category"] = category
    before = set(Notification.objects.values_list("pk", flat=True))
    r = _post(client, api_headers(reporter), body)
    assert r.status_code == 201
    case = Case.objects.get(pk=r.json()["id"])
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [e.kind for e in events] == [e["kind"] for e in r.json()["timeline"]]
    assert events[0].kind == "created" and events[0].actor_id == reporter.pk
    assert events[-1].kind == "routed" and events[-1].data["place"] == city.building.pk
    assert (len(events) == 3) == (category is None)  # a suggested category has its own entry
    assert all(e.path == case.path == city.dwelling.path for e in events)
    new = list(Notification.objects.exclude(pk__in=before))
    assert new and {n.text for n in new} == {f"[{case.number}] 有新的诉求待受理"}
    assert {n.url for n in new} == {f"/cases/{case.pk}/"} and {n.kind for n in new} == {"case_new"}
    # The building head (the reporter fixture's) is the handler: told once, nobody else.
    holders = {ra.user_id for ra in city.building.role_assignments.filter(is_active=True)}
    assert len(holders) == 1 and {n.recipient_id for n in new} == holders
    audit = AuditEntry.objects.get(kind="case.submit", target_id=str(case.pk))
    assert (audit.target_type, audit.actor_id, audit.path) == ("cases.case", reporter.pk, case.path)


@pytest.mark.parametrize("variant", [{"category_code": "noise"}, {}, {"category_code": "noise", "is_public": True,
                                                                        "contact_name": "李大爷", "priority": 3}])
def test_the_intake_answer_is_what_the_schema_makes_of_the_case(city, reporter, variant):
    """The API answers a new case with `linli.core.schemas.dump` (no validation of its own
    values): the same JSON as Ninja's `from_orm` of the same case, field for field."""
    from linli.cases.api import CaseDetailOut
    from linli.core.schemas import dump

    case = services.submit_case(actor=reporter, text="楼上装修噪音很大", channel="resident",
                                place_id=city.dwelling.pk, **variant)
    case.timeline = case.opening_events
    answer = dump(CaseDetailOut, case)
    assert answer == CaseDetailOut.from_orm(case).model_dump(mode="json")
    assert answer["timeline"][0]["kind"] == "created" and answer["actions"] == []
    assert json.dumps(answer, ensure_ascii=False) == json.dumps(
        CaseDetailOut.from_orm(case).model_dump(mode="json"), ensure_ascii=False)  # same order, same text


def test_choice_labels_in_the_answer_are_get_display_in_each_language(city, reporter):
    """The answer's labels come from `core.schemas.choice_label` (choices read once per
    process): the same text as Django's `get_<field>_display`, in the request's language."""
    from django.utils import translation

    from linli.core.schemas import choice_label

    case = services.submit_case(actor=reporter, text="楼上装修噪音很大", channel="resident",
                                place_id=city.dwelling.pk, category_code="noise")
    event = case.opening_events[-1]
    seen = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert choice_label(case, "status") == case.get_status_display()
            assert choice_label(event, "kind") == event.get_kind_display()
            seen.add(choice_label(case, "status"))
    assert "待受理" in seen
    case.status = "no_such_status"  # not a choice: the value itself, as get_status_display gives
    assert choice_label(case, "status") == case.get_status_display() == "no_such_status"

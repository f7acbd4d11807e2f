"""Cases publish domain events (linli.core.events) inside the verb's transaction: another app
(points, stats…) subscribes without cases importing it. The key is the timeline entry's id,
so a replay publishes nothing twice."""

import ast
from pathlib import Path

import pytest
from django.db import transaction

from linli.cases import services
from linli.cases.models import CaseEvent
from linli.core import events
from linli.core.models import DomainEvent
from linli.testing import CASE_CAST, DEPARTMENTS


@pytest.fixture
def p(city):
    return city.people(*CASE_CAST, *DEPARTMENTS)


def _answered(city, p):
    case = services.submit_case(actor=p["resident"], text="楼道里堆满杂物，扶手也坏了", channel="resident",
                                place_id=city.dwelling.pk, category_code="stairwell")
    services.accept_case(actor=p["building_head"], case_id=case.pk)
    services.answer_case(actor=p["building_head"], case_id=case.pk, answer="已清理")
    return case


def test_answer_close_and_rate_publish_their_events(city, p):
    case = _answered(city, p)
    answered = CaseEvent.objects.get(case=case, kind="answered")
    event = DomainEvent.objects.get(kind="cases.case_answered")
    assert event.key == f"case-event:{answered.pk}" and event.path == case.path
    assert event.data["case"] == case.pk and event.data["answerer"] == p["building_head"].pk
    services.close_case(actor=p["grid_worker"], case_id=case.pk, outcome="partly", note="部分清理")
    closed = CaseEvent.objects.get(case=case, kind="closed")
    event = DomainEvent.objects.get(kind="cases.case_closed")
    assert event.key == f"case-event:{closed.pk}" and event.actor == p["grid_worker"]
    assert {k: event.data[k] for k in ("case", "outcome", "reporter", "verifier", "answerer")} == {
        "case": case.pk, "outcome": "partly", "reporter": p["resident"].pk, "verifier": p["grid_worker"].pk,
        "answerer": p["building_head"].pk}
    services.rate_case(actor=p["resident"], case_id=case.pk, rating="unsatisfied", solved=False)
    rated = CaseEvent.objects.get(case=case, kind="rated")
    event = DomainEvent.objects.get(kind="cases.case_rated")
    assert event.key == f"case-event:{rated.pk}"
    assert (event.data["rating"], event.data["solved"], event.data["reopens"]) == ("unsatisfied", False, True)


def test_an_in_transaction_subscriber_failing_rolls_the_close_back(city, p):
    case = _answered(city, p)
    seen = []

    @events.subscriber("cases.case_closed", effect="test.explode", when=events.IN_TRANSACTION)
    def explode(event):
        seen.append(event.data["case"])
        raise RuntimeError("boom")

    try:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.close_case(actor=p["grid_worker"], case_id=case.pk, outcome="solved")
    finally:
        events._subscribers["cases.case_closed"] = [s for s in events.subscribers("cases.case_closed")
                                                    if s.effect != "test.explode"]
    case.refresh_from_db()
    assert seen == [case.pk] and case.status == "answered"
    assert not DomainEvent.objects.filter(kind="cases.case_closed").exists()


def test_selectors_do_not_import_services():
    tree = ast.parse((Path(services.__file__).parent / "selectors.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names if node.module in (None, "", "linli.cases")}
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "services" not in imported and ".services" not in modules and "linli.cases.services" not in modules
    assert not any(m and m.endswith("services") and "cases" in m for m in modules)

"""One rule per verb: for every action × status × viewer, the case page shows the action's
form exactly when the service accepts the action (the test asks both: it reads the page's
forms and calls the service, in a savepoint that is rolled back). Runs on SQLite and, with
DATABASE_URL, on PostgreSQL."""

import re

import pytest
from django.db import transaction

from linli.cases import rules, services
from linli.cases.models import Case
from linli.core.errors import DomainError
from linli.testing import CASE_CAST, DEPARTMENTS

VIEWERS = ["resident", "other_resident", "building_head", "grid_worker", "other_grid_worker", "community_worker",
           "street_official", "env"]
STATUSES = ["submitted", "accepted", "accepted_with_task", "info_requested", "answered", "closed", "merged"]
# Page forms (id="action-<name>") and the service call each one stands for.
ACTIONS = ["accept", "answer", "close", "rate", "add-info", "contact", "request-info", "classify", "escalate",
           "refer", "cohandle", "task", "note", "merge"]


class Rollback(Exception):
    pass


def _case_in(status, city, p) -> Case:
    def submit(who="resident"):
        return services.submit_case(actor=p[who], text="楼道里堆满杂物，扶手也坏了", channel="resident",
                                    place_id=city.dwelling.pk, category_code="stairwell")

    head, street = p["building_head"], p["street_official"]
    case = submit()
    if status in ("accepted", "accepted_with_task", "answered", "closed"):
        services.accept_case(actor=head, case_id=case.pk)
    if status == "accepted_with_task":
        services.open_cohandling(actor=street, case_id=case.pk, organisation_ids=[p["env_org"].pk])
    if status == "info_requested":
        services.request_info(actor=head, case_id=case.pk, question="哪一层？")
    if status in ("answered", "closed"):
        services.answer_case(actor=head, case_id=case.pk, answer="已清理")
    if status == "closed":
        services.close_case(actor=p["resident"], case_id=case.pk, outcome="solved")
    if status == "merged":
        services.merge_case(actor=street, case_id=case.pk, into_id=submit("other_resident").pk)
    return Case.objects.get(pk=case.pk)


def _attempt(name, user, case, p, target) -> DomainError | None:
    """Run the service of `name` as `user`, then roll it back; the DomainError it raised, or None."""
    calls = {
        "accept": lambda: services.accept_case(actor=user, case_id=case.pk),
        "answer": lambda: services.answer_case(actor=user, case_id=case.pk, answer="已经修好了"),
        "close": lambda: services.close_case(actor=user, case_id=case.pk, outcome="solved"),
        "rate": lambda: services.rate_case(actor=user, case_id=case.pk, rating="satisfied"),
        "add-info": lambda: services.add_info(actor=user, case_id=case.pk, text="补充说明一下"),
        "contact": lambda: services.record_contact(actor=user, case_id=case.pk),
        "request-info": lambda: services.request_info(actor=user, case_id=case.pk, question="请补充位置"),
        "classify": lambda: services.classify_case(actor=user, case_id=case.pk, category_code="parking"),
        "escalate": lambda: services.escalate_case(actor=user, case_id=case.pk, reason="需要上级协调",
                                                   from_level=case.level),
        "refer": lambda: services.refer_case(actor=user, case_id=case.pk, organisation_id=p["vet_org"].pk,
                                             reason="属于兽医站职责", from_level=case.level),
        "cohandle": lambda: services.open_cohandling(actor=user, case_id=case.pk, organisation_ids=[p["vet_org"].pk]),
        "task": lambda: services.complete_task(actor=user, task_id=case.tasks.get().pk, answer="已完成") if
        case.tasks.exists() else rules.check(user, "task", case),
        "note": lambda: services.add_note(actor=user, case_id=case.pk, text="内部备注"),
        "merge": lambda: services.merge_case(actor=user, case_id=case.pk, into_id=target.pk),
    }
    try:
        with transaction.atomic():
            calls[name]()
            raise Rollback
    except Rollback:
        return None
    except DomainError as exc:
        return exc


def test_every_button_is_shown_exactly_when_its_action_succeeds(client, city):
    p = city.people(*CASE_CAST, *DEPARTMENTS)
    cases = {status: _case_in(status, city, p) for status in STATUSES}
    # A public open case at the same place: the target of a merge, visible to every dispatcher.
    target = services.submit_case(actor=p["other_resident"], text="同一个楼道问题", channel="resident",
                                  place_id=city.dwelling.pk, category_code="stairwell", is_public=True)
    disagreements = []
    checked = 0
    for status, case in cases.items():
        for viewer in VIEWERS:
            user = p[viewer]
            client.force_login(user)
            response = client.get(f"/cases/{case.pk}/")
            shown = set(re.findall(r'id="action-([a-z-]+)"', response.content.decode())) if (
                response.status_code == 200) else set()
            for name in ACTIONS:
                case.refresh_from_db()
                failure = _attempt(name, type(user).objects.get(pk=user.pk), case, p, target)
                checked += 1
                if (name in shown) != (failure is None):
                    disagreements.append((status, viewer, name, name in shown,
                                          f"{failure.code}: {failure.message}" if failure else "ok"))
    assert checked == len(STATUSES) * len(VIEWERS) * len(ACTIONS)
    assert not disagreements, "\n".join(map(str, disagreements))


@pytest.mark.parametrize("status, viewer, expected", [
    ("submitted", "building_head", {"accept", "contact", "request-info", "classify", "escalate", "note"}),
    ("submitted", "resident", {"add-info"}),
    ("submitted", "other_resident", set()),
    ("answered", "building_head", {"contact", "note"}),      # answered: no verify verb, and he answered
    ("answered", "grid_worker", {"close", "contact", "note"}),  # the verifier of a building's answer
    ("answered", "resident", {"close", "add-info"}),          # the reporter confirms
    ("accepted_with_task", "env", {"task", "note"}),
    ("closed", "resident", {"rate"}),
])
def test_some_rows_of_the_table(client, city, status, viewer, expected):
    """A few rows spelled out, so a rule that shows nothing (and a service that refuses
    everything) cannot pass the table above by agreeing on "no"."""
    p = city.people(*CASE_CAST, *DEPARTMENTS)
    case = _case_in(status, city, p)
    client.force_login(p[viewer])
    shown = set(re.findall(r'id="action-([a-z-]+)"', client.get(f"/cases/{case.pk}/").content.decode()))
    assert shown == expected
    assert {v for v, ok in rules.abilities(p[viewer], case).items() if ok and v in ACTIONS} == expected

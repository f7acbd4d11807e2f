"""Races on PostgreSQL: every case service locks the case row first, so simultaneous actions
are serialised and the loser gets a clear 409 instead of a double step.

Every race here proves that its writers overlapped (linli.testing.race_behind_a_lock): the
case row is held in another connection while the writers start; each test asserts that ALL
of them were seen waiting on that lock in pg_stat_activity before it was let go. A race that
passed because one thread finished before the other started would fail that assertion."""

import pytest

from linli.cases import services
from linli.cases.models import Case, CaseEvent, CaseSupporter, CaseTask
from linli.core.errors import Conflict, Forbidden
from linli.testing import errors, fresh_user, oks, race_behind_a_lock, row_lock

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(case, *calls):
    """The calls at once, behind the case's row lock; every one of them must have waited."""
    results, waited = race_behind_a_lock(row_lock(Case, case.pk), calls)
    assert waited == len(calls), f"only {waited} of {len(calls)} writers waited on the lock: no overlap"
    return results


def event_count(case, kind):
    return CaseEvent.objects.filter(case_id=case.pk, kind=kind).count()


def parking(city):
    return city.report("resident", "小区门口车辆乱停乱放", category="parking")


def test_two_handlers_accept_at_once(city, people):
    case = parking(city)
    a, b = fresh_user(people["grid_worker"]), fresh_user(people["second_grid_worker"])
    results = race(case, lambda: services.accept_case(actor=a, case_id=case.pk),
                   lambda: services.accept_case(actor=b, case_id=case.pk))
    assert len(oks(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict) and err.code == "wrong_status"
    assert event_count(case, "accepted") == 1
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_two_handlers_escalate_at_once(city, people):
    case = city.report("resident", "小区门口车辆乱停乱放")
    assert case.level == "building"
    head, worker = fresh_user(people["building_head"]), fresh_user(people["grid_worker"])
    results = race(
        case,
        lambda: services.escalate_case(actor=head, case_id=case.pk, reason="需要网格协调", from_level="building"),
        lambda: services.escalate_case(actor=worker, case_id=case.pk, reason="需要网格协调", from_level="building"))
    assert len(oks(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict) and err.code == "stale"
    assert event_count(case, "escalated") == 1
    c = Case.objects.get(pk=case.pk)
    assert (c.level, c.escalated_count) == ("grid", 1)


def test_two_grid_workers_escalate_at_once_without_a_level(city, people):
    """Without the level they saw, the loser is no longer a handler (the case moved up past
    them): refused, and still only one step up."""
    case = parking(city)
    a, b = fresh_user(people["grid_worker"]), fresh_user(people["second_grid_worker"])
    results = race(case, lambda: services.escalate_case(actor=a, case_id=case.pk, reason="需要社区协调"),
                   lambda: services.escalate_case(actor=b, case_id=case.pk, reason="需要社区协调"))
    assert len(oks(results)) == 1
    [err] = errors(results)
    assert isinstance(err, (Conflict, Forbidden))
    assert event_count(case, "escalated") == 1
    assert Case.objects.get(pk=case.pk).level == "community"


def test_accept_and_escalate_at_once(city, people):
    case = city.report("resident", "小区门口车辆乱停乱放")
    head, worker = fresh_user(people["building_head"]), fresh_user(people["grid_worker"])
    results = race(case, lambda: services.accept_case(actor=worker, case_id=case.pk),
                   lambda: services.escalate_case(actor=head, case_id=case.pk, reason="上报", from_level="building"))
    c = Case.objects.get(pk=case.pk)
    # Either order is fine; the record must match it.
    assert event_count(case, "accepted") + event_count(case, "escalated") == len(oks(results)) >= 1
    if event_count(case, "escalated"):
        assert c.level == "grid"
    assert c.status in ("accepted", "submitted")


def test_two_reporters_me_too_at_once(city, people):
    case = city.report("resident", "小区门口车辆乱停乱放", category="parking", is_public=True)
    a, b = fresh_user(people["neighbour"]), fresh_user(people["other_resident"])
    results = race(case, lambda: services.me_too(actor=a, case_id=case.pk),
                   lambda: services.me_too(actor=b, case_id=case.pk))
    assert len(oks(results)) == 2
    assert set(CaseSupporter.objects.filter(case=case).values_list("user_id", flat=True)) == {a.pk, b.pk}
    assert event_count(case, "me_too") == 2


def test_one_reporter_me_too_twice_at_once(city, people):
    case = city.report("resident", "小区门口车辆乱停乱放", category="parking", is_public=True)
    a1, a2 = fresh_user(people["neighbour"]), fresh_user(people["neighbour"])
    results = race(case, lambda: services.me_too(actor=a1, case_id=case.pk),
                   lambda: services.me_too(actor=a2, case_id=case.pk))
    assert len(oks(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict) and err.code == "already_supported"
    assert CaseSupporter.objects.filter(case=case).count() == 1 and event_count(case, "me_too") == 1


def _closed(people, city):
    case = city.handle(parking(city), people["grid_worker"], "已处理")
    return city.verify(case, people["second_grid_worker"])  # a colleague verifies


@pytest.mark.parametrize("first,second", [("unsatisfied", "unsatisfied"), ("unsatisfied", "satisfied"),
                                          ("satisfied", "basic")])
def test_rating_twice_at_once(city, people, first, second):
    case = _closed(people, city)
    r1, r2 = fresh_user(people["resident"]), fresh_user(people["resident"])
    results = race(case, lambda: services.rate_case(actor=r1, case_id=case.pk, rating=first),
                   lambda: services.rate_case(actor=r2, case_id=case.pk, rating=second))
    assert len(oks(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict)
    assert event_count(case, "rated") == 1
    c = Case.objects.get(pk=case.pk)
    assert c.reopened_count <= 1 and event_count(case, "reopened") == c.reopened_count


def test_reporter_and_return_visit_at_once(city, people):
    case = _closed(people, city)
    r, w = fresh_user(people["resident"]), fresh_user(people["grid_worker"])
    results = race(case, lambda: services.rate_case(actor=r, case_id=case.pk, rating="unsatisfied"),
                   lambda: services.rate_case(actor=w, case_id=case.pk, rating="unsatisfied", return_visit=True))
    assert len(oks(results)) == 1 and event_count(case, "rated") == 1
    assert Case.objects.get(pk=case.pk).reopened_count == 1


def test_last_task_and_answer_at_once(city, people):
    """The answer never goes out while a task is open, whichever commits first."""
    case = city.report("resident", "小区门口车辆乱停乱放", category="livestock")
    staff, org = people["vet"], people["vet_org"]
    [task] = services.open_cohandling(actor=people["street_official"], case_id=case.pk, organisation_ids=[org.pk])
    s, official = fresh_user(staff), fresh_user(people["street_official"])
    results = race(case, lambda: services.complete_task(actor=s, task_id=task.pk, answer="已处理"),
                   lambda: services.answer_case(actor=official, case_id=case.pk, answer="已办结"))
    assert isinstance(results[0][1], CaseTask)
    assert CaseTask.objects.get(pk=task.pk).status == "done"
    if results[1][0] == "error":
        assert results[1][1].code == "tasks_open"
        assert Case.objects.get(pk=case.pk).status == "accepted"
    else:
        answered = CaseEvent.objects.get(case=case, kind="answered")
        done = CaseEvent.objects.get(case=case, kind="task_done")
        assert done.pk < answered.pk


def test_two_departments_complete_their_tasks_at_once(city, people):
    case = city.report("resident", "小区门口车辆乱停乱放", category="livestock")
    staff = [people[key] for key in ("vet", "env", "zongzhi")]
    orgs = [people[key + "_org"] for key in ("vet", "env", "zongzhi")]
    tasks = services.open_cohandling(actor=people["street_official"], case_id=case.pk,
                                     organisation_ids=[o.pk for o in orgs])
    by_org = {t.organisation_id: t for t in tasks}
    users = [fresh_user(s) for s in staff]
    results = race(case, *[(lambda u=u, o=o: services.complete_task(actor=u, task_id=by_org[o.pk].pk, answer="已完成"))
                           for u, o in zip(users, orgs)])
    assert len(oks(results)) == 3
    assert set(CaseTask.objects.filter(case=case).values_list("status", flat=True)) == {"done"}
    assert event_count(case, "task_done") == 3


def test_cross_merge_at_once(city, people):
    a = parking(city)
    b = city.report("neighbour", "门口停车乱", category="parking")
    c1, c2 = fresh_user(people["community_worker"]), fresh_user(people["community_worker"])
    # merge locks both rows in id order: holding the first one stops both writers
    results = race(a, lambda: services.merge_case(actor=c1, case_id=a.pk, into_id=b.pk),
                   lambda: services.merge_case(actor=c2, case_id=b.pk, into_id=a.pk))
    assert len(oks(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict)
    statuses = sorted(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert statuses == ["merged", "submitted"]
    assert CaseEvent.objects.filter(kind="merged").count() == 2


# ---------------------------------------------------------------- many writers (issue 11 §6)


def test_ten_answers_and_ten_escalations_at_once_step_once(city, people):
    """Issue 11 §6: 10 answers (grid workers) and 10 escalations (community and street staff,
    each sending the level it saw, "grid") at the same instant. Overlap is proven: all 20
    are seen waiting on the case's row lock in pg_stat_activity before it is released. Exactly
    one of them acts; no case is escalated twice (grid → community → street)."""
    case = parking(city)
    services.accept_case(actor=people["grid_worker"], case_id=case.pk)
    assert Case.objects.get(pk=case.pk).level == "grid"
    answerers = [fresh_user(people["grid_worker" if i % 2 else "second_grid_worker"]) for i in range(10)]
    escalators = [fresh_user(people["community_worker" if i % 2 else "street_official"]) for i in range(10)]
    calls = [(lambda u=u: services.answer_case(actor=u, case_id=case.pk, answer="已劝导挪车")) for u in answerers]
    calls += [(lambda u=u: services.escalate_case(actor=u, case_id=case.pk, reason="需要上级协调", from_level="grid"))
              for u in escalators]
    results = race(case, *calls)  # all 20 were seen waiting on the lock at once
    assert len(oks(results)) == 1
    assert all(isinstance(e, (Conflict, Forbidden)) for e in errors(results))
    c = Case.objects.get(pk=case.pk)
    assert c.escalated_count <= 1 and event_count(case, "escalated") == c.escalated_count
    assert event_count(case, "answered") + event_count(case, "escalated") == 1
    assert c.level in ("grid", "community")


def test_two_escalations_through_the_api_at_once_step_once(city, people, client):
    """The API's escalate carries the level the caller saw, like the page: the second of two
    simultaneous escalations (both read "grid") answers 409 stale. Overlap proven as above."""
    from django.test import Client

    from linli.testing import api_headers

    case = parking(city)
    services.accept_case(actor=people["grid_worker"], case_id=case.pk)
    heads = [api_headers(people["community_worker"]), api_headers(people["street_official"])]

    def post(headers):
        response = Client().post(f"/api/v1/cases/{case.pk}/escalate", {"reason": "需要上级协调", "from_level": "grid"},
                                 content_type="application/json", **headers)
        if response.status_code != 200:
            raise Conflict(str(response.json()), code=str(response.status_code))
        return response.status_code

    results = race(case, *[lambda h=h: post(h) for h in heads])
    assert len(oks(results)) == 1
    [err] = errors(results)
    assert err.code == "409" and "stale" in err.message
    assert Case.objects.get(pk=case.pk).escalated_count == 1

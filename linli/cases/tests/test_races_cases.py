"""Races on PostgreSQL: every case service locks the case row first, so simultaneous actions
are serialised and the loser gets a clear 409 instead of a double step."""

import threading

import pytest
from django.db import connection, transaction

from linli.accounts.models import Organisation, User
from linli.cases import services
from linli.cases.models import Case, CaseEvent, CaseSupporter, CaseTask
from linli.core.errors import Conflict, DomainError, Forbidden

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same instant, each in its own thread and connection. Returns one
    ("ok", value) or ("error", DomainError) per call; anything else fails the test."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    crashes = []

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except DomainError as exc:
            results[i] = ("error", exc)
        except Exception as exc:  # pragma: no cover - reported below
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not crashes, crashes
    assert all(r is not None for r in results), results
    return results


def fresh_user(user) -> User:
    """Each thread gets its own user object (scope prefixes are cached on it)."""
    return User.objects.get(pk=user.pk)


def ok(results):
    return [v for k, v in results if k == "ok"]


def errors(results):
    return [v for k, v in results if k == "error"]


def event_count(case, kind):
    return CaseEvent.objects.filter(case_id=case.pk, kind=kind).count()


@pytest.fixture
def people(city):
    return {
        "resident": city.user_with("resident", at=city.dwelling),
        "neighbour": city.user_with("resident", at=city.dwelling),
        "other_resident": city.user_with("resident", at=city.other_dwelling),
        "head": city.user_with("building_head", at=city.building),
        "worker": city.user_with("grid_worker", at=city.grid),
        "worker2": city.user_with("grid_worker", at=city.grid),
        "community": city.user_with("community_worker", at=city.community),
        "street": city.user_with("street_official", at=city.street),
    }


def report(people, city, category="parking", **kw):
    return services.submit_case(actor=people["resident"], text="小区门口车辆乱停乱放", channel="resident",
                                place_id=city.dwelling.pk, category_code=category, **kw)


def test_two_handlers_accept_at_once(city, people):
    case = report(people, city)
    a, b = fresh_user(people["worker"]), fresh_user(people["worker2"])
    results = race(lambda: services.accept_case(actor=a, case_id=case.pk),
                   lambda: services.accept_case(actor=b, case_id=case.pk))
    assert len(ok(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict) and err.code == "wrong_status"
    assert event_count(case, "accepted") == 1
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_two_handlers_escalate_at_once(city, people):
    case = report(people, city, category="stairwell")
    assert case.level == "building"
    head, worker = fresh_user(people["head"]), fresh_user(people["worker"])
    results = race(
        lambda: services.escalate_case(actor=head, case_id=case.pk, reason="需要网格协调", from_level="building"),
        lambda: services.escalate_case(actor=worker, case_id=case.pk, reason="需要网格协调", from_level="building"))
    assert len(ok(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict) and err.code == "stale"
    assert event_count(case, "escalated") == 1
    c = Case.objects.get(pk=case.pk)
    assert (c.level, c.escalated_count) == ("grid", 1)


def test_two_grid_workers_escalate_at_once_without_a_level(city, people):
    """Without the level they saw, the loser is no longer a handler (the case moved up past
    them): refused, and still only one step up."""
    case = report(people, city)
    a, b = fresh_user(people["worker"]), fresh_user(people["worker2"])
    results = race(lambda: services.escalate_case(actor=a, case_id=case.pk, reason="需要社区协调"),
                   lambda: services.escalate_case(actor=b, case_id=case.pk, reason="需要社区协调"))
    assert len(ok(results)) == 1
    [err] = errors(results)
    assert isinstance(err, (Conflict, Forbidden))
    assert event_count(case, "escalated") == 1
    assert Case.objects.get(pk=case.pk).level == "community"


def test_accept_and_escalate_at_once(city, people):
    case = report(people, city, category="stairwell")
    head, worker = fresh_user(people["head"]), fresh_user(people["worker"])
    results = race(lambda: services.accept_case(actor=worker, case_id=case.pk),
                   lambda: services.escalate_case(actor=head, case_id=case.pk, reason="上报", from_level="building"))
    c = Case.objects.get(pk=case.pk)
    # Either order is fine; the record must match it.
    assert event_count(case, "accepted") + event_count(case, "escalated") == len(ok(results)) >= 1
    if event_count(case, "escalated"):
        assert c.level == "grid"
    assert c.status in ("accepted", "submitted")


def test_two_reporters_me_too_at_once(city, people):
    case = report(people, city, is_public=True)
    a, b = fresh_user(people["neighbour"]), fresh_user(people["other_resident"])
    results = race(lambda: services.me_too(actor=a, case_id=case.pk),
                   lambda: services.me_too(actor=b, case_id=case.pk))
    assert len(ok(results)) == 2
    assert set(CaseSupporter.objects.filter(case=case).values_list("user_id", flat=True)) == {a.pk, b.pk}
    assert event_count(case, "me_too") == 2


def test_one_reporter_me_too_twice_at_once(city, people):
    case = report(people, city, is_public=True)
    a1, a2 = fresh_user(people["neighbour"]), fresh_user(people["neighbour"])
    results = race(lambda: services.me_too(actor=a1, case_id=case.pk),
                   lambda: services.me_too(actor=a2, case_id=case.pk))
    assert len(ok(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict) and err.code == "already_supported"
    assert CaseSupporter.objects.filter(case=case).count() == 1 and event_count(case, "me_too") == 1


def _closed(people, city):
    case = report(people, city)
    w = people["worker"]
    services.accept_case(actor=w, case_id=case.pk)
    services.answer_case(actor=w, case_id=case.pk, answer="已处理")
    services.close_case(actor=people["worker2"], case_id=case.pk, outcome="solved")  # a colleague verifies
    return case


@pytest.mark.parametrize("first,second", [("unsatisfied", "unsatisfied"), ("unsatisfied", "satisfied"),
                                          ("satisfied", "basic")])
def test_rating_twice_at_once(city, people, first, second):
    case = _closed(people, city)
    r1, r2 = fresh_user(people["resident"]), fresh_user(people["resident"])
    results = race(lambda: services.rate_case(actor=r1, case_id=case.pk, rating=first),
                   lambda: services.rate_case(actor=r2, case_id=case.pk, rating=second))
    assert len(ok(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict)
    assert event_count(case, "rated") == 1
    c = Case.objects.get(pk=case.pk)
    assert c.reopened_count <= 1 and event_count(case, "reopened") == c.reopened_count


def test_reporter_and_return_visit_at_once(city, people):
    case = _closed(people, city)
    r, w = fresh_user(people["resident"]), fresh_user(people["worker"])
    results = race(lambda: services.rate_case(actor=r, case_id=case.pk, rating="unsatisfied"),
                   lambda: services.rate_case(actor=w, case_id=case.pk, rating="unsatisfied", return_visit=True))
    assert len(ok(results)) == 1 and event_count(case, "rated") == 1
    assert Case.objects.get(pk=case.pk).reopened_count == 1


def test_last_task_and_answer_at_once(city, people):
    """The answer never goes out while a task is open, whichever commits first."""
    case = report(people, city, category="livestock")
    staff = city.user_with("department_staff", at=city.street)
    org = Organisation.objects.get(staff__user=staff)
    [task] = services.open_cohandling(actor=people["street"], case_id=case.pk, organisation_ids=[org.pk])
    s, official = fresh_user(staff), fresh_user(people["street"])
    results = race(lambda: services.complete_task(actor=s, task_id=task.pk, answer="已处理"),
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
    case = report(people, city, category="livestock")
    staff = [city.user_with("department_staff", at=city.street) for _ in range(3)]
    orgs = [Organisation.objects.get(staff__user=s) for s in staff]
    tasks = services.open_cohandling(actor=people["street"], case_id=case.pk, organisation_ids=[o.pk for o in orgs])
    by_org = {t.organisation_id: t for t in tasks}
    users = [fresh_user(s) for s in staff]
    results = race(*[(lambda u=u, o=o: services.complete_task(actor=u, task_id=by_org[o.pk].pk, answer="已完成"))
                     for u, o in zip(users, orgs)])
    assert len(ok(results)) == 3
    assert set(CaseTask.objects.filter(case=case).values_list("status", flat=True)) == {"done"}
    assert event_count(case, "task_done") == 3


def test_cross_merge_at_once(city, people):
    a = report(people, city)
    b = services.submit_case(actor=people["neighbour"], text="门口停车乱", channel="resident",
                             place_id=city.dwelling.pk, category_code="parking")
    c1, c2 = fresh_user(people["community"]), fresh_user(people["community"])
    results = race(lambda: services.merge_case(actor=c1, case_id=a.pk, into_id=b.pk),
                   lambda: services.merge_case(actor=c2, case_id=b.pk, into_id=a.pk))
    assert len(ok(results)) == 1
    [err] = errors(results)
    assert isinstance(err, Conflict)
    statuses = sorted(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert statuses == ["merged", "submitted"]
    assert CaseEvent.objects.filter(kind="merged").count() == 2


# ---------------------------------------------------------------- proven overlap (issue 11 §6)


def waiting_on_locks(pids) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s) AND wait_event_type = 'Lock'",
                       [list(pids)])
        return cursor.fetchone()[0]


def race_behind_a_lock(case_id: int, calls, *, timeout: float = 30):
    """Hold the case's row lock in one connection, release every call (each in its own thread
    and connection) through a barrier, wait until ALL of them are observed waiting on that
    lock in pg_stat_activity, then let go. This proves the writers overlapped: each one read
    the case before any of the others had changed it, and the lock alone decided the order.
    Returns (results, the number of writers seen waiting at once)."""
    import time

    holder_ready, release = threading.Event(), threading.Event()
    pids, pid_lock = set(), threading.Lock()
    barrier = threading.Barrier(len(calls))
    results, crashes = [None] * len(calls), []

    def hold():
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=case_id)
            holder_ready.set()
            release.wait(timeout)
        connection.close()

    def run(i, fn):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                with pid_lock:
                    pids.add(cursor.fetchone()[0])
            barrier.wait()
            results[i] = ("ok", fn())
        except DomainError as exc:
            results[i] = ("error", exc)
        except Exception as exc:  # pragma: no cover - reported below
            crashes.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holder_ready.wait(timeout)
    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    deadline, seen = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        if len(pids) == len(calls):
            seen = max(seen, waiting_on_locks(pids))
            if seen == len(calls):
                break
        time.sleep(0.02)
    release.set()
    holder.join(timeout)
    for t in threads:
        t.join(timeout)
    assert not crashes, crashes
    assert all(r is not None for r in results), results
    return results, seen


def test_ten_answers_and_ten_escalations_at_once_step_once(city, people):
    """Issue 11 §6: 10 answers (grid workers) and 10 escalations (community and street staff,
    each sending the level it saw, "grid") at the same instant. Overlap is proven: all 20
    are seen waiting on the case's row lock in pg_stat_activity before it is released. Exactly
    one of them acts; no case is escalated twice (grid → community → street)."""
    case = report(people, city)
    services.accept_case(actor=people["worker"], case_id=case.pk)
    assert Case.objects.get(pk=case.pk).level == "grid"
    answerers = [fresh_user(people["worker" if i % 2 else "worker2"]) for i in range(10)]
    escalators = [fresh_user(people["community" if i % 2 else "street"]) for i in range(10)]
    calls = [(lambda u=u: services.answer_case(actor=u, case_id=case.pk, answer="已劝导挪车")) for u in answerers]
    calls += [(lambda u=u: services.escalate_case(actor=u, case_id=case.pk, reason="需要上级协调", from_level="grid"))
              for u in escalators]
    results, seen = race_behind_a_lock(case.pk, calls)
    assert seen == 20  # every writer was waiting on the lock at once: they overlapped
    assert len(ok(results)) == 1
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

    case = report(people, city)
    services.accept_case(actor=people["worker"], case_id=case.pk)
    heads = [api_headers(people["community"]), api_headers(people["street"])]

    def post(headers):
        response = Client().post(f"/api/v1/cases/{case.pk}/escalate", {"reason": "需要上级协调", "from_level": "grid"},
                                 content_type="application/json", **headers)
        if response.status_code != 200:
            raise Conflict(str(response.json()), code=str(response.status_code))
        return response.status_code

    results, seen = race_behind_a_lock(case.pk, [lambda h=h: post(h) for h in heads])
    assert seen == 2
    assert len(ok(results)) == 1
    [err] = errors(results)
    assert err.code == "409" and "stale" in err.message
    assert Case.objects.get(pk=case.pk).escalated_count == 1

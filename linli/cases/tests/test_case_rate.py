"""Issue 10 §13: a per-person limit on new cases, with a clear message, that holds when the
requests come at once (PostgreSQL, real threads)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, connections, transaction

from linli.accounts.models import User
from linli.cases import services
from linli.cases.limits import RESIDENT_LIMIT, STAFF_LIMIT
from linli.cases.models import Case
from linli.core.errors import TooManyRequests
from linli.testing import api_headers


@pytest.fixture(autouse=True)
def production_limits(settings):
    settings.LINLI_CASE_RATE_RESIDENT = RESIDENT_LIMIT
    settings.LINLI_CASE_RATE_STAFF = STAFF_LIMIT


def test_a_resident_gets_a_clear_answer_after_the_limit(client, city):
    resident = city.user_with("resident", at=city.dwelling)
    headers = api_headers(resident)
    for i in range(RESIDENT_LIMIT[0]):
        r = client.post("/api/v1/cases", json.dumps({"text": f"楼道灯坏了第{i}处", "place_id": city.dwelling.pk}),
                        content_type="application/json", **headers)
        assert r.status_code == 201
    r = client.post("/api/v1/cases", json.dumps({"text": "又一处灯坏了", "place_id": city.dwelling.pk}),
                    content_type="application/json", **headers)
    assert r.status_code == 429
    assert r.json()["errors"][0]["code"] == "case_rate_limited" and "请稍后再提交" in r.json()["errors"][0]["message"]
    assert Case.objects.count() == RESIDENT_LIMIT[0]
    # the page says the same
    client.force_login(resident)
    page = client.post("/cases/new/", {"text": "又一处灯坏了", "place": city.dwelling.pk, "nonce": "z" * 32})
    assert page.status_code == 429 and "请稍后再提交" in page.content.decode()


def test_staff_on_patrol_have_a_higher_limit(city):
    worker = city.user_with("grid_worker", at=city.grid)
    for i in range(RESIDENT_LIMIT[0] + 5):
        services.submit_case(actor=worker, text=f"巡查发现井盖缺失{i}", channel="patrol", place_id=city.dwelling.pk)
    assert Case.objects.count() == RESIDENT_LIMIT[0] + 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_creates_make_at_most_the_limit(city):
    """Overlap is proved: the main thread holds the reporter's row lock while 20 threads start;
    we wait until pg_stat_activity shows them waiting on a lock, then release."""
    resident = city.user_with("resident", at=city.dwelling)
    start = threading.Barrier(21)
    outcomes = []

    def submit(i):
        try:
            start.wait()
            services.submit_case(actor=User.objects.get(pk=resident.pk), text=f"同时提交的诉求{i}",
                                 channel="resident", place_id=city.dwelling.pk)
            outcomes.append("ok")
        except TooManyRequests:
            outcomes.append("limited")
        except Exception as exc:  # noqa: BLE001 - shown by the assertion below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    held, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            User.objects.select_for_update().get(pk=resident.pk)
            held.set()
            release.wait(60)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    threads = [threading.Thread(target=submit, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    start.wait()
    waiting = 0
    # pg_stat_activity is read outside any transaction (inside one it is a snapshot)
    for _ in range(400):
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()")
            waiting = cur.fetchone()[0]
        if waiting >= 2:
            break
        time.sleep(0.05)
    release.set()
    holder.join(30)
    assert waiting >= 2, f"the submitters never waited on the lock: {outcomes}"
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == RESIDENT_LIMIT[0]
    assert outcomes.count("limited") == 20 - RESIDENT_LIMIT[0]
    assert Case.objects.filter(reporter=resident).count() == RESIDENT_LIMIT[0]

"""Issue 10 §13: a per-person limit on new cases, with a clear message, that holds when the
requests come at once (PostgreSQL, real threads)."""

from __future__ import annotations

import json

import pytest

from linli.accounts.models import User
from linli.cases.limits import RESIDENT_LIMIT, STAFF_LIMIT
from linli.cases.models import Case
from linli.core.errors import TooManyRequests
from linli.testing import api_headers, errors, fresh_user, oks, race_behind_a_lock, row_lock


@pytest.fixture(autouse=True)
def production_limits(settings):
    settings.LINLI_CASE_RATE_RESIDENT = RESIDENT_LIMIT
    settings.LINLI_CASE_RATE_STAFF = STAFF_LIMIT


def test_a_resident_gets_a_clear_answer_after_the_limit(client, city, people):
    resident = people["resident"]
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


def test_staff_on_patrol_have_a_higher_limit(city, people):
    for i in range(RESIDENT_LIMIT[0] + 5):
        city.report("grid_worker", f"巡查发现井盖缺失{i}", channel="patrol", category=None)
    assert Case.objects.count() == RESIDENT_LIMIT[0] + 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_creates_make_at_most_the_limit(city, people):
    """Overlap is proved: another connection holds the reporter's row (the limit's UPDATE locks
    it) while 20 submissions start; ALL 20 are seen waiting on that lock in pg_stat_activity
    before it is let go, so every one of them read the window before any other counted."""
    resident = people["resident"]
    calls = [(lambda i=i: city.report(fresh_user(resident), f"同时提交的诉求{i}", category=None))
             for i in range(20)]
    results, waited = race_behind_a_lock(row_lock(User, resident.pk), calls)
    assert waited == 20
    assert len(oks(results)) == RESIDENT_LIMIT[0]
    limited = errors(results)
    assert len(limited) == 20 - RESIDENT_LIMIT[0] and all(isinstance(e, TooManyRequests) for e in limited)
    assert Case.objects.filter(reporter=resident).count() == RESIDENT_LIMIT[0]

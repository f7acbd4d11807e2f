"""Issue 10 §3: one rule for how a person appears to whom (linli.accounts.display), the same on
the case page and in the API's timeline: residents' own events name them only to handlers."""

from __future__ import annotations

import pytest

from linli.cases import services
from linli.testing import CASE_CAST, DEPARTMENTS, api_headers


@pytest.fixture
def public_case(city):
    p = city.people(*CASE_CAST, *DEPARTMENTS)
    case = services.submit_case(actor=p["resident"], text="小区门口井盖破损很危险", channel="resident",
                                place_id=city.dwelling.pk, is_public=True)
    services.me_too(actor=p["neighbour"], case_id=case.pk)
    return p, case


def actors(client, user, case) -> list[str]:
    r = client.get(f"/api/v1/cases/{case.pk}", **api_headers(user))
    assert r.status_code == 200, r.content
    return [e["actor"] for e in r.json()["timeline"] if e["kind"] in ("created", "me_too")]


def test_the_api_does_not_name_residents_to_other_residents(client, city, public_case):
    p, case = public_case
    seen = actors(client, p["other_resident"], case)
    assert seen and set(seen) == {"居民"}
    assert "李大爷" not in client.get(f"/api/v1/cases/{case.pk}", **api_headers(p["other_resident"])).content.decode()


def test_the_reporter_sees_themselves_and_handlers_see_names(client, city, public_case):
    p, case = public_case
    assert actors(client, p["resident"], case)[0] == "我"
    assert actors(client, p["street_official"], case)[0] == "李大爷"


def test_the_page_and_the_api_say_the_same(client, city, public_case):
    p, case = public_case
    client.force_login(p["other_resident"])
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "李大爷" not in html and "居民" in html

import json

import pytest

from linli.lists.models import Item, MoneyEntry
from linli.testing import api_headers

from .conftest import running_project

pytestmark = pytest.mark.django_db


def post(client, headers, path, body, **extra):
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers, **extra)


def test_create_is_idempotent_and_scoped(client, city, people):
    h = api_headers(people["worker"])
    body = {"kind": "need", "title": "老年助餐点", "place_id": city.compound.pk, "due_date": "2026-12-31"}
    r1 = post(client, h, "/lists/items", body, HTTP_IDEMPOTENCY_KEY="n1")
    r2 = post(client, h, "/lists/items", body, HTTP_IDEMPOTENCY_KEY="n1")
    assert r1.status_code == r2.status_code == 201 and r1.json()["id"] == r2.json()["id"]
    assert Item.objects.count() == 1
    other = api_headers(people["other_worker"])
    assert [i["title"] for i in client.get("/api/v1/lists/items", **h).json()] == ["老年助餐点"]
    assert client.get("/api/v1/lists/items", **other).json() == []


def test_money_via_api_in_fen_with_field_errors(client, city, people):
    project = running_project(city, people)
    h = api_headers(people["community"])
    r = post(client, h, f"/lists/items/{project.pk}/money",
             {"kind": "receipt", "amount_fen": 12345, "on_date": "2026-09-05", "party": "陈大妈",
              "source": "residents"}, HTTP_IDEMPOTENCY_KEY="m1")
    assert r.status_code == 201 and r.json()["receipt_no"]
    r = post(client, h, f"/lists/items/{project.pk}/money",
             {"kind": "receipt", "amount_fen": -1, "on_date": "2026-09-05", "party": "x", "source": "residents"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "amount_fen"
    r = post(client, h, f"/lists/items/{project.pk}/money",
             {"kind": "receipt", "amount_fen": "abc", "on_date": "2026-09-05", "party": "x"})
    assert r.status_code == 422
    r = post(client, h, f"/lists/items/{project.pk}/money",
             {"kind": "receipt", "amount_fen": 100, "on_date": "2020-01-01", "party": "x", "source": "residents"},
             HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "on_date", "message": "The date cannot be before the project started",
                                   "code": "date_before_project"}]
    line = project.budget_lines.first()
    r = post(client, h, f"/lists/items/{project.pk}/money",
             {"kind": "disbursement", "amount_fen": 999999, "on_date": "2026-09-05", "party": "店",
              "budget_line_id": line.pk})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "insufficient_balance"
    assert MoneyEntry.objects.count() == 1
    detail = client.get(f"/api/v1/lists/items/{project.pk}", **h).json()
    assert detail["received_fen"] == 12345 and detail["balance_fen"] == 12345
    assert [e["kind"] for e in detail["history"]][:2] == ["created", "status"]


def test_disallowed_transition_is_a_field_error(client, city, people):
    project = running_project(city, people)
    r = post(client, api_headers(people["worker"]), f"/lists/items/{project.pk}/status", {"to": "proposed"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "to"
    assert r.json()["errors"][0]["code"] == "transition_not_allowed"


def test_rollup_endpoint(client, city, people):
    running_project(city, people)
    r = client.get(f"/api/v1/lists/places/{city.community.pk}/rollup", **api_headers(people["secretary"]))
    assert r.status_code == 200 and r.json()["total"]["progress_bp"] == 5000
    r = client.get(f"/api/v1/lists/places/{city.community.pk}/rollup", **api_headers(people["other_worker"]))
    assert r.status_code == 404


def test_from_a_source_to_its_items(client, city, people):
    from linli.lists import services

    services.create_item(actor=people["worker"], kind="need", title="议题里的需求", place_id=city.compound.pk,
                         source_kind="topic", source_id=27)
    services.create_item(actor=people["worker"], kind="need", title="别的", place_id=city.compound.pk)
    r = client.get("/api/v1/lists/items?source_kind=topic&source_id=27", **api_headers(people["worker"]))
    assert [i["title"] for i in r.json()] == ["议题里的需求"]

"""Idempotency-Key on API creates: a retry gets the stored answer and creates nothing more;
the same key with another body is refused; keys belong to their user; simultaneous retries
on PostgreSQL create exactly one row."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from linli.core.models import AuditEntry, IdempotencyRecord
from linli.places.models import Household, Resident
from linli.testing import api_headers, next_id_number, next_phone

API = "/api/v1"


def post(headers, path, body, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return Client().post(API + path, data=json.dumps(body), content_type="application/json", **headers, **extra)


@pytest.fixture
def worker_headers(city):
    return api_headers(city.user_with("grid_worker", at=city.grid))


def resident(city, **extra):
    return {"household_id": city.household.pk, "name": "周晓梅", "id_number": next_id_number(),
            "phone": next_phone(), **extra}


@pytest.mark.django_db
def test_retry_gets_stored_answer_and_one_row(city, worker_headers):
    body = resident(city)
    first = post(worker_headers, "/residents", body, key="visit-0001")
    assert first.status_code == 201, first.content.decode()
    again = post(worker_headers, "/residents", body, key="visit-0001")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Resident.objects.filter(name="周晓梅").count() == 1
    assert AuditEntry.objects.filter(kind="resident.create", target_id=str(first.json()["id"])).count() == 1
    record = IdempotencyRecord.objects.get(key="visit-0001")
    assert record.status_code == 201 and record.response == first.json()


@pytest.mark.django_db
def test_same_key_other_body_is_422(city, worker_headers):
    body = resident(city)
    assert post(worker_headers, "/residents", body, key="k-1").status_code == 201
    other = post(worker_headers, "/residents", {**body, "name": "周晓兰"}, key="k-1")
    assert other.status_code == 422
    assert other.json()["errors"] == [{"field": "Idempotency-Key", "message": "此 Idempotency-Key 已用于另一个请求",
                                       "code": "idempotency_mismatch"}]
    # The key is bound to its endpoint too.
    elsewhere = post(worker_headers, "/households", {"dwelling_id": city.dwelling.pk}, key="k-1")
    assert elsewhere.status_code == 422
    assert not Resident.objects.filter(name="周晓兰").exists()
    assert Household.objects.count() == 3


@pytest.mark.django_db
def test_keys_belong_to_their_user(city, worker_headers):
    colleague = api_headers(city.user_with("grid_head", at=city.grid))
    a = post(worker_headers, "/households", {"dwelling_id": city.dwelling.pk}, key="same")
    b = post(colleague, "/households", {"dwelling_id": city.dwelling.pk}, key="same")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert IdempotencyRecord.objects.filter(key="same").count() == 2


@pytest.mark.django_db
def test_without_key_each_request_creates(city, worker_headers):
    post(worker_headers, "/households", {"dwelling_id": city.dwelling.pk})
    post(worker_headers, "/households", {"dwelling_id": city.dwelling.pk})
    assert Household.objects.filter(dwelling=city.dwelling).count() == 3
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", " ", "k" * 129, "键", "a b"])
def test_malformed_key_is_refused(city, worker_headers, key):
    r = post(worker_headers, "/households", {"dwelling_id": city.dwelling.pk}, key=key)
    assert r.status_code in (400, 422)
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Household.objects.count() == 3


@pytest.mark.django_db
def test_refused_create_stores_nothing(city, worker_headers):
    bad = post(worker_headers, "/residents", resident(city, phone="123"), key="once")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = post(worker_headers, "/residents", resident(city), key="once")
    assert good.status_code == 201


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_create_one_row(city, worker_headers):
    """Eight phones' worth of retries at the same instant: one resident, one answer."""
    body = resident(city)
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    answers, errors = [], []

    def attempt():
        try:
            barrier.wait()
            r = post(worker_headers, "/residents", body, key="storm-1")
            answers.append((r.status_code, r.json()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len(answers) == threads_n
    assert {status for status, _ in answers} == {201}, answers
    assert len({json.dumps(a, sort_keys=True) for _, a in answers}) == 1
    assert Resident.objects.filter(name="周晓梅").count() == 1
    assert IdempotencyRecord.objects.filter(key="storm-1").count() == 1
    assert AuditEntry.objects.filter(kind="resident.create", target_id=str(answers[0][1]["id"])).count() == 1

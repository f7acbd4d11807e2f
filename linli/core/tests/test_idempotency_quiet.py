"""A retried request with an Idempotency-Key claims its key without a unique violation (no
ERROR line in the PostgreSQL log per retry): every statement the database refuses is caught
here by an execute wrapper, on both databases."""

from __future__ import annotations

import json

from django.db import connection

from linli.testing import api_headers


class DatabaseErrors:
    def __init__(self):
        self.seen = []

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            self.seen.append((type(exc).__name__, sql[:80]))
            raise


def test_a_retry_gets_the_stored_answer_and_the_database_refuses_nothing(client, city):
    resident = city.user_with("resident", at=city.dwelling)
    headers = {**api_headers(resident), "HTTP_IDEMPOTENCY_KEY": "retry-0001"}
    body = json.dumps({"text": "楼道灯坏了好几天了", "place_id": city.dwelling.pk})
    errors = DatabaseErrors()
    with connection.execute_wrapper(errors):
        first = client.post("/api/v1/cases", body, content_type="application/json", **headers)
        retries = [client.post("/api/v1/cases", body, content_type="application/json", **headers) for _ in range(3)]
    assert first.status_code == 201
    assert all(r.status_code == 201 and r["Idempotent-Replayed"] == "true" for r in retries)
    assert {r.json()["id"] for r in retries} == {first.json()["id"]}
    assert errors.seen == []
    # the same key with another body is still refused
    other = client.post("/api/v1/cases", json.dumps({"text": "另一件事情", "place_id": city.dwelling.pk}),
                        content_type="application/json", **headers)
    assert other.status_code == 422

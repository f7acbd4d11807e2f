"""Issue 10 §12: API tokens expire and their owner lists and revokes them; Open311 keys are a
separate kind, work for Open311 only, and an API token is no Open311 key."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from linli.accounts import services
from linli.accounts.models import ApiToken


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_token_expires(client, city, settings):
    user = city.user_with("grid_worker", at=city.grid)
    before = timezone.now()
    raw = services.issue_api_token(user=user, name="phone")
    after = timezone.now()
    assert client.get("/api/v1/auth/me", **bearer(raw)).status_code == 200
    token = ApiToken.objects.get(user=user)
    lifetime = dt.timedelta(days=settings.LINLI_API_TOKEN_DAYS)
    assert before + lifetime <= token.expires_at <= after + lifetime
    with time_machine.travel(token.expires_at + dt.timedelta(seconds=1)):
        assert client.get("/api/v1/auth/me", **bearer(raw)).status_code == 401


def test_the_owner_lists_and_revokes_tokens(client, city):
    user = city.user_with("grid_worker", at=city.grid)
    other = city.user_with("grid_worker", at=city.grid)
    raw = services.issue_api_token(user=user, name="phone")
    spare = services.issue_api_token(user=user, name="laptop")
    foreign = services.issue_api_token(user=other, name="theirs")
    listed = client.get("/api/v1/auth/tokens", **bearer(raw)).json()
    assert {t["name"] for t in listed} == {"phone", "laptop"} and "key_hash" not in listed[0]
    laptop = next(t for t in listed if t["name"] == "laptop")
    assert client.delete(f"/api/v1/auth/tokens/{laptop['id']}", **bearer(raw)).status_code == 204
    assert client.get("/api/v1/auth/me", **bearer(spare)).status_code == 401
    theirs = ApiToken.objects.get(user=other)
    assert client.delete(f"/api/v1/auth/tokens/{theirs.pk}", **bearer(raw)).status_code == 404
    assert client.get("/api/v1/auth/me", **bearer(foreign)).status_code == 200


def test_open311_keys_are_separate_from_api_tokens(client, city):
    staff = city.user_with("street_official", at=city.street)
    api_raw = services.issue_api_token(user=staff, name="phone")
    r = client.post("/api/v1/auth/open311-keys", {"name": "12345热线"}, content_type="application/json",
                    **bearer(api_raw))
    assert r.status_code == 201
    key = r.json()["key"]
    post = {"service_code": "manhole", "address_id": str(city.dwelling.pk), "description": "井盖坏了很危险"}
    # the user's API token is not an Open311 key …
    assert client.post("/open311/v2/requests.json", {**post, "api_key": api_raw}).status_code == 403
    # … the key is, and it is no API token
    assert client.post("/open311/v2/requests.json", {**post, "api_key": key}).status_code == 201
    assert client.get("/api/v1/auth/me", **bearer(key)).status_code == 401
    # revocable by its owner
    key_row = ApiToken.objects.get(kind="open311")
    assert client.delete(f"/api/v1/auth/tokens/{key_row.pk}", **bearer(api_raw)).status_code == 204
    assert client.post("/open311/v2/requests.json", {**post, "api_key": key}).status_code == 403


def test_residents_get_no_open311_key(client, city):
    resident = city.user_with("resident", at=city.dwelling)
    raw = services.issue_api_token(user=resident, name="phone")
    r = client.post("/api/v1/auth/open311-keys", {"name": "x"}, content_type="application/json", **bearer(raw))
    assert r.status_code == 403

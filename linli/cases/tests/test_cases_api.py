import io
import json

import pytest
from PIL import Image

from linli.cases.models import Case, CasePhoto
from linli.testing import api_headers


@pytest.fixture
def users(city):
    return {"resident": city.user_with("resident", at=city.dwelling),
            "worker": city.user_with("grid_worker", at=city.grid),
            "other": city.user_with("grid_worker", at=city.other_grid)}


def post(client, user_headers, path, body, **extra):
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **user_headers, **extra)


def test_report_via_api_is_idempotent(client, city, users):
    h = api_headers(users["resident"])
    body = {"text": "小区门口车辆乱停乱放", "place_id": city.dwelling.pk}
    r1 = post(client, h, "/cases", body, HTTP_IDEMPOTENCY_KEY="k1")
    r2 = post(client, h, "/cases", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["number"] == r2.json()["number"]
    assert Case.objects.count() == 1
    assert r1.json()["timeline"][0]["kind"] == "created"


def test_lifecycle_via_api_and_scope(client, city, users):
    hr, hw, ho = (api_headers(users[k]) for k in ("resident", "worker", "other"))
    case_id = post(client, hr, "/cases", {"text": "小区门口车辆乱停乱放", "place_id": city.dwelling.pk}).json()["id"]
    assert client.get(f"/api/v1/cases/{case_id}", **ho).status_code == 404
    assert post(client, ho, f"/cases/{case_id}/accept", {}).status_code == 404
    assert [c["id"] for c in client.get("/api/v1/cases/queue", **hw).json()] == [case_id]
    assert post(client, hw, f"/cases/{case_id}/accept", {}).status_code == 200
    assert post(client, hw, f"/cases/{case_id}/notes", {"text": "已联系物业"}).status_code == 200
    assert post(client, hw, f"/cases/{case_id}/answer", {"answer": "已劝导车主挪车"}).status_code == 200
    # The answer leaves the answerer's queue; he does not verify his own answer (the reporter can).
    assert client.get("/api/v1/cases/queue", **hw).json() == []
    r = post(client, hw, f"/cases/{case_id}/close", {"outcome": "solved"})
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "own_answer"
    assert "close" in client.get(f"/api/v1/cases/{case_id}", **hr).json()["actions"]
    r = post(client, hr, f"/cases/{case_id}/close", {"outcome": "bogus"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "outcome"
    assert post(client, hr, f"/cases/{case_id}/close", {"outcome": "solved"}).status_code == 200
    r = post(client, hr, f"/cases/{case_id}/rate", {"rating": "satisfied", "solved": True})
    assert r.status_code == 200 and r.json()["rating"] == "satisfied"
    # The reporter never sees internal notes; the handler does.
    kinds_resident = [e["kind"] for e in client.get(f"/api/v1/cases/{case_id}", **hr).json()["timeline"]]
    kinds_worker = [e["kind"] for e in client.get(f"/api/v1/cases/{case_id}", **hw).json()["timeline"]]
    assert "note" not in kinds_resident and "note" in kinds_worker


def test_bad_input_is_a_clear_4xx(client, city, users):
    h = api_headers(users["resident"])
    r = post(client, h, "/cases", {"text": "x", "place_id": 10**12, "channel": "pigeon"})
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"text", "place_id", "channel"} <= fields
    assert all(e["message"] for e in r.json()["errors"])
    assert Case.objects.count() == 0
    assert client.get("/api/v1/cases/99999999999999999999", **h).status_code in (404, 422)


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (29.0, 59.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photos_are_validated_and_stripped(client, city, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    h = api_headers(users["resident"])
    case_id = post(client, h, "/cases", {"text": "井盖破了很危险", "place_id": city.dwelling.pk}).json()["id"]
    raw = _jpeg_with_gps()
    assert b"PhoneMaker" in raw
    r = client.post(f"/api/v1/cases/{case_id}/photos", {"photos": [io.BytesIO(raw)]}, **h)
    assert r.status_code == 201, r.content
    photo = CasePhoto.objects.get()
    stored = photo.image.read()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    bad = io.BytesIO(b"not an image at all")
    bad.name = "x.jpg"
    r = client.post(f"/api/v1/cases/{case_id}/photos", {"photos": [bad]}, **h)
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "photo_invalid"
    assert CasePhoto.objects.count() == 1

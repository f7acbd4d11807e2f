"""Pages and API of activities and points through the Django test client: what a person
sees at each step, and the API's answers."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.activities.models import Participation
from linli.core.actors import SYSTEM
from linli.points import selectors as points_selectors
from linli.points import services as points
from linli.testing import api_headers

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_resident_signs_up_waits_and_is_offered_on_the_pages(client, city, residents, organiser):
    a = make_activity(city, capacity=1, points=5)
    first, second = residents[0], residents[1]
    client.force_login(first)
    assert "广场舞培训" in text(client.get("/activities/"))
    client.post(f"/activities/{a.pk}/signup/")
    page = text(client.get(f"/activities/{a.pk}/"))
    assert "已确认" in page and services.ticket_for(Participation.objects.get(person=first)) in page
    client.force_login(second)
    client.post(f"/activities/{a.pk}/signup/")
    page = text(client.get(f"/activities/{a.pk}/"))
    assert "候补中" in page and "前面还有 0 人" in page
    client.force_login(first)
    mine = Participation.objects.get(person=first)
    client.post(f"/activities/{a.pk}/cancel/", {"participation": mine.pk})
    client.force_login(second)
    page = text(client.get(f"/activities/{a.pk}/"))
    assert "候补递补待确认" in page
    theirs = Participation.objects.get(person=second)
    response = client.post(f"/activities/{a.pk}/accept/", {"participation": theirs.pk}, follow=True)
    assert "已确认参加" in text(response)
    # an error comes back on the page in Chinese
    response = client.post(f"/activities/{a.pk}/signup/", follow=True)
    assert "您已报名该活动" in text(response)


def test_organiser_pages(client, city, residents, organiser):
    a = make_activity(city, capacity=3)
    services.sign_up(actor=residents[0], activity_id=a.pk)
    client.force_login(organiser)
    assert "居民0" in text(client.get(f"/activities/{a.pk}/manage/"))
    page = text(client.get(f"/activities/{a.pk}/code/"))
    assert services.self_code(a) in page or services.self_code(a, timezone.now() - timedelta(minutes=1)) in page
    response = client.post("/activities/new/", {"place": city.community.pk, "kind": "health", "title": "",
                                                "starts_at": "", "ends_at": "", "capacity": "", "points": ""})
    assert response.status_code == 400
    assert text(response).count("field-error") >= 4  # every field's error at once
    assert "活动统计" in text(client.get(f"/activities/figures/?under={city.community.pk}"))
    client.force_login(residents[0])
    assert client.get(f"/activities/{a.pk}/manage/").status_code == 404


def test_certificate_and_points_pages(client, city, residents, organiser):
    points.create_good(actor=SYSTEM, community_id=city.community.pk, name="大米", price=10, stock=2)
    points.manual_award(actor=SYSTEM, person_id=residents[0].pk, community_id=city.community.pk, points=15,
                        reason="参加巡逻")
    client.force_login(residents[0])
    assert "志愿服务证明" in text(client.get("/activities/certificate/"))
    page = text(client.get("/points/"))
    assert "15" in page and "参加巡逻" in page
    good = points_selectors.goods().get()
    response = client.post(f"/points/shop/{good.pk}/redeem/", follow=True)
    assert "兑换成功" in text(response)
    code = points_selectors.my_redemptions(residents[0]).get().code
    assert code in text(client.get("/points/shop/"))
    assert client.get("/points/counter/").status_code == 404  # a resident is no counter
    client.force_login(organiser)
    response = client.post("/points/counter/", {"code": code})
    assert "已核销" in text(response)
    response = client.post("/points/counter/", {"code": code})
    assert response.status_code == 409 and "不能重复领取" in text(response)
    assert "居民0" in text(client.get(f"/points/rankings/?under={city.community.pk}&level=grid"))


def test_api_sign_up_scan_and_redeem(client, city, residents, organiser):
    a = make_activity(city, capacity=1)
    r = client.post(f"/api/v1/activities/{a.pk}/signup", **api_headers(residents[0]))
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    r = client.post(f"/api/v1/activities/{a.pk}/signup", **api_headers(residents[1]))
    assert r.json()["status"] == "waiting"
    r = client.post(f"/api/v1/activities/{a.pk}/signup", **api_headers(residents[1]))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "already_signed_up"
    start = timezone.now() - timedelta(minutes=5)
    type(a).objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + timedelta(hours=1))
    p = Participation.objects.get(person=residents[0])
    body = {"scans": [{"nonce": "n-0000-0001", "ticket": services.ticket_for(p),
                       "scanned_at": timezone.now().isoformat()}]}
    for _ in range(2):
        r = client.post(f"/api/v1/activities/{a.pk}/scans", json.dumps(body), content_type="application/json",
                        **api_headers(organiser))
        assert r.status_code == 200 and r.json()[0]["result"] == "accepted"
    r = client.get("/api/v1/points/goods", **api_headers(residents[0]))
    assert r.status_code == 200
    r = client.post("/api/v1/points/claim", json.dumps({"code": "NOPE"}), content_type="application/json",
                    **api_headers(organiser))
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "code_invalid"

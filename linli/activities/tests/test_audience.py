"""An activity's audience (care tags, party members only, volunteers only): set on the
staff page and in the API, kept in "activities for me", said on the activity's page."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.activities import selectors, services
from linli.activities.models import Activity
from linli.testing import api_headers, queries

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


@pytest.fixture
def tagged(city):
    """A resident of the first dwelling whose home is tagged 独居老人 (city.resident)."""
    user = city.user_with("resident", at=city.dwelling, name="李大爷本人")
    User.objects.filter(pk=user.pk).update(resident=city.resident)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def plain(city):
    return city.user_with("resident", at=city.dwelling, name="普通居民")


def test_for_person_keeps_the_audience(city, tagged, plain):
    party, volunteer = city.person("party_member"), city.person("volunteer")
    everyone = make_activity(city)
    elderly = make_activity(city, audience_tags=["elderly_alone"])
    disabled = make_activity(city, audience_tags=["disabled"])
    members = make_activity(city, for_party_members=True)
    volunteers = make_activity(city, for_volunteers=True)
    both = make_activity(city, for_party_members=True, for_volunteers=True)
    all_ = [everyone, elderly, disabled, members, volunteers, both]
    for person, expected in [(tagged, {everyone, elderly}), (plain, {everyone}),
                             (party, {everyone, members}), (volunteer, {everyone, volunteers})]:
        with queries(at_most=3):  # home paths, then one query for the list
            got = set(selectors.for_person(person))
        assert got == expected, person.display_name
        # the same rule as the sign-up's own check
        assert {a for a in all_ if services.eligible(person, a)} == expected


def test_for_person_one_query_for_many(city, tagged):
    for i in range(8):
        make_activity(city, audience_tags=["elderly_alone"] if i % 2 else [],
                      for_volunteers=i % 3 == 0)
    tagged = User.objects.select_related("resident").get(pk=tagged.pk)
    with queries(exactly=2):
        rows = list(selectors.for_person(tagged))
    assert len(rows) == 5


def form(city, **kw):
    start = timezone.localtime() + timedelta(days=3)
    data = {"place": city.community.pk, "kind": "health", "title": "独居老人义诊", "starts_at":
            start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "20", "points": "5", "organiser_kind": "partner_unit", "organiser_name": "雨城区人民医院",
            "signup_opens_at": "", "signup_closes_at": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "offer_hours": "4", "audience_tags": ["elderly_alone"], "for_party_members": "", "for_volunteers": ""}
    data.update(kw)
    return data


def test_staff_page_sets_the_audience_and_the_resident_sees_it(client, city, organiser, tagged, plain):
    client.force_login(organiser)
    page = text(client.get("/activities/new/"))
    assert "独居老人" in page and "仅面向党员" in page and "递补名额保留" in page
    response = client.post("/activities/new/", form(city))
    assert response.status_code == 302, text(response)
    a = Activity.objects.get(title="独居老人义诊")
    assert (a.audience_tags, a.for_party_members, a.for_volunteers) == (["elderly_alone"], False, False)
    assert (a.organiser_kind, a.organiser_name, a.offer_minutes) == ("partner_unit", "雨城区人民医院", 240)
    assert a.signup_closes_at < a.starts_at
    client.force_login(tagged)
    page = text(client.get(f"/activities/{a.pk}/"))
    assert "独居老人" in page and 'id="signup"' in page and "not-for-me" not in page
    assert a in selectors.for_person(tagged)
    client.force_login(plain)
    page = text(client.get(f"/activities/{a.pk}/"))
    assert 'id="signup"' not in page and "您不在报名范围内" in page and "独居老人" in page
    assert a not in selectors.for_person(plain)


def test_staff_page_every_error_at_once(client, city, organiser):
    client.force_login(organiser)
    response = client.post("/activities/new/", form(city, title="", offer_hours="0", organiser_kind="x",
                                                     audience_tags=["nobody"], starts_at=""))
    assert response.status_code == 400
    page = text(response)
    assert page.count("field-error") >= 5
    assert not Activity.objects.exists()
    # the window: the service's own error, on its field
    start = timezone.localtime() + timedelta(days=3)
    response = client.post("/activities/new/", form(city, signup_opens_at=start.strftime("%Y-%m-%dT%H:%M"),
                                                     signup_closes_at=(start - timedelta(days=1))
                                                     .strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 400 and "报名截止须晚于报名开始" in text(response)


def test_staff_page_in_english(client, city, organiser, plain):
    client.force_login(organiser)
    client.cookies["django_language"] = "en"
    page = text(client.get("/activities/new/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Party members only" in page and "Elderly living alone" in page
    a = make_activity(city, for_volunteers=True)
    client.force_login(plain)
    page = text(client.get(f"/activities/{a.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "you are not among them" in page and "volunteers" in page.lower()


def body(city, **kw):
    start = timezone.now() + timedelta(days=3)
    data = {"place_id": city.community.pk, "kind": "volunteer", "title": "党员志愿者清扫", "starts_at":
            start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(), "organiser_kind": "partner_unit",
            "organiser_name": "共建单位", "signup_closes_at": (start - timedelta(hours=1)).isoformat(),
            "offer_minutes": 30, "audience_tags": [], "for_party_members": True, "for_volunteers": True}
    data.update(kw)
    return data


def test_api_sets_the_audience(client, city, organiser):
    party = city.person("party_member")
    r = client.post("/api/v1/activities", json.dumps(body(city)), content_type="application/json",
                    **api_headers(organiser))
    assert r.status_code == 201, r.content
    a = Activity.objects.get(pk=r.json()["id"])
    assert (a.for_party_members, a.for_volunteers, a.organiser_kind, a.offer_minutes) == (True, True, "partner_unit", 30)
    assert a not in selectors.for_person(party)  # a party member, not a volunteer
    r = client.get("/api/v1/activities", **api_headers(party))
    assert a.pk not in [x["id"] for x in r.json()]


def test_api_every_error_at_once_in_english(client, city, organiser):
    r = client.post("/api/v1/activities", json.dumps(body(city, title=" ", audience_tags=["nobody"], kind="x",
                                                          organiser_kind="y")),
                    content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **api_headers(organiser))
    assert r.status_code == 400, r.content
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"title", "audience_tags", "kind", "organiser_kind"} <= fields
    messages = " ".join(e["message"] for e in r.json()["errors"])
    assert "care tags" in messages
    assert not Activity.objects.exists()

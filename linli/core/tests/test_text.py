"""Issue 10 §5 and §7: one text rule for every free-text input (NUL and control characters
refused with a field error, never a 500 on PostgreSQL), and the Open311 XML feed stays
well-formed whatever was stored."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from linli.accounts.services import issue_api_token
from linli.cases import services as case_services
from linli.cases.models import Case
from linli.core.errors import Invalid
from linli.core.text import clean_text, printable
from linli.testing import api_headers

BAD = ["井盖\x00坏了", "井盖\x01坏了", "井盖\x1b[31m坏了", "井盖\x7f坏了", "井盖\u2028坏了"]


@pytest.mark.parametrize("value", BAD)
def test_clean_text_refuses_control_characters_with_the_field(value):
    with pytest.raises(Invalid) as info:
        clean_text(value, field="answer")
    assert info.value.as_list()[0]["field"] == "answer"
    assert info.value.as_list()[0]["code"] == "text_control_chars"


def test_clean_text_keeps_newlines_and_tabs_in_multiline_text_only():
    assert clean_text("  第一行\r\n第二行\t完  ") == "第一行\n第二行\t完"
    with pytest.raises(Invalid):
        clean_text("张\n三", field="name", multiline=False)
    with pytest.raises(Invalid) as info:
        clean_text("x" * 51, field="name", max_length=50)
    assert info.value.as_list()[0]["code"] == "too_long"


def test_printable_drops_what_xml_cannot_carry():
    assert printable("a\x01b\x00c\nd") == "abc\nd"


@pytest.fixture
def people(city):
    return {"resident": city.user_with("resident", at=city.dwelling),
            "worker": city.user_with("grid_worker", at=city.grid),
            "street": city.user_with("street_official", at=city.street)}


@pytest.mark.parametrize("value", ["井盖\x00坏了很危险", "井盖\x01坏了很危险"])
def test_case_api_answers_422_with_the_field_not_500(client, city, people, value):
    headers = api_headers(people["resident"])
    body = {"text": value, "place_id": city.dwelling.pk}
    r = client.post("/api/v1/cases", json.dumps(body), content_type="application/json", **headers)
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"] == "text"
    r = client.post("/api/v1/cases", json.dumps({"text": "井盖坏了很危险", "place_id": city.dwelling.pk,
                                                 "contact_name": "王\x00五"}),
                    content_type="application/json", **headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contact_name"
    assert not Case.objects.exists()


@pytest.mark.parametrize("verb, body, field", [
    ("notes", {"text": "内部\x00备注"}, "text"),
    ("answer", {"answer": "已经\x00修好"}, "answer"),
    ("escalate", {"reason": "需要\x02上级", "from_level": "grid"}, "reason"),
])
def test_case_action_texts_are_checked_in_the_api(client, city, people, verb, body, field):
    case = case_services.submit_case(actor=people["resident"], text="楼道灯坏了", channel="resident",
                                     place_id=city.dwelling.pk)
    r = client.post(f"/api/v1/cases/{case.pk}/{verb}", json.dumps(body), content_type="application/json",
                    **api_headers(people["worker"]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field


def test_case_services_refuse_control_characters_whatever_the_entry_point(city, people):
    case = case_services.submit_case(actor=people["resident"], text="楼道灯坏了", channel="resident",
                                     place_id=city.dwelling.pk)
    case_services.accept_case(actor=people["street"], case_id=case.pk)
    with pytest.raises(Invalid) as info:
        case_services.answer_case(actor=people["street"], case_id=case.pk, answer="已\x00修")
    assert info.value.as_list()[0]["field"] == "answer"
    with pytest.raises(Invalid):
        case_services.submit_case(actor=people["resident"], text="路灯\x00坏了", channel="resident",
                                  place_id=city.dwelling.pk)


def test_report_page_shows_a_field_error_for_nul(client, city, people):
    client.force_login(people["resident"])
    r = client.post("/cases/new/", {"text": "路灯\x01坏了很久", "place": city.dwelling.pk, "nonce": "n" * 32})
    assert r.status_code in (400, 422) and "控制字符" in r.content.decode()
    assert not Case.objects.exists()


def test_places_and_people_refuse_control_characters(client, city, people):
    headers = api_headers(people["street"])
    r = client.post("/api/v1/places", json.dumps({"parent_id": city.grid.pk, "kind": "compound",
                                                  "name": "新\x00小区"}), content_type="application/json", **headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"
    r = client.patch(f"/api/v1/residents/{city.resident.pk}", json.dumps({"name": "李\n大爷"}),
                     content_type="application/json", **headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"


def test_open311_description_and_names_are_checked(client, city, people):
    key = issue_api_token(user=people["street"], name="open311", kind="open311")
    base = {"api_key": key, "service_code": "manhole", "address_id": str(city.dwelling.pk)}
    r = client.post("/open311/v2/requests.json", {**base, "description": "井盖\x00坏了"})
    assert r.status_code == 400 and "控制字符" in r.content.decode()
    r = client.post("/open311/v2/requests.json", {**base, "description": "井盖坏了", "first_name": "五\x01"})
    assert r.status_code == 400 and "first_name" in r.content.decode()
    assert not Case.objects.exists()


def test_one_control_character_stored_earlier_does_not_break_the_xml_feed(client, city, people):
    case_services.submit_case(actor=people["resident"], text="井盖坏了很危险", channel="resident",
                              place_id=city.dwelling.pk, is_public=True)
    # a row stored before input was checked (SQLite accepts it; PostgreSQL only refuses NUL)
    Case.objects.update(text="井盖\x01坏了\x1f很危险")
    r = client.get("/open311/v2/requests.xml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)  # well-formed
    assert root.find("request/description").text == "井盖坏了很危险"


@pytest.mark.parametrize("raw", ["2026-01-01T00:00:00+25:00", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00+99"])
def test_open311_bad_dates_get_our_message_not_pythons(client, db, raw):
    r = client.get("/open311/v2/requests.json", {"start_date": raw})
    assert r.status_code == 400
    text = r.content.decode()
    assert "start_date" in text and "offset" not in text and "timedelta" not in text and "day is out" not in text

"""Search within scope: cases by number or words; residents by name, by a whole mobile number
or ID number (through their keyed hashes). A result outside the viewer's scope never appears,
on the page or in the API."""

import pytest

from linli.cases import services as case_services
from linli.conftest import login_as, screenshot
from linli.core import pii
from linli.places.models import Resident
from linli.testing import api_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(city):
    people = city.people()
    people["mine"] = case_services.submit_case(actor=people["resident"], text="三楼楼道灯坏了好几天", channel="resident",
                                               place_id=city.dwelling.pk, category_code="stairwell")
    people["theirs"] = case_services.submit_case(actor=people["other_resident"], text="五楼楼道灯坏了",
                                                 channel="resident", place_id=city.other_dwelling.pk,
                                                 category_code="stairwell")
    return people


def _phone_and_id(resident: Resident) -> tuple[str, str]:
    return pii.decrypt(resident.phone_enc), pii.decrypt(resident.id_number_enc)


def _page(client, user, q):
    client.force_login(user)
    response = client.post("/search/", {"q": q})
    assert response.status_code == 200
    return response.content.decode().split("<main>")[1].split("</form>", 1)[1]  # the results


def test_cases_by_words_and_number_within_scope(client, city, p):
    html = _page(client, p["grid_worker"], "楼道灯 坏了")
    assert p["mine"].number in html and p["theirs"].number not in html
    assert "汉都华府二期 · 1栋 · 1单元 · 101" in html
    assert p["mine"].number in _page(client, p["grid_worker"], p["mine"].number.lower())
    # the number of a case outside scope finds nothing
    html = _page(client, p["grid_worker"], p["theirs"].number)
    assert p["theirs"].number not in html and "没有找到诉求" in html
    # the community sees both
    html = _page(client, p["community_worker"], "楼道灯")
    assert p["mine"].number in html and p["theirs"].number in html


def test_residents_by_name_phone_and_id_number_within_scope(client, city, p):
    phone, id_number = _phone_and_id(city.resident)
    other_phone, other_id = _phone_and_id(city.other_resident)
    worker = p["grid_worker"]
    assert f'data-resident="{city.resident.pk}"' in _page(client, worker, "李大")
    assert f'data-resident="{city.resident.pk}"' in _page(client, worker, phone)
    assert f'data-resident="{city.resident.pk}"' in _page(client, worker, f" {phone[:3]} {phone[3:7]} {phone[7:]} ")
    assert f'data-resident="{city.resident.pk}"' in _page(client, worker, id_number.lower())
    # a part of the number is not a match (exact only, through the hash)
    assert f'data-resident="{city.resident.pk}"' not in _page(client, worker, phone[:7])
    # outside scope: nothing, by any key
    for q in ("王云川", other_phone, other_id):
        assert f'data-resident="{city.other_resident.pk}"' not in _page(client, worker, q), q
    assert f'data-resident="{city.other_resident.pk}"' in _page(client, p["community_worker"], other_phone)


def test_a_resident_finds_only_their_own(client, city, p):
    html = _page(client, p["resident"], "楼道灯")
    assert p["mine"].number in html and p["theirs"].number not in html
    assert f'data-resident="{city.other_resident.pk}"' not in _page(client, p["resident"], "王云川")


def test_the_api_answers_within_scope(client, city, p):
    other_phone, _ = _phone_and_id(city.other_resident)
    headers = api_headers(p["grid_worker"])
    body = client.get("/api/v1/search", {"q": "楼道灯"}, **headers).json()
    assert [c["number"] for c in body["cases"]] == [p["mine"].number]
    assert body["cases"][0]["where"] == "汉都华府二期 · 1栋 · 1单元 · 101"
    assert client.get("/api/v1/search", {"q": other_phone}, **headers).json()["residents"] == []
    body = client.get("/api/v1/search", {"q": other_phone}, **api_headers(p["community_worker"])).json()
    assert [(r["id"], r["where"]) for r in body["residents"]] == [
        (city.other_resident.pk, "第二网格 · 绿洲路126号大院 · 1栋 · 1单元 · 101")]
    assert "1" not in body["residents"][0]["phone_masked"][3:7]  # masked


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "%", "_", "　", "'; drop table", "1" * 100])
def test_odd_queries_never_fail(client, city, p, q):
    client.force_login(p["grid_worker"])
    assert client.post("/search/", {"q": q}).status_code == 200
    assert client.get("/api/v1/search", {"q": q}, **api_headers(p["grid_worker"])).status_code in (200, 422)


def test_search_needs_log_in(client):
    assert client.get("/search/?q=x").status_code == 302
    assert client.post("/search/", {"q": "x"}).status_code == 302
    assert client.get("/api/v1/search?q=x").status_code == 401


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_search_on_a_phone(page, live_server, city):
    people = city.people()
    case = case_services.submit_case(actor=people["resident"], text="三楼楼道灯坏了好几天", channel="resident",
                                     place_id=city.dwelling.pk, category_code="stairwell")
    phone, _ = _phone_and_id(city.resident)
    login_as(page, live_server, people["grid_worker"])
    page.goto_path("/")
    page.fill("#home-q", "楼道灯")
    page.press("#home-q", "Enter")
    page.wait_for_url("**/search/")
    assert page.locator("#case-hits li").count() == 1 and case.number in page.locator("#case-hits").inner_text()
    page.fill("#id_q", phone)
    page.click("#search-submit")
    page.wait_for_selector(f"#resident-hits li[data-resident='{city.resident.pk}']")
    assert "汉都华府二期 · 1栋 · 1单元 · 101" in page.locator("#resident-hits").inner_text()
    assert phone not in page.url  # sent in the body: a number never lands in an access log
    screenshot(page, "search-resident")

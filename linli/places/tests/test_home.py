"""The home page is each role's own work: a resident sees their requests and their compound's
contact card (not a "place tree" of one dwelling); a grid worker sees the to-do count and the
patrol entry; a volunteer's compound counts are the real ones."""

import re

import pytest

from linli.cases import services as case_services
from linli.cases.selectors import queue_for
from linli.conftest import login_as, screenshot
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.testing import next_id_number, next_phone

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode().split("<main>")[1]


def _report(user, city, text="楼道里堆满杂物，扶手也坏了"):
    return case_services.submit_case(actor=user, text=text, channel="resident", place_id=city.dwelling.pk,
                                     category_code="stairwell")


def _patrol(worker, city, text):
    """A case the grid worker files at the grid: it waits on the grid (their to-do)."""
    return case_services.submit_case(actor=worker, text=text, channel="patrol", place_id=city.grid.pk,
                                     category_code="stairwell")


def test_resident_home_shows_their_requests_and_their_compounds_card(client, city):
    people = city.people()
    secretary = city.user_with("branch_secretary", at=city.compound, name="党支部王书记")
    case = _report(people["resident"], city)
    client.force_login(people["resident"])
    text = _text(client.get("/"))
    assert case.number in text and "楼道里堆满杂物" in text
    assert "汉都华府二期 连心卡" in text and "党支部王书记" in text and f"tel:{secretary.phone}" in text
    assert "我的辖区" not in text and "n-households" not in text
    assert 'id="home-patrol"' not in text and 'id="home-import"' not in text and 'id="home-queue"' not in text


def test_resident_home_does_not_show_someone_elses_request(client, city):
    people = city.people()
    _report(people["neighbour"], city, text="邻居家的狗每天半夜叫")
    client.force_login(people["resident"])
    text = _text(client.get("/"))
    assert "邻居家的狗" not in text and "您还没有反映过问题" in text


def test_grid_worker_home_shows_the_to_do_count_and_the_patrol_entry(client, city):
    people = city.people()
    worker = people["grid_worker"]
    for i in range(2):
        _patrol(worker, city, text=f"楼道灯坏了第{i}次")
    expected = queue_for(worker).count()
    assert expected == 2
    client.force_login(worker)
    text = _text(client.get("/"))
    assert re.search(rf'id="home-queue-count">{expected}<', text)
    assert 'id="home-patrol" href="/cases/patrol/"' in text
    assert "我的辖区" in text and "第一网格" in text
    assert 'id="home-import"' not in text  # grid workers hold no import right


def test_import_link_only_for_those_with_the_import_right(client, city):
    client.force_login(city.user_with("community_worker", at=city.community))
    assert 'id="home-import" href="/import/"' in _text(client.get("/"))


def test_volunteer_sees_the_real_household_and_resident_counts(client, city):
    """Volunteers hold only place.view: the counts used to be scoped by household.view and
    resident.view, which they lack, so their compound showed "0 户 · 0 人"."""
    for n in range(2, 5):
        hh = place_services.create_household(actor=SYSTEM, dwelling_id=city.dwelling.pk)
        place_services.create_resident(actor=SYSTEM, household_id=hh.pk, name=f"住户{n}", id_number=next_id_number(),
                                       phone=next_phone(), relation="head", care_tags=["elderly_alone"])
    volunteer = city.user_with("volunteer", at=city.compound)
    client.force_login(volunteer)
    text = _text(client.get("/"))
    assert "汉都华府二期" in text
    assert re.search(r'class="n-households">4<', text) and re.search(r'class="n-residents">4<', text)
    # care tags stay with those who may see residents
    assert "独居老人" not in text


def test_home_counts_stay_within_the_place(client, city):
    volunteer = city.user_with("volunteer", at=city.other_compound)
    client.force_login(volunteer)
    text = _text(client.get("/"))
    assert "绿洲路126号大院" in text and "汉都华府二期" not in text
    assert re.search(r'class="n-households">1<', text)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_on_a_phone_resident_and_grid_worker(page, live_server, city):
    people = city.people()
    city.user_with("branch_secretary", at=city.compound, name="党支部王书记")
    _report(people["resident"], city)
    _patrol(people["grid_worker"], city, "网格内井盖松动")
    login_as(page, live_server, people["resident"])
    page.goto_path("/")
    assert page.locator("#home-mine li").count() == 1
    card = page.locator(".home-card")
    assert "汉都华府二期 连心卡" in card.inner_text() and "党支部王书记" in card.inner_text()
    assert card.locator("a.phone").bounding_box()["height"] >= 44
    assert page.locator("#roots").count() == 0
    screenshot(page, "home-resident")

    page.context.clear_cookies()
    login_as(page, live_server, people["grid_worker"])
    page.goto_path("/")
    assert page.locator("#home-queue-count").inner_text() == "1"
    page.locator("#home-patrol").click()
    page.wait_for_url("**/cases/patrol/")
    screenshot(page, "home-grid-worker-patrol")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_from_the_menu_and_the_refusal_on_a_phone(page, live_server, city):
    login_as(page, live_server, city.user_with("grid_head", at=city.grid, name="网格长"))
    page.goto_path("/")
    page.locator("#home-import").click()
    page.wait_for_url("**/import/")
    assert page.locator("input[type=file]").count() == 1
    page.goto_path("/cases/mine/")
    page.locator("#nav-import").click()
    page.wait_for_url("**/import/")

    page.context.clear_cookies()
    login_as(page, live_server, city.user_with("resident", at=city.dwelling))
    page.goto_path("/import/")
    assert page.locator("#error h1").inner_text() == "没有权限"
    assert "您没有导入人口数据的权限" in page.locator("#error").inner_text()
    assert page.locator("main form").count() == 0 and page.locator("input[type=file]").count() == 0
    assert page.locator("#nav-import").count() == 0
    screenshot(page, "import-refused-resident")


def test_contact_card_job_titles_in_english(client, city):
    city.user_with("branch_secretary", at=city.compound, name="王书记", title="第一党支部书记")
    zh = client.get(f"/card/{city.compound.pk}/").content.decode()
    assert "第一党支部书记" in zh
    en = client.get(f"/card/{city.compound.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Party branch secretary" in en and "第一党支部书记" not in en

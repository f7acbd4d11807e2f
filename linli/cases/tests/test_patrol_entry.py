"""巡查登记 as a grid worker meets it on a phone: in the menu, titled 巡查, every field's error
at once, the next entry from the same place, and the phone's position."""

import re
from decimal import Decimal

import pytest

from linli.cases.models import Case
from linli.conftest import csp_safe, login_as, screenshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(city):
    return city.user_with("grid_worker", at=city.grid, name="向劲松")


def test_patrol_is_in_the_menu_of_intake_staff_only(client, city, worker):
    client.force_login(worker)
    assert 'href="/cases/patrol/" id="nav-patrol"' in client.get("/cases/mine/").content.decode()
    client.force_login(city.user_with("resident", at=city.dwelling))
    assert 'id="nav-patrol"' not in client.get("/cases/mine/").content.decode()


def test_missing_place_and_text_are_reported_together(client, city, worker):
    client.force_login(worker)
    response = client.post("/cases/patrol/", {"place": "", "text": "", "channel": "patrol", "nonce": "a" * 32})
    html = response.content.decode()
    assert response.status_code == 400
    assert "请选择地点" in html and "请描述问题（至少2个字）" in html
    assert not Case.objects.exists()


def test_after_filing_the_next_entry_starts_from_the_same_place(client, city, worker):
    client.force_login(worker)
    response = client.post("/cases/patrol/", {"place": city.compound.pk, "text": "5栋门口井盖松动",
                                              "channel": "patrol", "nonce": "b" * 32,
                                              "lat": "29.981234", "lng": "103.001234"}, follow=True)
    case = Case.objects.get()
    assert (case.lat, case.lng) == (Decimal("29.981234"), Decimal("103.001234"))
    html = response.content.decode()
    assert f'id="patrol-next" href="/cases/patrol/?place={city.compound.pk}"' in html
    again = client.get(f"/cases/patrol/?place={city.compound.pk}").content.decode()
    assert f'<option value="{city.compound.pk}" selected>' in again
    # a place outside the worker's choices is not preselected
    other = client.get(f"/cases/patrol/?place={city.other_compound.pk}").content.decode()
    assert f"<option value=\"{city.other_compound.pk}\"" not in other and f"value=\"{city.compound.pk}\" selected" not in other
    assert "<option value=\"\" selected>" in other.split('id="id_place"')[1].split("</select>")[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_patrol_on_a_phone_with_my_position_and_the_next_entry(browser, live_server, city):
    from linli.conftest import PHONE

    worker = city.user_with("grid_worker", at=city.grid, name="向劲松")
    context = browser.new_context(**PHONE, geolocation={"latitude": 29.983456, "longitude": 103.004567},
                                  permissions=["geolocation"])
    page = csp_safe(context.new_page())
    page.set_default_timeout(15000)
    try:
        login_as(page, live_server, worker)
        page.goto(live_server.url + "/")
        page.locator("#nav-patrol").click()
        page.wait_for_url(re.compile(r"/cases/patrol/$"))
        assert page.locator("h1").inner_text() == "巡查登记"
        # both errors at once
        page.click("#patrol-submit")
        page.wait_for_selector("#id_text-errors")
        assert page.locator("[data-field='place'] .errorlist").inner_text() == "请选择地点"
        assert "至少2个字" in page.locator("#id_text-errors").inner_text()

        page.select_option("#id_place", label="汉都华府二期")
        page.fill("#id_text", "5栋门口井盖松动，晚上容易踩空")
        page.click("#use-position")
        page.wait_for_function("document.getElementById('id_lat').value !== ''")
        assert page.input_value("#id_lat") == "29.983456" and page.input_value("#id_lng") == "103.004567"
        screenshot(page, "patrol-position")
        page.click("#patrol-submit")
        page.wait_for_url(re.compile(r"/cases/\d+/$"))
        case = Case.objects.get()
        assert (case.lat, case.lng) == (Decimal("29.983456"), Decimal("103.004567"))
        assert page.locator("#patrol-next").bounding_box()["height"] >= 44
        page.click("#patrol-next")
        page.wait_for_url(re.compile(r"/cases/patrol/\?place=\d+$"))
        assert page.locator("#id_place option:checked").inner_text() == "汉都华府二期"
        assert page.input_value("#id_text") == ""
        screenshot(page, "patrol-next")
    finally:
        context.close()


def test_report_form_shows_a_wrong_place_and_a_missing_text_together(client, city):
    resident = city.user_with("resident", at=city.dwelling)
    client.force_login(resident)
    response = client.post("/cases/new/", {"place": str(city.other_dwelling.pk), "text": " ", "nonce": "c" * 32})
    html = response.content.decode()
    assert response.status_code == 400
    assert "请从列表中选择地点" in html and "请描述问题（至少2个字）" in html
    assert not Case.objects.exists()

"""The point picker on the report page (反映问题): the selector gives the outlines of the
resident's own community only, the page embeds them as JSON, and in real headless Chromium on
a phone a tap on the map fills the coordinates, the case is filed at the grid the point falls
in, and with no base tiles configured not one request leaves this machine."""

import json
import re

import pytest

from linli.cases import selectors
from linli.cases.models import Case
from linli.conftest import login_as, screenshot
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.testing import block_the_outside

TEXT = "小区北门外路灯不亮，晚上很黑"


def square(lng: float, lat: float, size: float = 0.004) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat], [lng + size, lat + size],
                                                [lng, lat + size], [lng, lat]]]}


def _outline(city) -> dict:
    """Both grids of 石马社区 and one compound with a boundary; another community's grid with one
    too, and a grid without any, neither of which the map may show."""
    update, create = place_services.update_place, place_services.create_place
    update(actor=SYSTEM, place_id=city.grid.pk, boundary=square(104.380, 34.040))
    update(actor=SYSTEM, place_id=city.other_grid.pk, boundary=square(104.384, 34.040))
    update(actor=SYSTEM, place_id=city.compound.pk, boundary=square(104.3815, 34.0415, 0.001))
    bare = create(actor=SYSTEM, parent_id=city.community.pk, kind_code="grid", name="第三网格")
    elsewhere = create(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="西街社区")
    far_grid = create(actor=SYSTEM, parent_id=elsewhere.pk, kind_code="grid", name="西街第一网格",
                      boundary=square(104.300, 34.000))
    return {"bare": bare, "elsewhere": elsewhere, "far_grid": far_grid}


def _context_json(html: str) -> dict:
    match = re.search(r'<script id="report-map-context" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the map context is not embedded"
    return json.loads(match.group(1))


# ---------------------------------------------------------------- the selector


@pytest.mark.django_db
def test_map_context_has_only_this_communitys_places_with_boundaries(city):
    _outline(city)
    resident = city.user_with("resident", at=city.dwelling)
    ctx = selectors.map_context(resident, city.building)
    features = ctx["places"]["features"]
    assert ctx["places"]["type"] == "FeatureCollection"
    assert sorted((f["properties"]["name"], f["properties"]["kind"]) for f in features) == [
        ("汉都华府二期", "compound"), ("第一网格", "grid"), ("第二网格", "grid")]
    assert {f["id"] for f in features} == {city.grid.pk, city.other_grid.pk, city.compound.pk}
    assert all(f["geometry"]["type"] == "Polygon" for f in features)
    # grids first, so the compounds are drawn on top of them
    assert [f["properties"]["kind"] for f in features] == ["grid", "grid", "compound"]
    # the building has no point of its own: the centre of its compound's boundary
    assert ctx["center"] == [34.042, 104.382] and ctx["zoom"] == 16


@pytest.mark.django_db
def test_map_context_centre_is_the_nearest_point(city):
    _outline(city)
    place_services.update_place(actor=SYSTEM, place_id=city.building.pk, lat="34.041800", lng="104.381900")
    resident = city.user_with("resident", at=city.dwelling)
    assert selectors.map_context(resident, city.dwelling)["center"] == [34.0418, 104.3819]


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 12])
def test_map_context_takes_two_queries_however_many_places(city, extra, django_assert_num_queries):
    _outline(city)
    for i in range(extra):
        place_services.create_place(actor=SYSTEM, parent_id=city.grid.pk, kind_code="compound", name=f"小区{i}",
                                    boundary=square(104.380 + i * 0.0002, 34.040, 0.0001))
    resident = city.user_with("resident", at=city.dwelling)
    with django_assert_num_queries(2):  # the place's ancestors, then the outlines
        ctx = selectors.map_context(resident, city.building)
    assert len(ctx["places"]["features"]) == 3 + extra


@pytest.mark.django_db
def test_map_context_without_any_boundary_or_point(city):
    resident = city.user_with("resident", at=city.dwelling)
    ctx = selectors.map_context(resident, city.building)
    assert ctx == {"center": None, "zoom": None, "places": {"type": "FeatureCollection", "features": []}}
    assert selectors.map_context(resident, None)["center"] is None


# ---------------------------------------------------------------- the page


@pytest.mark.django_db
def test_report_page_embeds_the_map_context_and_no_tiles(client, city):
    _outline(city)
    resident = city.user_with("resident", at=city.dwelling)
    client.force_login(resident)
    html = client.get("/cases/new/").content.decode()
    ctx = _context_json(html)
    assert {f["properties"]["name"] for f in ctx["places"]["features"]} == {"第一网格", "第二网格", "汉都华府二期"}
    assert "西街第一网格" not in html
    assert 'id="report-map"' in html and 'data-tiles-url=""' in html
    assert "vendor/leaflet/leaflet.js" in html and "js/report_map.js" in html
    assert "清除位置" in html and "使用我的位置" in html
    # the inputs are still there for a phone without JavaScript
    assert 'name="lat"' in html and 'name="lng"' in html


@pytest.mark.django_db
def test_report_page_passes_configured_tiles_and_keeps_the_map_on_errors(client, city, settings):
    _outline(city)
    settings.LINLI_MAP_TILES_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    client.force_login(city.user_with("resident", at=city.dwelling))
    html = client.get("/cases/new/").content.decode()
    assert 'data-tiles-url="https://tiles.example.test/{z}/{x}/{y}.png"' in html
    # a point outside every grid: the field error of the service, and the map still there
    response = client.post("/cases/new/", {"text": TEXT, "place": "", "lat": "30.000000", "lng": "100.000000",
                                           "nonce": "d" * 32})
    html = response.content.decode()
    assert response.status_code == 400
    assert "该位置不在任何网格内" in html
    assert len(_context_json(html)["places"]["features"]) == 3
    assert not Case.objects.exists()


# ---------------------------------------------------------------- in a real browser


def _tap_inside(page, selector: str, fx: float, fy: float) -> None:
    """Tap at a fraction of the part of an outline that shows on the map."""
    page.locator("#report-map").scroll_into_view_if_needed()
    shape, frame = page.locator(selector).bounding_box(), page.locator("#report-map").bounding_box()
    left, top = max(shape["x"], frame["x"]), max(shape["y"], frame["y"])
    right = min(shape["x"] + shape["width"], frame["x"] + frame["width"])
    bottom = min(shape["y"] + shape["height"], frame["y"] + frame["height"])
    page.touchscreen.tap(left + (right - left) * fx, top + (bottom - top) * fy)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tap_the_map_and_the_case_is_filed_at_that_point_in_its_grid(page, live_server, city):
    _outline(city)
    resident = city.user_with("resident", at=city.dwelling, name="李大爷")
    login_as(page, live_server, resident)
    outside = block_the_outside(page)

    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto_path("/cases/new/")
    assert page.locator("#report-map").is_hidden()  # inside the closed <details>
    page.fill("#id_text", TEXT)
    page.locator("details.where summary").click()
    page.wait_for_selector("#report-map[data-ready='true']")
    box = page.locator("#report-map").bounding_box()
    assert 240 <= box["height"] <= 280 and box["width"] > 300
    # the community drawn on a plain background: outlines and names, no tile
    assert page.locator("#report-map path.report-map-grid").count() == 2
    assert page.locator("#report-map path.report-map-compound").count() == 1
    assert page.locator("#report-map .leaflet-tile, #report-map .leaflet-tile-pane img").count() == 0
    labels = page.locator("#report-map .report-map-label").all_inner_texts()
    assert sorted(labels) == ["汉都华府二期", "第一网格", "第二网格"]
    assert page.locator("#report-map .leaflet-marker-icon").count() == 0
    assert page.locator("#report-map-clear").is_hidden()

    # tap inside 第一网格, away from the compound: the marker and the coordinates
    _tap_inside(page, f"#report-map path.report-map-place-{city.grid.pk}", 0.2, 0.8)
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    lat, lng = page.input_value("#id_lat"), page.input_value("#id_lng")
    assert re.fullmatch(r"\d+\.\d{6}", lat) and re.fullmatch(r"\d+\.\d{6}", lng)
    assert 34.040 < float(lat) < 34.044 and 104.380 < float(lng) < 104.384
    assert page.locator("#report-map .leaflet-marker-icon").count() == 1
    assert page.input_value("#id_place") == ""  # 按定位位置
    assert page.locator("#report-map-clear").is_visible()
    screenshot(page, "cases-report-map-tapped")

    # typing moves the marker; 清除位置 empties the inputs and gives the home place back
    marker = page.locator("#report-map .leaflet-marker-icon")
    before = marker.bounding_box()
    page.fill("#id_lat", f"{float(lat) + 0.001:.6f}")
    page.wait_for_function(f"document.querySelector('#report-map .leaflet-marker-icon')"
                           f".getBoundingClientRect().top < {before['y'] - 5}")
    page.locator("#report-map-clear").click()
    assert (page.input_value("#id_lat"), page.input_value("#id_lng")) == ("", "")
    assert page.locator("#report-map .leaflet-marker-icon").count() == 0
    assert page.input_value("#id_place") == str(city.building.pk)
    assert page.locator("#report-map-clear").is_hidden()

    # tap again and send it
    _tap_inside(page, f"#report-map path.report-map-place-{city.grid.pk}", 0.8, 0.2)
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    lat, lng = page.input_value("#id_lat"), page.input_value("#id_lng")
    screenshot(page, "cases-report-map-point")
    page.click("#report-submit")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert (str(case.lat), str(case.lng)) == (lat, lng)
    assert case.place == city.grid and case.reporter == resident
    assert "已提交" in page.locator(".messages").inner_text()

    assert errors == []
    assert outside == [], f"requests left this machine: {outside}"

"""The hot-spot map in real headless Chromium on a phone: grid polygons shaded by their cases,
a legend, a popup with the counts, and, with no base tiles configured, not one request that
leaves this machine. Also the figures page a street official reads on the same phone."""

import re

import pytest

from linli.cases import services
from linli.conftest import login_as, screenshot
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.testing import block_the_outside

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def square(lng: float, lat: float, size: float = 0.004) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat], [lng + size, lat + size],
                                                [lng, lat + size], [lng, lat]]]}


def _seed(city):
    """Three grids with boundaries in 石马社区 (near 宕昌 county town), with 5, 1 and 0 cases."""
    place_services.update_place(actor=SYSTEM, place_id=city.grid.pk, boundary=square(104.380, 34.040))
    place_services.update_place(actor=SYSTEM, place_id=city.other_grid.pk, boundary=square(104.384, 34.040))
    third = place_services.create_place(actor=SYSTEM, parent_id=city.community.pk, kind_code="grid",
                                        name="第三网格", boundary=square(104.380, 34.044))
    for text, code in [("小区门口车辆乱停乱放", "parking")] * 3 + [("垃圾没人清运", "garbage")] * 2:
        services.submit_case(actor=SYSTEM, text=text, channel="patrol", place_id=city.dwelling.pk, category_code=code)
    services.submit_case(actor=SYSTEM, text="楼道灯坏了", channel="patrol", place_id=city.other_dwelling.pk,
                         category_code="stairwell")
    return third


def test_hot_spot_map_without_tiles_stays_on_this_machine(page, live_server, city):
    third = _seed(city)
    login_as(page, live_server, city.person("street_official"))
    outside = block_the_outside(page)

    page.goto_path(f"/cases/hot-spots/?under={city.community.pk}")
    page.wait_for_selector("#hot-map[data-ready='true']")
    assert page.locator("h1").inner_text().startswith("石马社区 诉求热点")

    # one SVG path per grid with a boundary, none of them a tile
    paths = page.locator("#hot-map .leaflet-overlay-pane svg path")
    assert paths.count() == 3
    assert page.locator("#hot-map .leaflet-tile").count() == 0
    assert page.locator("#hot-map .leaflet-tile-pane img").count() == 0
    # shaded by count: the busiest grid darkest, the empty one pale grey
    fills = sorted(paths.evaluate_all("els => els.map(e => e.getAttribute('fill'))"))
    assert fills == sorted(["#a50f15", "#fee5d9", "#f3f4f6"])
    # the third grid, without a case, is on the map in pale grey (and below, not in the table)
    assert page.locator(f"#hot-map path[data-name='{third.name}']").get_attribute("fill") == "#f3f4f6"

    legend = page.locator("#hot-legend")
    assert legend.is_visible()
    assert "诉求件数" in legend.inner_text() and "无" in legend.inner_text()
    assert legend.locator("i").count() == 6  # "none" and the five steps

    # the table a person can read without the map: most cases first
    rows = page.locator("#hot-spots tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("th").inner_text() == "第一网格"
    assert rows.nth(0).locator("td.total").inner_text() == "5"
    assert rows.nth(1).locator("td.total").inner_text() == "1"
    assert third.name not in page.locator("#hot-spots").inner_text()
    screenshot(page, "hot-spots-map")

    # tap the busiest grid: its name and counts by category
    busiest = page.locator("#hot-map path[fill='#a50f15']")
    busiest.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    text = popup.inner_text()
    assert "第一网格" in text and "合计 5 件" in text
    assert "车辆乱停乱放 3" in text and "垃圾清运 2" in text
    screenshot(page, "hot-spots-popup")

    # the compound toggle: compounds (no boundaries here) in the table, the map says why it is empty
    page.locator("#kind-tabs a", has_text="按小区").click()
    page.wait_for_url(re.compile(r"kind=compound"))
    page.wait_for_function("document.getElementById('hot-map-status').textContent.length > 0")
    assert "还没有登记边界" in page.locator("#hot-map-status").inner_text()
    assert page.locator("#hot-spots tbody tr").first.locator("th").inner_text() == "汉都华府二期"

    assert outside == [], f"requests left this machine: {outside}"


def test_hot_spot_map_loads_configured_tiles(page, live_server, city, settings):
    """With LINLI_MAP_TILES_URL set, the base map comes from there (here: this server)."""
    _seed(city)
    settings.LINLI_MAP_TILES_URL = live_server.url + "/static/no-tiles/{z}/{x}/{y}.png"
    login_as(page, live_server, city.person("street_official"))
    outside = block_the_outside(page)
    tile_requests: list[str] = []
    page.on("request", lambda r: tile_requests.append(r.url) if "/static/no-tiles/" in r.url else None)
    page.goto_path(f"/cases/hot-spots/?under={city.community.pk}")
    page.wait_for_selector("#hot-map[data-ready='true']")
    page.wait_for_selector("#hot-map .leaflet-tile", state="attached")
    assert tile_requests and outside == []
    assert page.locator("#hot-map .leaflet-overlay-pane svg path").count() == 3


def test_figures_page_on_a_phone(page, live_server, city):
    _seed(city)
    login_as(page, live_server, city.person("street_official"))
    outside = block_the_outside(page)
    page.goto_path("/cases/figures/")
    assert page.locator("h1").inner_text().startswith("东城街道 办理指标")
    assert page.locator("#fig-received .n").inner_text() == "6"
    row = page.locator(f"#children tr[data-place='{city.community.pk}']")
    assert row.locator("td[data-fig='received'] .n").inner_text() == "6"
    screenshot(page, "figures-street")

    row.locator("th a").click()
    page.wait_for_url(re.compile(rf"under={city.community.pk}"))
    assert page.locator("h1").inner_text().startswith("石马社区 办理指标")
    grid_row = page.locator(f"#children tr[data-place='{city.grid.pk}']")
    assert grid_row.locator("td[data-fig='received'] .n").inner_text() == "5"
    screenshot(page, "figures-community")

    # a custom period that ends before it starts: the error sits under the end date
    page.select_option("#id_period", "custom")
    page.fill("#id_date_from", "2026-11-10")
    page.fill("#id_date_to", "2026-11-01")
    page.click("#period-submit")
    page.wait_for_selector("#id_date_to-errors")
    assert "结束日期不能早于开始日期" in page.locator("#id_date_to-errors").inner_text()
    screenshot(page, "figures-bad-period")
    assert outside == []


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["x"] >= outer["x"] - 1 and inner["y"] >= outer["y"] - 1
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1)


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_hot_spot_map_on_a_phone_labels_fits_and_keeps_the_popup_clear(page, live_server, city):
    """390 px: the table comes before the map; every grid is named on the map with its count; the
    view holds every polygon; the popup of a grid in the corner of the zoom buttons is not covered."""
    _seed(city)
    login_as(page, live_server, city.person("street_official"))
    outside = block_the_outside(page)
    page.goto_path(f"/cases/hot-spots/?under={city.community.pk}")
    page.wait_for_selector("#hot-map[data-ready='true']")

    # the table first on a phone: its last row ends above the map's top edge
    assert page.viewport_size["width"] == 390
    table, box = _box(page, "#hot-spots"), _box(page, "#hot-map")
    assert table["y"] + table["height"] <= box["y"]

    # labels: the name and the number of every grid, visible and inside the map
    labels = page.locator("#hot-map .leaflet-tooltip.hot-label")
    assert labels.count() == 3
    texts = sorted(" ".join(t.split()) for t in labels.all_inner_texts())
    assert texts == ["第一网格 5", "第三网格 0", "第二网格 1"]
    for i in range(3):
        assert labels.nth(i).is_visible()
        assert _inside(labels.nth(i).bounding_box(), box)

    # fitted to the data: every polygon wholly inside the map, and together they fill most of it
    paths = page.locator("#hot-map .leaflet-overlay-pane svg path")
    boxes = [paths.nth(i).bounding_box() for i in range(paths.count())]
    assert all(_inside(b, box) for b in boxes)
    width = max(b["x"] + b["width"] for b in boxes) - min(b["x"] for b in boxes)
    height = max(b["y"] + b["height"] for b in boxes) - min(b["y"] for b in boxes)
    assert width >= box["width"] * 0.5 or height >= box["height"] * 0.5

    # the busiest grid sits in the bottom-left corner (where the zoom buttons are): its popup,
    # once open, does not lie under them
    page.locator("#hot-map path[fill='#a50f15']").click()
    page.locator(".leaflet-popup-content").wait_for()
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    page.wait_for_timeout(400)  # let the auto-pan finish before measuring (not asserted)
    popup, zoom = _box(page, ".leaflet-popup"), _box(page, ".leaflet-control-zoom")
    assert zoom["width"] >= 44 and not _overlap(popup, zoom), (popup, zoom)
    assert _inside(popup, _box(page, "#hot-map"))
    screenshot(page, "hot-spots-phone-popup")
    assert outside == []


def test_hot_spot_map_of_a_street_is_not_a_strip_of_tiny_squares(page, live_server, city):
    """Grids of two communities far apart: the view holds them all, and a grid too small to see at
    that zoom is a dot of at least 14 px with its label, which opens the same popup."""
    _seed(city)
    far = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="北关社区")
    place_services.create_place(actor=SYSTEM, parent_id=far.pk, kind_code="grid", name="北关网格",
                                boundary=square(104.52, 34.18, size=0.0006))
    login_as(page, live_server, city.person("street_official"))
    outside = block_the_outside(page)
    page.goto_path(f"/cases/hot-spots/?under={city.street.pk}&kind=grid")
    page.wait_for_selector("#hot-map[data-ready='true']")
    box = _box(page, "#hot-map")
    labels = page.locator("#hot-map .leaflet-tooltip.hot-label")
    assert labels.count() == 4
    assert "北关网格 0" in [" ".join(t.split()) for t in labels.all_inner_texts()]
    for i in range(4):
        assert labels.nth(i).is_visible() and _inside(labels.nth(i).bounding_box(), box)
    dots = page.locator("#hot-map path.hot-dot")
    assert dots.count() >= 1
    for i in range(dots.count()):
        b = dots.nth(i).bounding_box()
        assert b["width"] >= 14 and b["height"] >= 14 and _inside(b, box)
    every = page.locator("#hot-map .leaflet-overlay-pane svg path")
    assert all(_inside(every.nth(i).bounding_box(), box) for i in range(every.count()))
    screenshot(page, "hot-spots-street")
    far_dot = page.locator("#hot-map path.hot-dot[data-name='北关网格']")
    far_dot.click()
    page.locator(".leaflet-popup-content").wait_for()
    assert "北关网格" in page.locator(".leaflet-popup-content").inner_text()
    assert outside == []

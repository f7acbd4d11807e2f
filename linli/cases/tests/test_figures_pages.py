"""The figures (办理指标) and hot-spot (热点) pages: the numbers a person reads equal the
selectors' figures for the same records; only case supervisors see them, within scope; a bad
period comes back as field errors; the query count does not grow with the child places."""

import datetime as dt
import re

from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from linli.accounts.models import SentSms
from linli.cases import selectors, services
from linli.cases.views_figures import figure_cells, period_of
from linli.core.actors import SYSTEM
from linli.places import services as place_services

FIGURES = "/cases/figures/"
HOT_SPOTS = "/cases/hot-spots/"
GEOJSON = "/cases/hot-spots/map.geojson"
FIGURE_KEYS = ["received", "accepted_on_time", "closed_on_time", "satisfied", "reopened", "merged"]


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat], [lng + size, lat + size],
                                                [lng, lat + size], [lng, lat]]]}


def _window() -> dict:
    """A custom period around today that also holds every deadline of today's cases."""
    today = timezone.localdate()
    return {"period": "custom", "date_from": (today - dt.timedelta(days=1)).isoformat(),
            "date_to": (today + dt.timedelta(days=40)).isoformat()}


def _period():
    data = _window()
    return period_of({"period": "custom", "date_from": dt.date.fromisoformat(data["date_from"]),
                      "date_to": dt.date.fromisoformat(data["date_to"])})[0]


def _figure_on_page(html: str, key: str) -> tuple[int, str]:
    m = re.search(rf'id="fig-{key}">.*?<b class="n">(\d+)</b>.*?<span class="rate">([^<]*)</span>', html, re.S)
    assert m, f"figure {key} not on the page"
    return int(m.group(1)), m.group(2)


def _child_row(html: str, place_id: int) -> dict[str, tuple[int, str]]:
    m = re.search(rf'<tr data-place="{place_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, f"no row for place {place_id}"
    cells = re.findall(r'data-fig="(\w+)"><b class="n">(\d+)</b><span class="rate">([^<]*)</span>', m.group(1))
    return {key: (int(n), rate) for key, n, rate in cells}


def _seed(city, people):
    """Cases in both grids: handled and rated, one not satisfied (reopened), one duplicate
    merged into another, one untouched."""
    res = people["resident"]
    done = []
    for rating in ("satisfied", "unsatisfied", None):
        case = city.report(res, "小区门口车辆乱停乱放", category="parking")
        city.handle(case, people["grid_worker"], "已劝导挪车")
        city.verify(case, res)
        if rating:
            services.rate_case(actor=res, case_id=case.pk, rating=rating, solved=rating == "satisfied")
        done.append(case)
    original = city.report("other_resident", "楼道灯坏了一个月")
    dup = city.report("other_resident", "楼道的灯还是不亮")
    services.merge_case(actor=people["community_secretary"], case_id=dup.pk, into_id=original.pk)
    city.report("street_official", "社区公寓门口垃圾堆放", channel="patrol", at=city.community_dwelling,
                category="garbage")
    return done


# ---------------------------------------------------------------- figures


def test_figures_on_the_page_equal_the_selectors(client, city, people):
    _seed(city, people)
    client.force_login(people["street_official"])
    response = client.get(FIGURES, {"under": city.community.pk, **_window()})
    assert response.status_code == 200
    html = response.content.decode()
    expected = selectors.figures(people["street_official"], under=city.community, period=_period())
    assert expected["received"] == 5 and expected["merged"] == 1 and expected["reopened"] == 1
    for cell in figure_cells(expected):
        assert _figure_on_page(html, cell["key"]) == (cell["n"], cell["rate"])
    # "not satisfied" reopened its case (and cleared the rating): one satisfied of one rated
    assert _figure_on_page(html, "satisfied") == (1, "100.0%")

    # one row per child place, the same figures as the selector run on that child
    for child in (city.grid, city.other_grid):
        row = _child_row(html, child.pk)
        want = figure_cells(selectors.figures(people["street_official"], under=child, period=_period()))
        assert row == {c["key"]: (c["n"], c["rate"]) for c in want}
    assert _child_row(html, city.grid.pk)["received"] == (3, "100.0%")
    assert _child_row(html, city.other_grid.pk)["merged"] == (1, "50.0%")
    # the community's own dwelling is a child too; its patrol case shows there
    assert _child_row(html, city.community_dwelling.pk)["received"][0] == 1
    # drill down keeps the period
    assert f'href="/cases/figures/?period=custom&amp;date_from={_window()["date_from"]}' in html
    assert f"under={city.grid.pk}" in html


def test_default_place_is_the_top_of_the_role_and_drill_down(client, city, people):
    _seed(city, people)
    client.force_login(people["street_official"])
    response = client.get(FIGURES)
    assert response.status_code == 200
    assert response.context["place"] == city.street
    assert f'data-place="{city.community.pk}"' in response.content.decode()

    client.force_login(people["grid_worker"])
    response = client.get(FIGURES, _window())
    assert response.context["place"] == city.grid
    assert _figure_on_page(response.content.decode(), "received")[0] == 3


@pytest.mark.parametrize("who, status", [("grid_worker", 404), ("other_grid_worker", 404), ("community_secretary", 404),
                                         ("street_official", 200)])
def test_scope_of_the_street(client, city, people, who, status):
    """A grid worker cannot see the street's figures (out of scope: not found)."""
    client.force_login(people[who])
    assert client.get(FIGURES, {"under": city.street.pk}).status_code == status
    assert client.get(HOT_SPOTS, {"under": city.street.pk}).status_code == status
    assert client.get(GEOJSON, {"under": city.street.pk}).status_code == status


def test_a_grid_worker_cannot_see_the_sibling_grid(client, city, people):
    client.force_login(people["grid_worker"])
    assert client.get(FIGURES, {"under": city.other_grid.pk}).status_code == 404
    assert client.get(FIGURES, {"under": city.grid.pk}).status_code == 200
    assert client.get(FIGURES, {"under": 99999999}).status_code == 404


@pytest.mark.parametrize("role, at", [("resident", "dwelling"), ("building_head", "building"),
                                      ("party_member_household", "building"), ("department_staff", "community"),
                                      ("property_manager", "compound")])
def test_people_who_do_not_supervise_cases_are_forbidden(client, city, role, at):
    client.force_login(city.user_with(role, at=getattr(city, at)))
    for url in (FIGURES, HOT_SPOTS, GEOJSON):
        response = client.get(url)
        assert response.status_code == 403, url
    assert "没有权限" in client.get(FIGURES).content.decode()


def test_log_in_first(client, city, people):
    """Anonymous: sent to log in with the page to come back to; a wrong code leaves the visitor
    anonymous and still outside; the right code logs the street official in and brings them
    back to the figures."""
    official = people["street_official"]
    response = client.get(FIGURES)
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url == f"/login/?next={quote(FIGURES)}"
    assert client.post("/login/", {"tab": "sms", "phone": official.phone, "action": "send"}).status_code == 200
    code = re.search(r"\d{6}", SentSms.objects.latest("id").text).group(0)
    wrong = "111111" if code != "111111" else "222222"
    form = {"tab": "sms", "phone": official.phone, "action": "login", "next": FIGURES}
    assert client.post(login_url, {**form, "code": wrong}).status_code == 400
    assert SESSION_KEY not in client.session
    assert client.get(FIGURES)["Location"] == login_url
    response = client.post(login_url, {**form, "code": code})
    assert response.status_code == 302 and response["Location"] == FIGURES
    assert int(client.session[SESSION_KEY]) == official.pk
    page = client.get(FIGURES)
    assert page.status_code == 200 and page.wsgi_request.user.pk == official.pk
    assert 'id="figures"' in page.content.decode() and official.display_name in page.content.decode()


@pytest.mark.parametrize("query, field, message", [
    ({"period": "custom", "date_from": "2026-11-10", "date_to": "2026-11-01"}, "date_to",
     "结束日期不能早于开始日期"),
    ({"period": "custom", "date_from": "", "date_to": "2026-11-01"}, "date_from", "请填写开始日期"),
    ({"period": "custom", "date_from": "2026-11-01"}, "date_to", "请填写结束日期"),
    ({"period": "custom", "date_from": "11/01/2026", "date_to": "2026-11-30"}, "date_from", "日期格式应为"),
    ({"period": "custom", "date_from": "2000-01-01", "date_to": "2026-11-30"}, "date_to",
     "统计时段不能超过10年"),
    ({"period": "fortnight"}, "period", "请选择统计时段"),
    ({"under": "abc"}, "under", "地点编号无效"),
])
def test_bad_period_is_a_field_error(client, city, people, query, field, message):
    client.force_login(people["street_official"])
    response = client.get(FIGURES, query)
    assert response.status_code == 400
    html = response.content.decode()
    errors = re.search(rf'id="id_{field}-errors"[^>]*>(.*?)</ul>', html, re.S)
    assert errors and message in errors.group(1)
    assert 'id="figures"' not in html  # no figures for a period that does not parse
    hot = client.get(HOT_SPOTS, query)
    assert hot.status_code == 400 and message in hot.content.decode()
    geo = client.get(GEOJSON, query)
    assert geo.status_code == 400 and geo.json()["errors"][0]["field"] == field


def test_named_periods():
    today = dt.date(2026, 2, 17)
    days = {name: period_of({"period": name}, today=today)[1:] for name in ("month", "last_month", "quarter", "year")}
    assert days == {"month": (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
                    "last_month": (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                    "quarter": (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
                    "year": (dt.date(2026, 1, 1), dt.date(2026, 12, 31))}
    period = period_of({"period": "last_month"}, today=dt.date(2026, 1, 5))[0]
    assert timezone.localtime(period.start).date() == dt.date(2025, 12, 1)
    assert timezone.localtime(period.end).date() == dt.date(2026, 1, 1)


def _communities(city, n: int):
    for i in range(n):
        community = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community",
                                                name=f"新社区{i}")
        grid = place_services.create_place(actor=SYSTEM, parent_id=community.pk, kind_code="grid", name="一网格",
                                           boundary=square(104.0 + i * 0.02, 34.0))
        services.submit_case(actor=SYSTEM, text="路灯不亮了", channel="patrol", place_id=grid.pk,
                             category_code="streetlight")


@pytest.mark.parametrize("children", [3, 12])
def test_query_count_does_not_grow_with_children(client, city, people, children, django_assert_max_num_queries):
    _communities(city, children - 1)  # plus 石马社区
    client.force_login(people["street_official"])
    # session, user, the viewer's roles, the place, its ancestors, its children, the
    # figures, the figures per child, the top bar's roles (and the scope's relation checks)
    with django_assert_max_num_queries(11):
        response = client.get(FIGURES, {"under": city.street.pk})
    assert response.status_code == 200
    assert response.content.decode().count("<tr data-place=") == children
    with django_assert_max_num_queries(10):
        assert client.get(HOT_SPOTS, {"under": city.street.pk}).status_code == 200
    with django_assert_max_num_queries(10):
        assert len(client.get(GEOJSON, {"under": city.street.pk}).json()["features"]) == children - 1


# ---------------------------------------------------------------- hot spots


def test_hot_spot_table_and_map_data_agree_with_the_selector(client, city, people):
    place_services.update_place(actor=SYSTEM, place_id=city.grid.pk, boundary=square(104.0, 34.0))
    place_services.update_place(actor=SYSTEM, place_id=city.other_grid.pk, boundary=square(104.01, 34.0))
    place_services.update_place(actor=SYSTEM, place_id=city.compound.pk, boundary=square(104.002, 34.002, 0.004))
    _seed(city, people)
    client.force_login(people["street_official"])
    response = client.get(HOT_SPOTS, {"under": city.community.pk, **_window()})
    assert response.status_code == 200
    html = response.content.decode()
    rows = selectors.hot_spots(people["street_official"], under=city.community, period=_period())
    totals = {}
    for r in rows:
        totals[r["place"].pk] = totals.get(r["place"].pk, 0) + r["count"]
    assert totals == {city.grid.pk: 3, city.other_grid.pk: 1}
    table = re.findall(r'<tr data-place="(\d+)">.*?<td class="total"><b>(\d+)</b>', html, re.S)
    assert [(int(p), int(n)) for p, n in table] == [(city.grid.pk, 3), (city.other_grid.pk, 1)]  # most first
    assert 'data-category="parking"' in html and 'data-category="stairwell"' in html
    assert 'id="hot-map"' in html and 'data-tiles-url=""' in html

    geo = client.get(GEOJSON, {"under": city.community.pk, **_window()}).json()
    assert geo["type"] == "FeatureCollection"
    by_place = {f["properties"]["place_id"]: f["properties"] for f in geo["features"]}
    assert by_place == {
        city.grid.pk: {"name": "第一网格", "place_id": city.grid.pk, "count": 3, "counts": {"parking": 3}},
        city.other_grid.pk: {"name": "第二网格", "place_id": city.other_grid.pk, "count": 1,
                             "counts": {"stairwell": 1}},
    }
    assert geo["categories"] == {"parking": "车辆乱停乱放", "stairwell": "楼道"}
    only = client.get(GEOJSON, {"under": city.community.pk, "category": "stairwell", **_window()}).json()
    assert {f["properties"]["place_id"]: f["properties"]["count"] for f in only["features"]} == {
        city.grid.pk: 0, city.other_grid.pk: 1}

    # the compound toggle: compounds as rows, and on the map the compounds with a boundary
    response = client.get(HOT_SPOTS, {"under": city.community.pk, "kind": "compound", **_window()})
    table = re.findall(r'<tr data-place="(\d+)">', response.content.decode())
    assert [int(p) for p in table] == [city.compound.pk, city.other_compound.pk]
    geo = client.get(GEOJSON, {"under": city.community.pk, "kind": "compound", **_window()}).json()
    assert [f["properties"]["place_id"] for f in geo["features"]] == [city.compound.pk]


def test_hot_spots_in_scope_only(client, city, people):
    place_services.update_place(actor=SYSTEM, place_id=city.grid.pk, boundary=square(104.0, 34.0))
    place_services.update_place(actor=SYSTEM, place_id=city.other_grid.pk, boundary=square(104.01, 34.0))
    _seed(city, people)
    client.force_login(people["grid_worker"])
    html = client.get(HOT_SPOTS, _window()).content.decode()
    assert re.findall(r'<tr data-place="(\d+)">', html) == [str(city.grid.pk)]
    geo = client.get(GEOJSON, _window()).json()
    assert [f["properties"]["place_id"] for f in geo["features"]] == [city.grid.pk]
    assert client.get(GEOJSON, {"under": city.community.pk}).status_code == 404


def test_tiles_url_reaches_the_map(client, city, people, settings):
    settings.LINLI_MAP_TILES_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    client.force_login(people["street_official"])
    assert 'data-tiles-url="https://tiles.example.test/{z}/{x}/{y}.png"' in client.get(HOT_SPOTS).content.decode()

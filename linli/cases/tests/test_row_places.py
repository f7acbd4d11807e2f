"""Every case row names its compound (and its grid for those above the grid): a secretary
covering many compounds must tell which 1栋 is meant."""

import pytest

from linli.cases import services
from linli.conftest import login_as, screenshot

pytestmark = pytest.mark.django_db

FULL = "汉都华府二期 · 1栋 · 1单元 · 101"


@pytest.fixture
def people(city):
    p = city.case_people(())
    services.submit_case(actor=p["resident"], text="楼道里堆满杂物，扶手也坏了", channel="resident",
                         place_id=city.dwelling.pk, category_code="stairwell")
    services.submit_case(actor=p["other_resident"], text="门口路灯坏了", channel="resident",
                         place_id=city.other_dwelling.pk, category_code="stairwell")
    return p


def _where(html: str) -> list[str]:
    import re

    return re.findall(r'<span class="where">([^<]*)</span>', html)


def test_grid_worker_rows_name_the_compound(client, people):
    client.force_login(people["grid_worker"])
    assert _where(client.get("/cases/").content.decode()) == [FULL]


def test_community_rows_name_the_grid_too(client, people):
    client.force_login(people["community_worker"])
    assert sorted(_where(client.get("/cases/").content.decode())) == [
        "第一网格 · " + FULL, "第二网格 · 绿洲路126号大院 · 1栋 · 1单元 · 101"]


def test_the_residents_own_list_and_home_name_the_compound(client, people):
    client.force_login(people["resident"])
    assert _where(client.get("/cases/mine/").content.decode()) == [FULL]
    assert FULL in client.get("/").content.decode()


def test_the_list_query_count_does_not_grow_with_rows(client, city, people, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["community_worker"])
    with CaptureQueriesContext(connection) as before:
        client.get("/cases/")
    for i in range(5):
        services.submit_case(actor=people["resident"], text=f"又一件事情{i}", channel="resident",
                             place_id=city.dwelling.pk, category_code="stairwell")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get("/cases/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_queue_row_on_a_phone_names_grid_and_compound(page, live_server, city):
    p = city.case_people(())
    services.submit_case(actor=p["community_worker"], text="社区门口井盖松动", channel="patrol",
                         place_id=city.building.pk, category_code="manhole")
    login_as(page, live_server, p["street_official"])
    page.goto_path("/cases/")
    assert page.locator("#cases .where").first.inner_text() == "第一网格 · 汉都华府二期 · 1栋"
    screenshot(page, "case-rows-where")

"""The case list in scope: a person's list shows the cases of the places they serve; the
public cases of other places are the separate "公开诉求" view (?public=1 on the page,
public=true in the API). Page and API share one selector (selectors.case_list)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.cases import selectors, services
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.testing import CASE_CAST, DEPARTMENTS, api_headers


@pytest.fixture
def world(city):
    mk = place_services.create_place
    west = mk(actor=SYSTEM, parent_id=city.district.pk, kind_code="street", name="西城街道")
    west_community = mk(actor=SYSTEM, parent_id=west.pk, kind_code="community", name="西门社区")
    people = {
        "official": city.user_with("street_official", at=city.street, name="东城街道干部"),
        "resident": city.user_with("resident", at=city.dwelling, name="东城居民"),
        "west_resident": city.user_with("resident", at=west_community, name="西城居民"),
    }

    def report(who, place, text, *, public):
        return services.submit_case(actor=people[who], text=text, channel="resident", place_id=place.pk,
                                    is_public=public)

    cases = {
        "ours_private": report("resident", city.dwelling, "东城楼道堆放杂物", public=False),
        "ours_public": report("resident", city.dwelling, "东城路灯不亮", public=True),
        "west_public": report("west_resident", west_community, "西城井盖缺失", public=True),
        "west_private": report("west_resident", west_community, "西城邻居噪音", public=False),
    }
    return people, cases


def _texts(html: str) -> set[str]:
    return {t for t in ("东城楼道堆放杂物", "东城路灯不亮", "西城井盖缺失", "西城邻居噪音") if t in html}


def test_the_page_lists_the_street_and_the_public_tab_the_public_cases(client, world):
    people, _cases = world
    client.force_login(people["official"])
    html = client.get("/cases/").content.decode()
    assert _texts(html) == {"东城楼道堆放杂物", "东城路灯不亮"}
    assert "共 2 件" in html and 'id="tab-public"' in html
    html = client.get("/cases/?public=1").content.decode()
    assert _texts(html) == {"东城路灯不亮", "西城井盖缺失"}
    assert "共 2 件" in html
    # Filters work on the public view too, and keep it.
    html = client.get("/cases/?public=1&status=submitted&category=").content.decode()
    assert _texts(html) == {"东城路灯不亮", "西城井盖缺失"}


def test_the_count_reads_no_public_cases_of_other_places(client, world):
    people, _cases = world
    client.force_login(people["official"])
    with CaptureQueriesContext(connection) as ctx:
        client.get("/cases/")
    wheres = [q["sql"].split(" WHERE ", 1)[1] for q in ctx.captured_queries
              if 'FROM "cases_case"' in q["sql"] and " WHERE " in q["sql"]]
    assert len(wheres) == 2, wheres  # the paginator's count and the page
    assert not [w for w in wheres if "is_public" in w], wheres


def test_the_api_uses_the_same_views(client, world):
    people, cases = world
    h = api_headers(people["official"])

    def ids(**params):
        r = client.get("/api/v1/cases", params, **h)
        assert r.status_code == 200, r.content
        return {c["id"] for c in r.json()}

    assert ids() == {cases["ours_private"].pk, cases["ours_public"].pk}
    assert ids(public="true") == {cases["ours_public"].pk, cases["west_public"].pk}
    assert ids(public="true", under=people["official"].roles.get().place_id) == {cases["ours_public"].pk}
    assert ids(status="accepted") == set()
    west = api_headers(people["west_resident"])
    # A resident serves no place: their own reports are `mine`, other people's public cases `public`.
    r = client.get("/api/v1/cases", {"mine": "true"}, **west)
    assert {c["id"] for c in r.json()} == {cases["west_public"].pk, cases["west_private"].pk}
    r = client.get("/api/v1/cases", {"public": "true"}, **west)
    assert {c["id"] for c in r.json()} == {cases["ours_public"].pk, cases["west_public"].pk}
    assert client.get("/api/v1/cases", **west).json() == []


def test_page_and_api_share_the_selector(world):
    people, cases = world
    official = people["official"]
    assert set(selectors.case_list(official)) == {cases["ours_private"], cases["ours_public"]}
    assert set(selectors.case_list(official, public=True)) == {cases["ours_public"], cases["west_public"]}
    assert set(selectors.case_list(people["resident"], mine=True)) == {cases["ours_private"], cases["ours_public"]}
    assert list(selectors.case_list(official, carded=True)) == []


def test_department_staff_list_what_was_referred(city):
    p = city.people(*CASE_CAST, *DEPARTMENTS)
    case = services.submit_case(actor=p["resident"], text="小区门口道路塌陷", channel="resident",
                                place_id=city.dwelling.pk, category_code="road")
    assert list(selectors.case_list(p["zongzhi"])) == []
    services.refer_case(actor=p["community_worker"], case_id=case.pk, organisation_id=p["zongzhi_org"].pk,
                        reason="需要综治协调")
    assert list(selectors.case_list(p["zongzhi"])) == [case]
    assert list(selectors.case_list(p["vet"])) == []


def test_past_the_count_cap_the_list_says_more_than_and_counts_no_further(client, world, monkeypatch):
    """The list's count stops at a cap (core.paging): with the cap at 1, the public view's two
    cases read "more than 1", the list stops at the cap (the newest case), and the count query
    carries a LIMIT."""
    from linli.core import paging

    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 1)
    monkeypatch.setattr(paging.CappedPaginator.__init__, "__kwdefaults__", {"cap": 1})
    people, _cases = world
    client.force_login(people["official"])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/cases/?public=1").content.decode()
    assert "超过 1 件，请用上面的条件缩小范围" in html and "共 2 件" not in html
    assert _texts(html) == {"西城井盖缺失"}
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and "cases_case" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 2" in counts[0]

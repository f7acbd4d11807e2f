"""Place, household, resident and contact-card pages through the Django test client: status
codes, scope (out of scope is a 404 in Chinese), counts a person sees, constant query
counts as rows grow, bad input as 4xx form errors, and the language switch."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.actors import SYSTEM
from linli.core.models import AuditEntry
from linli.places import services as place_services
from linli.testing import next_id_number, next_phone

pytestmark = pytest.mark.django_db

NOT_FOUND = "未找到该记录，或不在您的管辖范围内"


@pytest.fixture
def grid_worker(city):
    return city.user_with("grid_worker", at=city.grid, name="张网格")


@pytest.fixture
def worker_client(client, grid_worker):
    client.force_login(grid_worker)
    return client


def _text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- log-in required


@pytest.mark.parametrize("url", ["/", "/places/{place}/", "/households/{household}/", "/residents/{resident}/"])
def test_pages_need_log_in(client, city, url):
    url = url.format(place=city.grid.pk, household=city.household.pk, resident=city.resident.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_reveal_needs_log_in(client, city):
    response = client.post(f"/residents/{city.resident.pk}/reveal/", {"reason": "入户核实"})
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(kind="resident.unmask").exists()


# ---------------------------------------------------------------- tree


def test_home_lists_the_users_roots_with_counts(worker_client, city):
    response = worker_client.get("/")
    assert response.status_code == 200
    text = _text(response)
    assert "我的辖区" in text and "第一网格" in text
    assert "第二网格" not in text and "石马社区" not in text.split("<main>")[1]
    assert re.search(r'class="n-households">1<', text) and re.search(r'class="n-residents">1<', text)
    assert "独居老人 1" in text
    # the top bar: name, role, place, log-out
    assert "张网格" in text and "网格员 · 第一网格" in text and 'action="/logout/"' in text


def test_home_without_roles_says_so(client, city):
    user = city.user_with("grid_worker", at=city.grid)
    user.roles.all().delete()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "您还没有任何辖区" in _text(response)


def test_place_page_shows_breadcrumbs_counts_children_and_card_link(worker_client, city):
    response = worker_client.get(f"/places/{city.compound.pk}/")
    assert response.status_code == 200
    text = _text(response)
    # names above are shown; only what the user may open is a link
    assert "石马社区" in text and f'href="/places/{city.community.pk}/"' not in text
    assert f'href="/places/{city.grid.pk}/"' in text
    assert "1栋" in text and f'href="/places/{city.building.pk}/"' in text
    assert f'href="/card/{city.compound.pk}/"' in text
    assert "独居老人 1" in text


def test_dwelling_page_lists_its_households(worker_client, city):
    response = worker_client.get(f"/places/{city.dwelling.pk}/")
    assert response.status_code == 200
    text = _text(response)
    assert f'href="/households/{city.household.pk}/"' in text
    assert "户主：李大爷" in text


@pytest.mark.parametrize("url", ["/places/{other_grid}/", "/places/{community}/", "/households/{other_household}/",
                                 "/residents/{other_resident}/", "/places/999999/", "/households/999999/",
                                 "/residents/999999/"])
def test_out_of_scope_is_a_chinese_404(worker_client, city, url):
    url = url.format(other_grid=city.other_grid.pk, community=city.community.pk,
                     other_household=city.other_household.pk, other_resident=city.other_resident.pk)
    response = worker_client.get(url)
    assert response.status_code == 404
    text = _text(response)
    assert "未找到" in text and NOT_FOUND in text
    assert "王云川" not in text and "绿洲路" not in text


def _add_compounds(city, start: int, count: int) -> None:
    """Compounds under the grid, each with a building, a dwelling, a household and two
    residents (one with a care tag)."""
    mk = place_services.create_place
    for i in range(start, start + count):
        compound = mk(actor=SYSTEM, parent_id=city.grid.pk, kind_code="compound", name=f"小区{i}")
        dwelling = mk(actor=SYSTEM, parent_id=compound.pk, kind_code="dwelling", name=f"{i}01")
        hh = place_services.create_household(actor=SYSTEM, dwelling_id=dwelling.pk)
        place_services.create_resident(actor=SYSTEM, household_id=hh.pk, name=f"居民{i}", id_number=next_id_number(),
                                       phone=next_phone(), relation="head", care_tags=["disabled"])
        place_services.create_resident(actor=SYSTEM, household_id=hh.pk, name=f"家属{i}", gender="F",
                                       relation="spouse")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_place_page_query_count_is_constant_as_children_grow(worker_client, city, django_assert_num_queries):
    url = f"/places/{city.grid.pk}/"
    _add_compounds(city, 0, 2)  # 3 children with the city's own compound
    n = _queries(worker_client, url)
    _add_compounds(city, 2, 27)  # 30 children
    with django_assert_num_queries(n):
        response = worker_client.get(url)
    text = _text(response)
    assert text.count('class="row-title"') == 30
    assert re.search(r'class="n-households">30<', text) and re.search(r'class="n-residents">59<', text)
    assert "残疾人 29" in text


def test_home_query_count_is_constant_as_roots_grow(client, city, django_assert_num_queries):
    mk = place_services.create_place
    grids = [mk(actor=SYSTEM, parent_id=city.community.pk, kind_code="grid", name=f"网格{i}") for i in range(30)]
    user = city.user_with("grid_worker", at=grids[0])
    for g in grids[1:3]:
        from linli.accounts import services as account_services
        account_services.assign_role(actor=SYSTEM, user_id=user.pk, role="grid_worker", place_id=g.pk)
    client.force_login(user)
    n = _queries(client, "/")
    from linli.accounts import services as account_services
    for g in grids[3:]:
        account_services.assign_role(actor=SYSTEM, user_id=user.pk, role="grid_worker", place_id=g.pk)
    with django_assert_num_queries(n):
        response = client.get("/")
    assert _text(response).count('class="row-title"') == 30


def test_household_page_query_count_is_constant_as_members_grow(worker_client, city, django_assert_num_queries):
    def add(count):
        for i in range(count):
            place_services.create_resident(actor=SYSTEM, household_id=city.household.pk, name=f"成员{i}",
                                           id_number=next_id_number(), phone=next_phone(), relation="child",
                                           care_tags=["disabled", "low_income"])

    url = f"/households/{city.household.pk}/"
    add(2)
    n = _queries(worker_client, url)
    add(27)
    with django_assert_num_queries(n):
        response = worker_client.get(url)
    assert _text(response).count("data-resident=") == 30


# ---------------------------------------------------------------- household and resident


def test_household_page_shows_dwelling_area_tenure_owners_and_masked_members(worker_client, city):
    place_services.set_dwelling_area(actor=SYSTEM, dwelling_id=city.dwelling.pk, floor_area="89.50")
    place_services.add_owner(actor=SYSTEM, dwelling_id=city.dwelling.pk, owner_id=city.resident.pk)
    response = worker_client.get(f"/households/{city.household.pk}/")
    assert response.status_code == 200
    text = _text(response)
    assert "89.50 ㎡" in text and "自有" in text
    assert re.search(r'id="owners">李大爷', text)
    assert city.resident.id_number_masked in text and city.resident.phone_masked in text
    from linli.core import pii
    assert pii.decrypt(city.resident.id_number_enc) not in text
    assert "户主" in text and re.search(r"\d+ 岁", text)
    assert "独居老人" in text


def test_resident_page_is_masked_with_a_show_button_for_unmaskers(worker_client, city):
    response = worker_client.get(f"/residents/{city.resident.pk}/")
    assert response.status_code == 200
    text = _text(response)
    assert city.resident.id_number_masked in text
    assert "显示完整信息" in text and 'name="reason"' in text
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_building_head_sees_no_show_button_and_cannot_reveal(client, city):
    head = city.user_with("building_head", at=city.building)
    client.force_login(head)
    response = client.get(f"/residents/{city.resident.pk}/")
    assert response.status_code == 200
    assert "显示完整信息" not in _text(response)
    response = client.post(f"/residents/{city.resident.pk}/reveal/", {"reason": "想看看"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "您没有权限执行此操作" in _text(response)
    assert not AuditEntry.objects.filter(kind="resident.unmask").exists()


def test_reveal_without_reason_is_a_400_form_error(worker_client, city):
    response = worker_client.post(f"/residents/{city.resident.pk}/reveal/", {"reason": " "},
                                  HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    text = _text(response)
    assert 'id="reveal-reason-errors"' in text and "请填写查看原因" in text
    assert "<html" not in text  # a fragment for htmx
    assert not AuditEntry.objects.filter(kind="resident.unmask").exists()


def test_reveal_too_long_reason_is_a_400(worker_client, city):
    response = worker_client.post(f"/residents/{city.resident.pk}/reveal/", {"reason": "长" * 201})
    assert response.status_code == 400
    assert "原因不能超过200个字" in _text(response)


def test_reveal_with_reason_shows_full_values_and_is_audited(worker_client, city, grid_worker):
    from linli.core import pii

    full_id = pii.decrypt(city.resident.id_number_enc)
    response = worker_client.post(f"/residents/{city.resident.pk}/reveal/", {"reason": "入户走访核实身份"},
                                  HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = _text(response)
    assert full_id in text and pii.decrypt(city.resident.phone_enc) in text
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(kind="resident.unmask")
    assert entry.actor_id == grid_worker.pk and entry.note == "入户走访核实身份"
    # without htmx the whole page comes back
    response = worker_client.post(f"/residents/{city.resident.pk}/reveal/", {"reason": "再次核实"})
    assert response.status_code == 200 and "<html" in _text(response) and full_id in _text(response)


def test_reveal_out_of_scope_is_a_404(worker_client, city):
    response = worker_client.post(f"/residents/{city.other_resident.pk}/reveal/", {"reason": "入户核实"})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(kind="resident.unmask").exists()


def test_reveal_needs_post(worker_client, city):
    assert worker_client.get(f"/residents/{city.resident.pk}/reveal/").status_code == 405


# ---------------------------------------------------------------- contact card


@pytest.fixture
def card_holders(city):
    phones = {}
    for role, title, name in [("branch_secretary", "党支部书记", "陈书记"), ("owners_committee", "业委会主任", "刘主任"),
                              ("property_manager", "物业经理", "赵经理")]:
        user = city.user_with(role, at=city.compound, title=title, is_lead=True, name=name)
        phones[name] = user.phone
    return phones


def test_contact_card_is_public_with_names_phones_and_qr(client, city, card_holders, settings):
    settings.LINLI_PUBLIC_URL = "https://linli.example.cn"
    response = client.get(f"/card/{city.compound.pk}/")
    assert response.status_code == 200
    text = _text(response)
    assert "连心卡" in text and "汉都华府二期" in text and "石马社区" in text
    for title, name in [("党支部书记", "陈书记"), ("业委会主任", "刘主任"), ("物业经理", "赵经理")]:
        assert title in text and name in text
        assert f'href="tel:{card_holders[name]}"' in text
    assert text.index("陈书记") < text.index("刘主任") < text.index("赵经理")
    assert "<svg" in text and f"https://linli.example.cn/card/{city.compound.pk}/" in text
    assert "退出" not in text  # nobody is logged in


@pytest.mark.parametrize("which", ["grid", "building", "missing"])
def test_contact_card_404_for_non_compounds(client, city, which):
    pk = {"grid": city.grid.pk, "building": city.building.pk, "missing": 999999}[which]
    response = client.get(f"/card/{pk}/")
    assert response.status_code == 404
    assert "未找到该小区" in _text(response)


# ---------------------------------------------------------------- language


def test_language_switch_sets_english(worker_client, city):
    response = worker_client.get(f"/places/{city.grid.pk}/")
    assert '<html lang="zh-Hans">' in _text(response)
    response = worker_client.post("/i18n/setlang/", {"language": "en", "next": f"/places/{city.grid.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/places/{city.grid.pk}/"
    response = worker_client.get(f"/places/{city.grid.pk}/")
    text = _text(response)
    assert '<html lang="en">' in text
    assert 'value="en" lang="en" aria-pressed="true"' in text
    # place kinds and care tags have their own English names
    assert "Grid" in text or "Compound" in text

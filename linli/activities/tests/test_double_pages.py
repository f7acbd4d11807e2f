"""The double-reporting staff pages (views_double): register a partner unit, pair it with
the community or a grid (1+1 / N+1), register an employed party member; every field error
at once next to its field; out of reach is a 404; the pages in English."""

import pytest

from linli.activities import double_reporting as dr
from linli.activities.models import MemberRegistration, Pairing, PartnerUnit
from linli.core.actors import SYSTEM
from linli.core.audit import AuditEntry

pytestmark = pytest.mark.django_db


def page(client, user, url, data=None, **extra):
    client.force_login(user)
    return client.post(url, data, **extra) if data is not None else client.get(url, **extra)




def test_staff_registers_a_unit_and_it_is_linked_from_the_units_page(client, city):
    staff = city.person("community_worker")
    html = page(client, staff, "/activities/units/").content.decode()
    assert 'href="/activities/units/new/"' in html and 'href="/activities/units/members/new/"' in html
    r = page(client, staff, "/activities/units/new/", {"community": city.community.pk, "name": " 县供电公司 ",
                                                       "party_branch": "供电公司党支部", "contact": "李主任"})
    assert r.status_code == 302
    unit = PartnerUnit.objects.get()
    assert (unit.name, unit.community, unit.party_branch, unit.contact) == (
        "县供电公司", city.community, "供电公司党支部", "李主任")
    assert r["Location"] == f"/activities/units/{unit.pk}/"
    assert AuditEntry.objects.filter(kind="activities.register_unit", actor=staff).count() == 1
    html = page(client, staff, "/activities/units/").content.decode()
    assert f'href="/activities/units/{unit.pk}/">县供电公司</a>' in html


def test_unit_form_shows_every_field_error_at_once_then_the_services(client, city):
    staff = city.person("community_worker")
    r = page(client, staff, "/activities/units/new/", {"community": "", "name": "  ", "party_branch": "党" * 101,
                                                       "contact": "人" * 51})
    assert r.status_code == 400
    html = r.content.decode()
    for field in ("community", "name", "party_branch", "contact"):
        assert f'data-testid="{field}-error"' in html, field
    assert "请选择社区" in html and "请填写单位名称" in html
    assert PartnerUnit.objects.count() == 0
    dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县税务局")
    r = page(client, staff, "/activities/units/new/", {"community": city.community.pk, "name": "县税务局"})
    assert r.status_code == 400 and '<span class="field-error" data-testid="name-error">该单位已在本社区登记' in (
        r.content.decode())


def test_pair_with_grid_and_community_n_plus_1_and_errors(client, city):
    staff = city.person("community_worker")
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    other = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县税务局")
    url = f"/activities/units/{unit.pk}/"
    r = page(client, staff, url, {"place": "", "pledges": "", "since": "明天"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "请选择结对的社区或网格" in html and "请填写共建承诺" in html and "请填写正确的日期" in html
    assert Pairing.objects.count() == 0
    r = page(client, staff, url, {"place": city.grid.pk, "pledges": "每季度入户走访", "since": "2026-03-01"})
    assert r.status_code == 302
    r = page(client, staff, url, {"place": city.community.pk, "pledges": "共建党课", "since": "2026-04-01"})
    assert r.status_code == 302
    # N+1: a second unit on the same grid
    assert page(client, staff, f"/activities/units/{other.pk}/", {"place": city.grid.pk, "pledges": "义诊",
                                                                   "since": "2026-05-01"}).status_code == 302
    assert sorted((p.unit.name, p.place.name, str(p.since)) for p in Pairing.objects.select_related("unit", "place")) == [
        ("县供电公司", "石马社区", "2026-04-01"), ("县供电公司", "第一网格", "2026-03-01"), ("县税务局", "第一网格", "2026-05-01")]
    r = page(client, staff, url, {"place": city.grid.pk, "pledges": "再来一次", "since": "2026-06-01"})
    assert r.status_code == 400 and '<span class="field-error" data-testid="place-error">该单位已与此处结对' in (
        r.content.decode())
    html = page(client, staff, url).content.decode()
    assert "第一网格 · 自 2026-03-01" in html and "每季度入户走访" in html


def test_grid_worker_registers_a_member_every_error_at_once(client, city):
    staff = city.person("community_worker")
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    r = page(client, staff, "/activities/units/members/new/", {"grid": "", "name": "", "unit": "999999",
                                                               "party_branch": ""})
    assert r.status_code == 400
    html = r.content.decode()
    for field in ("grid", "name", "unit", "party_branch"):
        assert f'data-testid="{field}-error"' in html, field
    assert "请选择服务网格" in html and "请填写姓名" in html and "请填写所在党支部" in html
    r = page(client, staff, "/activities/units/members/new/", {"grid": city.grid.pk, "name": "赵党员",
                                                               "unit": unit.pk, "party_branch": "供电公司第一党支部"})
    assert r.status_code == 302 and r["Location"] == f"/activities/units/{unit.pk}/"
    m = MemberRegistration.objects.get()
    assert (m.name, m.unit, m.grid, m.party_branch, m.person) == ("赵党员", unit, city.grid, "供电公司第一党支部", None)
    assert "赵党员 · 第一网格" in page(client, staff, f"/activities/units/{unit.pk}/").content.decode()
    # a grid worker registers for their own grid, without a unit; another grid is not offered
    worker = city.person("grid_worker")
    r = page(client, worker, "/activities/units/members/new/", {"grid": city.other_grid.pk, "name": "钱党员",
                                                                "unit": "", "party_branch": "某党支部"})
    assert r.status_code == 400 and 'data-testid="grid-error"' in r.content.decode()
    r = page(client, worker, "/activities/units/members/new/", {"grid": city.grid.pk, "name": "钱党员",
                                                                "unit": "", "party_branch": "某党支部"})
    assert r.status_code == 302
    assert MemberRegistration.objects.filter(name="钱党员", grid=city.grid, unit=None).count() == 1


def test_out_of_reach_is_404(client, city):
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    other_worker = city.person("other_grid_worker")
    assert page(client, other_worker, f"/activities/units/{unit.pk}/").status_code == 404
    r = page(client, other_worker, f"/activities/units/{unit.pk}/", {"place": city.other_grid.pk, "pledges": "x",
                                                                     "since": "2026-03-01"})
    assert r.status_code == 404 and Pairing.objects.count() == 0
    # a grid worker reaches no community: their unit form offers none and refuses a posted one
    r = page(client, other_worker, "/activities/units/new/", {"community": city.community.pk, "name": "某公司"})
    assert r.status_code == 400 and PartnerUnit.objects.count() == 1
    resident = city.person("resident")
    for url in ("/activities/units/new/", "/activities/units/members/new/", f"/activities/units/{unit.pk}/"):
        assert page(client, resident, url).status_code == 404, url
    assert page(client, resident, "/activities/units/members/new/", {"grid": city.grid.pk, "name": "孙",
                                                                     "party_branch": "x"}).status_code == 404
    assert MemberRegistration.objects.count() == 0


def test_pages_in_english(client, city, english):
    staff = city.person("community_worker")
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    html = page(client, staff, "/activities/units/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Register a partner unit" in html and "Back to partner units" in html
    html = page(client, staff, "/activities/units/new/", {"community": "", "name": ""},
                HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Choose the community" in html
    html = page(client, staff, f"/activities/units/{unit.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not paired yet." in html and "Pair with the community or a grid" in html
    html = page(client, staff, "/activities/units/members/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Register a party member" in html and "(unit not registered)" in html
    assert "登记" not in html

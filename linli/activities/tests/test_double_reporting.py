"""Double reporting: units pair with grids, members register, posts are claimed up to
their head count, and the unit's quarterly report (page and xlsx)."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from linli.activities import double_reporting as dr
from linli.activities import services
from linli.activities.models import Participation
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Invalid

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def test_units_pair_members_register_posts_fill(city, residents):
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司", party_branch="供电公司党支部")
    with pytest.raises(Conflict):
        dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    dr.pair(actor=SYSTEM, unit_id=unit.pk, place_id=city.grid.pk, pledges="每季度组织一次入户走访")
    other = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县税务局")
    dr.pair(actor=SYSTEM, unit_id=other.pk, place_id=city.grid.pk)  # N+1: two units on one grid
    from linli.places import services as place_services

    elsewhere = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="外社区")
    far_grid = place_services.create_place(actor=SYSTEM, parent_id=elsewhere.pk, kind_code="grid", name="外网格")
    with pytest.raises(Invalid):
        dr.pair(actor=SYSTEM, unit_id=unit.pk, place_id=far_grid.pk)
    m1 = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="居民0", unit_id=unit.pk,
                            person_id=residents[0].pk)
    m2 = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="赵党员", unit_id=unit.pk)
    with pytest.raises(Conflict):
        dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="居民0", person_id=residents[0].pk)
    post = dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk, title="独居老人结对帮扶", head_count=2)
    dr.claim_post(actor=SYSTEM, post_id=post.pk, member_id=m1.pk)
    with pytest.raises(Conflict) as err:
        dr.claim_post(actor=SYSTEM, post_id=post.pk, member_id=m1.pk)
    assert err.value.code == "already_claimed"
    dr.claim_post(actor=SYSTEM, post_id=post.pk, unit_id=other.pk)
    with pytest.raises(Conflict) as err:
        dr.claim_post(actor=SYSTEM, post_id=post.pk, member_id=m2.pk)
    assert err.value.code == "post_full"


def test_quarterly_report_page_and_xlsx(client, city, residents, organiser):
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="居民0", unit_id=unit.pk, person_id=residents[0].pk)
    a = make_activity(city, capacity=5)
    p = services.sign_up(actor=residents[0], activity_id=a.pk)
    Participation.objects.filter(pk=p.pk).update(status="attended", verified_minutes=90)
    start = timezone.now() - timedelta(hours=3)
    type(a).objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    today = timezone.localdate()
    q = (today.month - 1) // 3 + 1
    client.force_login(organiser)
    page = client.get(f"/activities/units/{unit.pk}/report/?year={today.year}&quarter={q}").content.decode()
    assert "居民0" in page and "1.5" in page
    assert "县供电公司" in client.get("/activities/units/").content.decode()
    response = client.get(f"/activities/units/{unit.pk}/report/?year={today.year}&quarter={q}&format=xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][:6] == ("居民0", None, "第一网格", 1, 1.5, 0)
    client.force_login(residents[1])
    assert client.get(f"/activities/units/{unit.pk}/report/").status_code == 404

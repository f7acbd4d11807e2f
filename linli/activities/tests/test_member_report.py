"""The quarterly service report per registered party member (issue 14 §3): itemised
activities, hours by hand and posts for one quarter, hand-computed; the printable page,
the xlsx read back, the links from the unit report and the members list, scope, English,
and a constant number of queries."""

import datetime as dt
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from linli.activities import double_reporting as dr
from linli.activities import selectors, services
from linli.activities.models import Activity, Participation, PostClaim
from linli.core.actors import SYSTEM
from linli.testing import same_queries

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def attend(city, person, *, at, minutes, title):
    a = make_activity(city, capacity=5)
    Activity.objects.filter(pk=a.pk).update(title=title)
    p = services.sign_up(actor=person, activity_id=a.pk)
    Activity.objects.filter(pk=a.pk).update(starts_at=at, ends_at=at + timedelta(hours=2))
    Participation.objects.filter(pk=p.pk).update(status="attended", verified_minutes=minutes)
    return a


@pytest.fixture
def setup(city, residents, organiser):
    """Member 居民0 of 县供电公司, this quarter: two activities attended (90 + 45 minutes),
    one signed up but not attended, 15 minutes by hand, two posts claimed (one done); and
    just outside it: an activity a minute before the quarter (60), 120 minutes by hand the
    day before, a post claimed in the last quarter."""
    today = timezone.localdate()
    year, q = today.year, (today.month - 1) // 3 + 1
    since, _ = selectors.quarter_bounds(year, q)
    me = residents[0]
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    member = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="居民0", unit_id=unit.pk, person_id=me.pk,
                                party_branch="供电公司党支部")
    attend(city, me, at=since, minutes=90, title="入户走访独居老人")
    attend(city, me, at=timezone.now() - timedelta(hours=3), minutes=45, title="楼道清扫")
    attend(city, me, at=since - timedelta(minutes=1), minutes=60, title="上季度义诊")
    services.sign_up(actor=me, activity_id=make_activity(city, capacity=5, starts_in=timedelta(days=1)).pk)
    services.add_manual_hours(actor=organiser, person_id=me.pk, community_id=city.community.pk, minutes=15,
                              served_on=since.date(), reason="协助疫苗接种登记")
    services.add_manual_hours(actor=organiser, person_id=me.pk, community_id=city.community.pk, minutes=120,
                              served_on=since.date() - dt.timedelta(days=1), reason="上季度防汛值守")
    done = dr.claim_post(actor=SYSTEM, post_id=dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk,
                                                               title="独居老人结对帮扶", head_count=2).pk,
                         member_id=member.pk)
    dr.complete_claim(actor=organiser, claim_id=done.pk)
    dr.claim_post(actor=SYSTEM, post_id=dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk, title="文明劝导",
                                                        head_count=2).pk, member_id=member.pk)
    old = dr.claim_post(actor=SYSTEM, post_id=dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk, title="旧岗位",
                                                              head_count=2).pk, member_id=member.pk)
    PostClaim.objects.filter(pk=old.pk).update(claimed_at=since - timedelta(minutes=1))
    return {"member": member, "unit": unit, "year": year, "q": q, "since": since}


def test_hand_computed_figures(setup):
    s = setup
    r = selectors.member_quarterly_report(s["member"], year=s["year"], quarter=s["q"])
    assert [(a["title"], a["minutes"]) for a in r["activities"]] == [("入户走访独居老人", 90), ("楼道清扫", 45)]
    assert r["activities"][0]["date"] == s["since"].date()
    assert [(h["date"], h["minutes"], h["reason"]) for h in r["manual"]] == [(s["since"].date(), 15, "协助疫苗接种登记")]
    assert [(c["post"], c["done_on"] is not None) for c in r["claims"]] == [("独居老人结对帮扶", True), ("文明劝导", False)]
    assert (r["activity_minutes"], r["manual_minutes"], r["hours"]) == (135, 15, 2.5)  # (90+45+15)/60
    assert (r["posts_claimed"], r["posts_done"]) == (2, 1)
    unit = selectors.quarterly_report(s["unit"], year=s["year"], quarter=s["q"])
    assert [(x["activities"], x["hours"], x["posts"]) for x in unit["rows"]] == [(2, 2.5, 2)]  # hours by hand too


def test_page_links_and_xlsx(client, setup, organiser):
    s = setup
    client.force_login(organiser)
    url = f"/activities/members/{s['member'].pk}/report/?year={s['year']}&quarter={s['q']}"
    page = client.get(url).content.decode()
    assert "入户走访独居老人" in page and "协助疫苗接种登记" in page and "上季度义诊" not in page
    assert "上季度防汛值守" not in page and "旧岗位" not in page and "2.5" in page and "window.print()" in page
    unit_page = client.get(f"/activities/units/{s['unit'].pk}/report/?year={s['year']}&quarter={s['q']}")
    assert url in unit_page.content.decode()
    members = client.get(f"/activities/members/?year={s['year']}").content.decode()
    assert f"/activities/members/{s['member'].pk}/report/?year={s['year']}" in members
    response = client.get(url + "&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [r for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    rows = [tuple(c for c in r if c is not None) for r in rows]
    assert rows[1][:2] == ("工作单位", "县供电公司")
    acts = [r for r in rows if len(r) == 4 and r[1] in ("入户走访独居老人", "楼道清扫", "上季度义诊")]
    assert [(r[0].date(), r[1], r[3]) for r in acts][0] == (s["since"].date(), "入户走访独居老人", 90)
    assert [r[1] for r in acts] == ["入户走访独居老人", "楼道清扫"]
    assert (s["since"].replace(tzinfo=None), 15, "协助疫苗接种登记") in [r for r in rows if len(r) == 3]
    claims = [r for r in rows if len(r) >= 3 and r[1] in ("独居老人结对帮扶", "文明劝导", "旧岗位")]
    assert [(r[1], len(r)) for r in claims] == [("独居老人结对帮扶", 4), ("文明劝导", 3)]  # done date only on the first
    assert ("服务时长（小时）", 2.5) in rows and ("认领岗位", 2) in rows and ("已完成岗位", 1) in rows
    unit_rows = list(load_workbook(io.BytesIO(client.get(
        f"/activities/units/{s['unit'].pk}/report/?year={s['year']}&quarter={s['q']}&format=xlsx").content))
        .active.iter_rows(values_only=True))
    assert unit_rows[2][:6] == ("居民0", "供电公司党支部", "第一网格", 2, 2.5, 2)


def test_out_of_scope_is_404(client, city, setup):
    url = f"/activities/members/{setup['member'].pk}/report/"
    client.force_login(city.person("resident"))
    assert client.get(url).status_code == 404
    assert client.get(url + "?format=xlsx").status_code == 404
    client.force_login(city.person("community_worker"))
    assert client.get(url).status_code == 200
    assert client.get("/activities/members/999999/report/").status_code == 404


def test_english_page(client, setup, organiser, english):  # noqa: F811
    client.force_login(organiser)
    client.cookies["django_language"] = "en"
    page = client.get(f"/activities/members/{setup['member'].pk}/report/?year={setup['year']}&quarter={setup['q']}",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"居民0: community service report, Q{setup['q']} {setup['year']}" in page
    assert "Verified minutes" in page and "Employer" in page and "2 activities, 2.5 hours of service" in page


def test_constant_queries(client, city, residents, setup, organiser):
    s = setup
    client.force_login(organiser)
    url = f"/activities/members/{s['member'].pk}/report/?year={s['year']}&quarter={s['q']}"

    def grow():
        me = residents[0]
        for i in range(3):
            attend(city, me, at=s["since"] + timedelta(hours=i + 1), minutes=30, title=f"加活动{i}")
            services.add_manual_hours(actor=organiser, person_id=me.pk, community_id=city.community.pk, minutes=10,
                                      served_on=s["since"].date(), reason=f"加{i}")
            dr.claim_post(actor=SYSTEM, post_id=dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk,
                                                                title=f"加岗位{i}", head_count=1).pk,
                          member_id=s["member"].pk)

    for fmt in ("", "&format=xlsx"):
        response = same_queries(lambda: client.get(url + fmt), grow if not fmt else lambda: None)
        assert response.status_code == 200
    assert "加活动2" in client.get(url).content.decode()

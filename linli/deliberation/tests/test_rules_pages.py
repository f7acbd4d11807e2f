"""The rules of procedure page, the resident's "my sign-ins" page and the new-meeting page's
invitations, in Chinese and in English."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.accounts.models import Organisation
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Meeting, ProcedureRules
from linli.deliberation.translations_en import TRANSLATIONS
from linli.testing import app_english

from .estate import Estate

pytestmark = pytest.mark.django_db
RULES = "/deliberation/rules/"


@pytest.fixture
def english():
    with app_english(TRANSLATIONS):
        yield


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "90"), ("102", "90")], "2栋": [("101", "90")]})


def test_staff_set_a_compounds_rules_fixing_field_errors(client, city, estate):
    worker = city.user_with("community_worker", at=city.community)
    client.force_login(worker)
    page = client.get(f"{RULES}?place={estate.compound.pk}").content.decode()
    assert "本地点及上级均未制定，按默认规则执行。" in page and "议题附议满 5 人即待上会" in page
    assert "业主大会须提前 7 天通知" in page and 'name="owners_notice_days" id="rules-owners_notice_days" value="7"' in page
    r = client.post(RULES, {"place_id": estate.compound.pk, "support_threshold": "0", "owners_notice_days": "7",
                            "other_notice_days": "0", "assembly_quorum_num": "3", "assembly_quorum_den": "5"})
    page = r.content.decode()
    assert r.status_code == 400 and not ProcedureRules.objects.exists()
    # Each message under its own field, and the values typed kept.
    assert 'data-field="support_threshold"' in page and "附议门槛须在 1 到 1000 人之间" in page
    assert "到会门槛不能低于《民法典》第二百七十八条规定的三分之二" in page
    assert 'id="rules-assembly_quorum_num-errors"' in page and 'value="3"' in page
    r = client.post(RULES, {"place_id": estate.compound.pk, "support_threshold": "3", "owners_notice_days": "10",
                            "other_notice_days": "1", "assembly_quorum_num": "3", "assembly_quorum_den": "4"})
    assert r.status_code == 302
    page = client.get(r.url).content.decode()
    assert "本地点已制定议事规则。" in page and "3/4 以上（严于法定）" in page and "议题附议满 3 人即待上会" in page
    # The grid above shows the defaults; a building is not offered.
    grid = client.get(f"{RULES}?place={city.grid.pk}").content.decode()
    assert "议题附议满 5 人即待上会" in grid and estate.buildings["1栋"].name + "（" not in grid


def test_a_place_below_follows_its_ancestor_and_who_may_open_the_page(client, city, estate):
    secretary = city.user_with("community_secretary", at=city.community)
    client.force_login(secretary)
    client.post(RULES, {"place_id": city.community.pk, "support_threshold": "12", "owners_notice_days": "15",
                        "other_notice_days": "2"})
    page = client.get(f"{RULES}?place={estate.compound.pk}").content.decode()
    assert f"本地点未单独制定，沿用{city.community.name}的议事规则。" in page and "议题附议满 12 人即待上会" in page
    client.force_login(city.user_with("grid_worker", at=city.grid))
    assert client.get(RULES).status_code == 403
    client.force_login(estate.user(estate.person("居民", "1栋-101")))
    assert client.get(RULES).status_code == 403
    client.force_login(city.user_with("community_worker", at=city.other_grid))
    assert client.get(f"{RULES}?place={estate.compound.pk}").status_code == 404


def test_the_rules_page_in_english(client, city, estate, english):
    client.force_login(city.user_with("street_official", at=city.street))
    page = client.get(f"{RULES}?place={estate.compound.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rules of procedure" in page and "A topic with 5 supporters is to be scheduled" in page
    assert "Neither this place nor those above it have rules: the defaults apply." in page
    r = client.post(RULES, {"place_id": estate.compound.pk, "support_threshold": "5", "owners_notice_days": "7",
                            "other_notice_days": "0", "assembly_quorum_num": "1", "assembly_quorum_den": "2"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert "The quorum cannot be lower than the two thirds of Civil Code art. 278" in r.content.decode()


def _signed_meeting(worker, estate, resident, *, title, method, days_ago):
    m = sm.create_meeting(actor=worker, place_id=estate.compound.pk, kind="courtyard", title=title,
                          starts_at=timezone.now())
    sm.publish_meeting_notice(actor=worker, meeting_id=m.pk)
    when = timezone.now() - dt.timedelta(days=days_ago)
    Meeting.objects.filter(pk=m.pk).update(starts_at=when)
    sm.sign_in(actor=worker, meeting_id=m.pk, resident_id=resident.pk, method=method,
               nonce=f"mine-{m.pk}-{method}", scanned_at=when)
    return m


def test_my_sign_ins_lists_where_when_how_and_whats_coming(client, city, estate, english):
    worker = city.user_with("community_worker", at=city.community)
    me = estate.person("张阿姨", "1栋-101")
    estate.own(me, "1栋-101")
    neighbour = estate.person("李叔", "2栋-101")
    _signed_meeting(worker, estate, me, title="楼道堆物院坝会", method="qr", days_ago=20)
    both = _signed_meeting(worker, estate, me, title="停车议事会", method="list", days_ago=3)
    sm.sign_in(actor=worker, meeting_id=both.pk, resident_id=me.pk, method="qr", nonce="mine-again-0001",
               scanned_at=timezone.now() - dt.timedelta(days=3, minutes=-5))
    _signed_meeting(worker, estate, neighbour, title="别人的会", method="qr", days_ago=1)
    upcoming = sm.create_meeting(actor=worker, place_id=estate.compound.pk, kind="owners", title="业主大会",
                                 owners_invited=True, starts_at=timezone.now() + dt.timedelta(days=9))
    sm.publish_meeting_notice(actor=worker, meeting_id=upcoming.pk)
    not_mine = sm.create_meeting(actor=worker, place_id=estate.compound.pk, kind="owners", title="2栋业主会",
                                 owners_invited=True, owner_building_ids=[estate.buildings["2栋"].pk],
                                 starts_at=timezone.now() + dt.timedelta(days=9))
    sm.publish_meeting_notice(actor=worker, meeting_id=not_mine.pk)
    client.force_login(estate.user(me))
    home = client.get("/deliberation/").content.decode()
    assert 'href="/deliberation/meetings/mine/"' in home and "我的会议签到" in home
    page = client.get("/deliberation/meetings/mine/").content.decode()
    mine = page[page.index('data-testid="my-sign-ins"'):]
    assert mine.index("停车议事会") < mine.index("楼道堆物院坝会")  # latest first
    assert "名单签到、扫码签到" in mine and "扫码签到" in mine and mine.count("1栋") == 2
    assert "别人的会" not in page
    coming = page[page.index('data-testid="upcoming-meetings"'):page.index('data-testid="my-sign-ins"')]
    assert "业主大会" in coming and "2栋业主会" not in coming
    en = client.get("/deliberation/meetings/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My meeting sign-ins" in en and "Ticked on the list" in en and "Upcoming meetings I am invited to" in en
    # Nobody else's sign-ins: the neighbour's page has only their own meeting.
    client.force_login(estate.user(neighbour))
    other = client.get("/deliberation/meetings/mine/").content.decode()
    assert "别人的会" in other and "停车议事会" not in other


def test_the_new_meeting_page_invites_owners_of_a_building_and_an_organisation(client, city, estate):
    worker = city.user_with("community_worker", at=city.community)
    company = Organisation.objects.create(kind="property_company", name="金穗物业")
    client.force_login(worker)
    page = client.get("/deliberation/meetings/new/").content.decode()
    assert "邀请业主（含不在此居住的业主）" in page and "金穗物业" in page and "2栋" in page
    form = {"kind": "owners", "place_id": estate.compound.pk, "title": "2栋加装电梯业主会",
            "starts_at": (timezone.localtime() + dt.timedelta(days=8)).strftime("%Y-%m-%dT%H:%M"),
            "owner_building": [estate.buildings["2栋"].pk], "organisation": [company.pk]}
    r = client.post("/deliberation/meetings/new/", form)
    assert r.status_code == 400 and "选择了楼栋，请同时勾选邀请业主" in r.content.decode()
    r = client.post("/deliberation/meetings/new/", {**form, "invite_owners": "1"})
    assert r.status_code == 302
    m = Meeting.objects.get(title="2栋加装电梯业主会")
    assert m.owners_invited and list(m.owner_buildings.all()) == [estate.buildings["2栋"]]
    assert list(m.invited_organisations.all()) == [company] and not m.invited.exists()
    # Publishing too late is refused on the page with the dates.
    soon = sm.create_meeting(actor=worker, place_id=estate.compound.pk, kind="owners", title="急会",
                             starts_at=timezone.now() + dt.timedelta(days=2))
    r = client.post(f"/deliberation/meetings/{soon.pk}/", {"action": "notice"})
    earliest = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert r.status_code == 400 and "须至少提前 7 天通知" in r.content.decode() and earliest in r.content.decode()

"""Who a meeting invites: named households, owners (of chosen buildings or the whole place, the
developer's unsold dwellings excepted), the staff of invited organisations, else everyone living
under the place. The notice's recipients (`invitees`), `is_invited`, the home page's and the
API's invited meetings and the notice in each inbox all give the same answer, person by person."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.accounts import services as account_services
from linli.accounts.models import Organisation, User
from linli.core.actors import SYSTEM
from linli.core.errors import Invalid
from linli.deliberation import selectors_meetings
from linli.deliberation import services_meetings as sm
from linli.notify.models import Notification
from linli.places import services as place_services
from linli.testing import api_headers, next_phone, same_queries

from .estate import Estate

pytestmark = pytest.mark.django_db


class Cast:
    def __init__(self, city):
        self.estate = e = Estate(city, {"1栋": [("101", "90"), ("102", "90")], "2栋": [("101", "90"), ("102", "90")]})
        self.worker = city.user_with("community_worker", at=city.community, name="社区干事")
        self.owner = e.person("住户业主", "1栋-101")          # lives in and owns 1栋-101
        e.own(self.owner, "1栋-101")
        self.tenant = e.person("租户", "1栋-102", relation="tenant")  # lives in 1栋-102, owns nothing
        self.far = city.resident                            # lives in another compound, owns 1栋-102
        e.own(self.far, "1栋-102")
        self.owner2 = e.person("二栋业主", "2栋-101")
        e.own(self.owner2, "2栋-101")
        self.developer = e.person("开发商代表", "2栋-102")    # 2栋-102 is the developer's, unsold
        e.own(self.developer, "2栋-102")
        e.title("2栋-102", developer_unsold=True)
        self.outsider = city.other_resident                 # lives in the grid beside
        self.company = Organisation.objects.create(kind="property_company", name="金穗物业")
        self.partner = Organisation.objects.create(kind="partner_unit", name="区供电公司")
        self.manager = self._staff("物业经理小王", "property_manager", e.compound, self.company)
        self.partner_staff = self._staff("共建单位小李", "volunteer", city.community, self.partner)
        self.users = {"owner": e.user(self.owner), "tenant": e.user(self.tenant), "far": e.user(self.far),
                      "owner2": e.user(self.owner2), "developer": e.user(self.developer),
                      "outsider": e.user(self.outsider), "manager": self.manager, "partner": self.partner_staff}

    def _staff(self, name, role, at, organisation):
        u = account_services.create_user(actor=SYSTEM, display_name=name, phone=next_phone())
        account_services.assign_role(actor=SYSTEM, user_id=u.pk, role=role, place_id=at.pk,
                                     organisation_id=organisation.pk)
        return User.objects.get(pk=u.pk)

    def meeting(self, title, kind="courtyard", **invite):
        m = sm.create_meeting(actor=self.worker, place_id=self.estate.compound.pk, kind=kind, title=title,
                              starts_at=timezone.now() + dt.timedelta(days=8), **invite)
        sm.publish_meeting_notice(actor=self.worker, meeting_id=m.pk)
        return m


@pytest.fixture
def cast(city):
    return Cast(city)


# Written out by hand: who each meeting invites.
EXPECTED = {
    "nobody named": {"owner", "tenant", "owner2", "developer"},
    "a household": {"tenant"},
    "owners": {"owner", "far", "owner2"},
    "owners of 2栋": {"owner2"},
    "an organisation": {"manager"},
    "owners of 1栋, a household, an organisation": {"owner", "far", "owner2", "manager"},
}


def test_the_notice_the_rule_the_home_page_and_the_api_agree_for_everyone(client, cast):
    e = cast.estate
    hh_1_102 = cast.tenant.household_id
    meetings = {
        "nobody named": cast.meeting("院坝会"),
        "a household": cast.meeting("住户协商会", household_ids=[hh_1_102]),
        "owners": cast.meeting("业主大会", kind="owners", owners_invited=True),
        "owners of 2栋": cast.meeting("2栋业主会", kind="owners", owners_invited=True,
                                     owner_building_ids=[e.buildings["2栋"].pk]),
        "an organisation": cast.meeting("物业联席会", kind="joint", organisation_ids=[cast.company.pk]),
        "owners of 1栋, a household, an organisation": cast.meeting(
            "联席会", kind="joint", owners_invited=True, owner_building_ids=[e.buildings["1栋"].pk],
            household_ids=[cast.owner2.household_id], organisation_ids=[cast.company.pk]),
    }
    for key, m in meetings.items():
        expected = {who for who in EXPECTED[key]}
        by_notice = {who for who, u in cast.users.items() if sm.invitees(m).filter(pk=u.pk).exists()}
        by_rule = {who for who, u in cast.users.items()
                   if sm.is_invited(m, getattr(u, "resident", None), user=u)}
        by_resident = {who for who, u in cast.users.items()
                       if u.resident_id and sm.is_invited(m, u.resident)}
        by_home = {who for who, u in cast.users.items()
                   if m.pk in {x.pk for x in selectors_meetings.invited_meetings(u, limit=50)}}
        inbox = {who for who, u in cast.users.items()
                 if Notification.objects.filter(recipient=u, kind="meeting_notice",
                                                url=f"/deliberation/meetings/{m.pk}/").exists()}
        assert by_notice == by_rule == by_home == inbox == expected, key
        assert by_resident == expected - {"manager", "partner"}, key
    # The API's list of one person's invitations is the same rule.
    for who in ("far", "manager", "tenant"):
        r = client.get("/api/v1/meetings/invited", **api_headers(cast.users[who]))
        assert r.status_code == 200
        got = {x["title"] for x in r.json()}
        assert got == {meetings[k].title for k, people in EXPECTED.items() if who in people}, who


def test_an_invited_organisations_staff_open_the_meeting_from_their_notice(client, cast, city):
    # A department whose jurisdiction is the grid beside: the compound is outside its reach.
    clerk = city.user_with("department_staff", at=city.other_grid, name="供电所小李")
    org = Organisation.objects.get(staff__user=clerk)
    m = cast.meeting("供电线路改造联席会", kind="joint", organisation_ids=[org.pk])
    other = cast.meeting("院坝会")
    client.force_login(clerk)
    assert client.get(f"/deliberation/meetings/{m.pk}/").status_code == 200
    assert client.get(f"/deliberation/meetings/{other.pk}/").status_code == 403
    assert Notification.objects.filter(recipient=clerk, kind="meeting_notice").count() == 1


def test_refused_invitations_name_their_field(cast, city):
    from linli.places.models import Place

    elsewhere = place_services.create_place(actor=SYSTEM, parent_id=city.other_grid.pk, kind_code="compound",
                                            name="别的小区")
    b = place_services.create_place(actor=SYSTEM, parent_id=elsewhere.pk, kind_code="building", name="9栋")
    cases = [
        ({"owners_invited": True, "owner_building_ids": [b.pk]}, "owner_building_ids"),
        ({"owners_invited": True, "owner_building_ids": [cast.estate.compound.pk]}, "owner_building_ids"),
        ({"owner_building_ids": [cast.estate.buildings["1栋"].pk]}, "owners_invited"),
        ({"organisation_ids": [999999]}, "organisation_ids"),
    ]
    for invite, field in cases:
        with pytest.raises(Invalid) as exc:
            sm.create_meeting(actor=cast.worker, place_id=cast.estate.compound.pk, kind="joint", title="会",
                              starts_at=timezone.now() + dt.timedelta(days=3), **invite)
        assert [x["field"] for x in exc.value.as_list()] == [field], invite
    assert Place.objects.filter(pk=b.pk).exists()


def test_the_api_sets_a_meeting_up_with_owners_and_organisations(client, cast):
    r = client.post("/api/v1/meetings", data={
        "place_id": cast.estate.compound.pk, "kind": "owners", "title": "2栋业主会",
        "starts_at": (timezone.now() + dt.timedelta(days=10)).isoformat(), "owners_invited": True,
        "owner_building_ids": [cast.estate.buildings["2栋"].pk], "organisation_ids": [cast.company.pk]},
        content_type="application/json", **api_headers(cast.worker))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["owners_invited"] is True and body["invitees"] == 2  # 二栋业主 and the property manager
    r = client.post("/api/v1/meetings", data={
        "place_id": cast.estate.compound.pk, "kind": "owners", "title": "错",
        "starts_at": timezone.now().isoformat(), "owner_building_ids": [cast.estate.buildings["2栋"].pk]},
        content_type="application/json", **api_headers(cast.worker))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "owners_invited"


def test_invited_meetings_read_in_constant_queries(cast):
    far = cast.users["far"]
    cast.meeting("业主大会1", kind="owners", owners_invited=True)

    def grow():
        for i in range(5):
            cast.meeting(f"会{i}", kind="joint", owners_invited=True, organisation_ids=[cast.company.pk])

    got = same_queries(lambda: selectors_meetings.invited_meetings(User.objects.get(pk=far.pk), limit=50), grow)
    assert len(got) == 6


def test_an_invited_owner_living_elsewhere_is_on_the_tick_list(client, cast):
    owners_meeting = cast.meeting("业主协商会", kind="joint", owners_invited=True)
    courtyard = cast.meeting("院坝会")
    client.force_login(cast.worker)
    page = client.get(f"/deliberation/meetings/{owners_meeting.pk}/").content.decode()
    assert f'name="resident" value="{cast.far.pk}"' in page and f'value="{cast.tenant.pk}"' in page
    assert f'name="resident" value="{cast.far.pk}"' not in client.get(
        f"/deliberation/meetings/{courtyard.pk}/").content.decode()
    client.post(f"/deliberation/meetings/{owners_meeting.pk}/", {"action": "tick", "resident": [cast.far.pk]})
    assert owners_meeting.attendance.filter(resident=cast.far).exists()

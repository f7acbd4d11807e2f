"""The volunteer, team, member-evaluation and post pages: who reaches them, what they show
(masked data; a phone unmasked only through the audited reveal), constant queries, and the
top teams and units on the figures page computed by hand."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import double_reporting as dr
from linli.activities import selectors, services, volunteers
from linli.activities.models import Activity, MemberEvaluation, Participation, PostClaim, Team, VolunteerProfile
from linli.core.actors import SYSTEM
from linli.core.audit import AuditEntry
from linli.places import services as place_services
from linli.testing import next_id_number, next_phone, queries, same_queries

pytestmark = pytest.mark.django_db


def page(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data) if data is not None else client.get(url)


def test_resident_fills_their_profile_field_errors_next_to_fields(client, city):
    me = city.person("resident")
    r = page(client, me, "/activities/volunteer/", {"skills_note": "", "is_active": "on"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "请至少选择一项特长或填写其他特长" in html and "请至少选择一个可服务时段" in html
    r = page(client, me, "/activities/volunteer/", {"skills": ["medical", "tutoring"], "skills_note": "会修自行车",
                                                     "availability": ["weekend_morning"], "is_active": "on"})
    assert r.status_code == 302
    p = VolunteerProfile.objects.get(person=me)
    assert (p.skill_codes, p.slot_codes, p.skills_note) == (["medical", "tutoring"], ["weekend_morning"], "会修自行车")
    html = page(client, me, "/activities/volunteer/").content.decode()
    assert "医疗护理、课业辅导、会修自行车 · 周末上午" in html


def _volunteer_with_record(city, name, dwelling):
    """A resident with a resident record and an account linked to it, with a profile."""
    from linli.accounts import services as accounts

    household = place_services.create_household(actor=SYSTEM, dwelling_id=dwelling.pk)
    phone = next_phone()
    resident = place_services.create_resident(actor=SYSTEM, household_id=household.pk, name=name,
                                              id_number=next_id_number(), phone=phone, relation="head")
    user = accounts.create_user(actor=SYSTEM, display_name=name, resident=resident)
    accounts.assign_role(actor=SYSTEM, user_id=user.pk, role="resident", place_id=dwelling.pk)
    from linli.accounts.models import User

    user = User.objects.get(pk=user.pk)
    volunteers.save_profile(actor=user, skills=["medical"], availability=["weekend_morning"])
    return user, resident, phone


def test_staff_search_shows_masked_phones_and_reveal_is_audited(client, city):
    user, resident, phone = _volunteer_with_record(city, "张医生", city.dwelling)
    staff = city.person("grid_worker")
    html = page(client, staff, "/activities/volunteers/?skill=medical&slot=weekend_morning").content.decode()
    assert "张医生" in html and resident.phone_masked in html and phone not in html
    assert "张医生" not in page(client, staff, "/activities/volunteers/?skill=legal").content.decode()
    profile = VolunteerProfile.objects.get(person=user)
    r = page(client, staff, f"/activities/volunteers/{profile.pk}/phone/", {"reason": "联系义诊排班"})
    assert r.status_code == 200 and phone in r.content.decode()
    entry = AuditEntry.objects.get(kind="resident.unmask")
    assert (entry.actor_id, entry.note) == (staff.pk, "联系义诊排班")
    r = page(client, staff, f"/activities/volunteers/{profile.pk}/phone/", {"reason": ""})
    assert r.status_code == 302 and AuditEntry.objects.filter(kind="resident.unmask").count() == 1
    # outside their reach, or without volunteer.manage: not found
    assert page(client, city.person("other_grid_worker"), f"/activities/volunteers/{profile.pk}/phone/",
                {"reason": "越界查看"}).status_code == 302
    assert AuditEntry.objects.filter(kind="resident.unmask").count() == 1
    assert page(client, city.person("resident"), "/activities/volunteers/").status_code == 404


def test_volunteer_search_in_constant_queries(client, city):
    staff = city.person("community_worker")
    client.force_login(staff)
    made = iter(range(100))

    def grow():
        for _i in range(5):
            u, _r, _p = _volunteer_with_record(city, f"志愿者{next(made)}", city.dwelling)
            t = Team.objects.first() or volunteers.create_team(actor=SYSTEM, community_id=city.community.pk,
                                                               name="志愿服务队", kind="volunteer")
            volunteers.join_team(actor=u, team_id=t.pk)

    grow()
    same_queries(lambda: client.get("/activities/volunteers/"), grow)
    assert client.get("/activities/volunteers/").content.decode().count("志愿服务队") == 10


def test_team_pages_join_lead_and_the_leader_publishes(client, city):
    staff = city.person("community_worker")
    r = page(client, staff, "/activities/teams/", {"community": city.community.pk, "name": "", "kind": "dance"})
    assert r.status_code == 400 and "请填写队伍名称" in r.content.decode()
    r = page(client, staff, "/activities/teams/", {"community": city.community.pk, "name": "夕阳红舞蹈队",
                                                    "kind": "dance"})
    team = Team.objects.get(name="夕阳红舞蹈队")
    me = city.person("resident")
    html = page(client, me, f"/activities/teams/{team.pk}/").content.decode()
    assert 'id="join-team"' in html and 'id="team-new-activity"' not in html
    page(client, me, f"/activities/teams/{team.pk}/join/", {})
    m = team.members.get(person=me)
    assert page(client, me, f"/activities/teams/{team.pk}/new/").status_code == 404
    page(client, me, f"/activities/teams/{team.pk}/lead/", {"membership": m.pk})  # not theirs to do
    m.refresh_from_db()
    assert not m.is_leader
    page(client, staff, f"/activities/teams/{team.pk}/lead/", {"membership": m.pk})
    m.refresh_from_db()
    assert m.is_leader
    html = page(client, me, f"/activities/teams/{team.pk}/").content.decode()
    assert "您是本队队长" in html and 'id="team-new-activity"' in html
    start = timezone.localtime() + timedelta(days=2)
    r = page(client, me, f"/activities/teams/{team.pk}/new/", {
        "place": city.compound.pk, "kind": "culture", "title": "广场舞排练", "venue": "小区广场",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 20, "points": 5, "service_minutes": 0, "description": ""})
    a = Activity.objects.get(title="广场舞排练")
    assert r.status_code == 302 and r["Location"] == f"/activities/{a.pk}/manage/"
    assert (a.team_id, a.organiser_name) == (team.pk, "夕阳红舞蹈队")
    assert page(client, me, f"/activities/{a.pk}/manage/").status_code == 200
    assert page(client, me, f"/activities/{a.pk}/scan/").status_code == 200
    other = city.person("other_resident")
    assert page(client, other, f"/activities/{a.pk}/manage/").status_code == 404


def test_members_page_evaluate_and_the_member_sees_it(client, city):
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    me = city.person("resident")
    member = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="李大爷", unit_id=unit.pk, person_id=me.pk)
    dr.register_member(actor=SYSTEM, grid_id=city.other_grid.pk, name="王党员", unit_id=unit.pk)
    staff = city.person("grid_worker")
    html = page(client, staff, "/activities/members/").content.decode()
    assert "李大爷" in html and "王党员" not in html and "未评价" in html  # the other grid is beside
    year = timezone.localdate().year
    url = f"/activities/members/{member.pk}/evaluate/?year={year}"
    r = page(client, staff, url, {"year": year, "grade": "good", "comment": ""})
    assert r.status_code == 400 and "请填写社区评语" in r.content.decode()
    r = page(client, staff, url, {"year": year, "grade": "good", "comment": "按时参加网格服务"})
    assert r.status_code == 302
    r = page(client, staff, url, {"year": year, "grade": "excellent", "comment": "按时参加网格服务", "reason": ""})
    assert r.status_code == 400 and "更改评价等次须填写理由" in r.content.decode()
    r = page(client, staff, url, {"year": year, "grade": "excellent", "comment": "带头服务", "reason": "补记入户走访"})
    html = page(client, staff, url).content.decode()
    assert "— → 合格" in html and "合格 → 优秀 · 补记入户走访" in html
    html = page(client, staff, "/activities/members/").content.decode()
    assert f'data-testid="grade-{member.pk}">优秀' in html
    html = page(client, me, "/activities/evaluations/mine/").content.decode()
    assert "带头服务" in html and f'data-testid="grade-{year}">优秀' in html
    assert "带头服务" not in page(client, city.person("neighbour"), "/activities/evaluations/mine/").content.decode()
    assert page(client, city.person("other_grid_worker"), url).status_code == 404
    assert MemberEvaluation.objects.count() == 1


def test_members_page_in_constant_queries(client, city):
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    client.force_login(city.person("community_worker"))
    n = iter(range(100))

    def grow():
        for _i in range(5):
            u = city.user_with("resident", at=city.dwelling)
            m = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name=f"党员{next(n)}", unit_id=unit.pk,
                                   person_id=u.pk)
            dr.evaluate_member(actor=SYSTEM, member_id=m.pk, year=timezone.localdate().year, grade="good",
                               comment="积极")

    grow()
    same_queries(lambda: client.get("/activities/members/"), grow)


def test_posts_pages_claimed_against_planned_done_and_phone_claims(client, city):
    staff = city.person("grid_worker")
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    liaison = city.person("neighbour")
    type(unit).objects.filter(pk=unit.pk).update(liaison=liaison)
    me = city.person("resident")
    dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="李大爷", unit_id=unit.pk, person_id=me.pk)
    r = page(client, staff, "/activities/posts/", {"grid": city.grid.pk, "title": "环境整治志愿岗", "head_count": 3})
    assert r.status_code == 302
    post = type(unit).objects.model._meta.apps.get_model("activities", "Post").objects.get(title="环境整治志愿岗")
    # the member and the unit's liaison claim on their phones
    html = page(client, me, "/activities/posts/claim/").content.decode()
    assert "环境整治志愿岗" in html and "余 3 个" in html
    page(client, me, f"/activities/posts/{post.pk}/claim/", {"as": "member"})
    page(client, liaison, f"/activities/posts/{post.pk}/claim/", {"as": str(unit.pk)})
    assert PostClaim.objects.filter(post=post).count() == 2
    html = page(client, liaison, "/activities/posts/claim/").content.decode()
    assert "余 1 个" in html and "县供电公司 · 已认领" in html
    # staff: claimed against planned per grid, then one marked done
    html = page(client, staff, "/activities/posts/").content.decode()
    assert f'data-testid="planned-{city.grid.pk}">3<' in html and f'data-testid="claimed-{city.grid.pk}">2<' in html
    claim = PostClaim.objects.get(post=post, member__isnull=False)
    page(client, staff, f"/activities/claims/{claim.pk}/done/", {})
    html = page(client, staff, f"/activities/posts/{post.pk}/").content.decode()
    assert "向劲松 于" in html and "已完成 1" in html
    assert f'data-testid="done-{city.grid.pk}">1<' in page(client, staff, "/activities/posts/").content.decode()
    assert "李大爷" not in page(client, city.person("other_grid_worker"), "/activities/posts/").content.decode()
    assert page(client, me, "/activities/posts/").status_code == 404
    html = page(client, me, "/activities/posts/claim/").content.decode()
    assert "我 · 已完成" in html


# ---------------------------------------------------------------- figures, by hand


def test_top_teams_and_units_by_hand(client, city):
    """Two teams, two units. By hand:
    舞蹈队: 3 attendances (60 + 60 + 30 = 150 min); 合唱团: 2 attendances (120 + 120 = 240 min);
    a community activity (no team) 1 attendance is not a team's; an activity 200 days ago is out.
    Units: 供电公司's member attended 60 (舞蹈队) + 120 (合唱团) = 180 min, claims: unit 1 + member 1 = 2 (1 done);
    税务局's member attended 30 min, claims 1 by the unit."""
    dance = volunteers.create_team(actor=SYSTEM, community_id=city.community.pk, name="舞蹈队", kind="dance")
    choir = volunteers.create_team(actor=SYSTEM, community_id=city.community.pk, name="合唱团", kind="choir")
    people = [city.user_with("resident", at=city.dwelling, name=f"居民{i}") for i in range(4)]
    power = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    tax = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县税务局")
    m0 = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="居民0", unit_id=power.pk, person_id=people[0].pk)
    dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="居民1", unit_id=tax.pk, person_id=people[1].pk)

    def held(team, days_ago, minutes_by_person):
        start = timezone.now() - timedelta(days=days_ago)
        a = services.create_activity(actor=SYSTEM, place_id=city.community.pk, kind="culture", title="排练",
                                     starts_at=start, ends_at=start + timedelta(hours=2),
                                     team_id=team.pk if team else None)
        for person, minutes in minutes_by_person:
            Participation.objects.create(activity=a, person=person, path=a.path, status="attended",
                                         queued_at=start, verified_minutes=minutes)

    held(dance, 10, [(people[0], 60), (people[2], 60)])
    held(dance, 5, [(people[1], 30)])
    held(choir, 3, [(people[0], 120), (people[3], 120)])
    held(None, 2, [(people[2], 600)])
    held(choir, 200, [(people[1], 900)])
    post = dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk, title="环境整治志愿岗", head_count=5)
    dr.claim_post(actor=SYSTEM, post_id=post.pk, unit_id=power.pk)
    c = dr.claim_post(actor=SYSTEM, post_id=post.pk, member_id=m0.pk)
    dr.claim_post(actor=SYSTEM, post_id=post.pk, unit_id=tax.pk)
    dr.complete_claim(actor=SYSTEM, claim_id=c.pk)

    since, until = timezone.now() - timedelta(days=90), timezone.now()
    with queries(exactly=1):
        teams = selectors.top_teams(under=city.community.path, since=since, until=until)
    assert [(r["name"], r["attended"], r["minutes"]) for r in teams["by_attendance"]] == [
        ("舞蹈队", 3, 150), ("合唱团", 2, 240)]
    assert [r["name"] for r in teams["by_hours"]] == ["合唱团", "舞蹈队"]
    with queries(exactly=3):
        units = selectors.top_units(under=city.community.path, since=since, until=until)
    assert [(r["name"], r["minutes"], r["people"]) for r in units["by_hours"]] == [
        ("县供电公司", 180 + 0, 1), ("县税务局", 30, 1)]
    assert [(r["name"], r["claimed"], r["done"]) for r in units["by_posts"]] == [("县供电公司", 2, 1), ("县税务局", 1, 0)]
    # the other grid's place sees none of it
    assert selectors.top_teams(under=city.other_grid.path, since=since, until=until)["by_attendance"] == []

    html = page(client, city.person("community_worker"), f"/activities/figures/?under={city.community.pk}&days=90"
                ).content.decode()
    assert "<td>舞蹈队</td><td>3</td><td>2.5</td>" in html and "<td>合唱团</td><td>4.0</td><td>2</td>" in html
    assert 'data-testid="posts-done">1<' in html and "3/5" in html
    assert "<td>县供电公司</td><td>3.0</td><td>1</td>" in html and "<td>县供电公司</td><td>2</td><td>1</td>" in html


def test_posts_and_teams_pages_in_constant_queries(client, city):
    staff = city.person("community_worker")
    client.force_login(staff)
    n = iter(range(100))

    def grow():
        for _i in range(5):
            i = next(n)
            post = dr.publish_post(actor=SYSTEM, grid_id=(city.grid if i % 2 else city.other_grid).pk,
                                   title=f"岗位{i}", head_count=3)
            m = dr.register_member(actor=SYSTEM, grid_id=post.grid_id, name=f"党员{i}")
            c = dr.claim_post(actor=SYSTEM, post_id=post.pk, member_id=m.pk)
            dr.complete_claim(actor=SYSTEM, claim_id=c.pk)
            t = volunteers.create_team(actor=SYSTEM, community_id=city.community.pk, name=f"队伍{i}", kind="other")
            volunteers.join_team(actor=SYSTEM, team_id=t.pk, person=city.user_with("resident", at=city.dwelling),
                                 leader=True)

    grow()
    for url in ("/activities/posts/", "/activities/teams/", "/activities/units/"):
        same_queries(lambda url=url: client.get(url), grow)
    html = client.get("/activities/posts/").content.decode()
    assert f'data-testid="planned-{city.grid.pk}">{3 * 10}<' in html  # 20 posts, half on each grid, 3 each
    assert f'data-testid="done-{city.other_grid.pk}">10<' in html


def test_staff_name_a_units_liaison_by_mobile_who_then_claims_for_it(client, city):
    from linli.accounts.models import User

    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    post = dr.publish_post(actor=SYSTEM, grid_id=city.grid.pk, title="消防安全宣传", head_count=2)
    liaison = city.user_with("resident", at=city.other_dwelling, name="供电公司小王")
    mobile = User.objects.get(pk=liaison.pk).phone
    staff = city.person("community_worker")
    page(client, staff, "/activities/units/liaison/", {"unit": unit.pk, "phone": "13999999999"})
    assert type(unit).objects.get(pk=unit.pk).liaison_id is None
    page(client, staff, "/activities/units/liaison/", {"unit": unit.pk, "phone": mobile})
    html = page(client, staff, "/activities/units/").content.decode()
    assert f"供电公司小王 {liaison.phone_masked}" in html and mobile not in html
    assert AuditEntry.objects.filter(kind="activities.set_unit_liaison").count() == 1
    page(client, city.person("resident"), "/activities/units/liaison/", {"unit": unit.pk, "phone": ""})
    assert type(unit).objects.get(pk=unit.pk).liaison_id == liaison.pk  # not theirs to change
    page(client, liaison, f"/activities/posts/{post.pk}/claim/", {"as": str(unit.pk)})
    assert PostClaim.objects.get(post=post).unit_id == unit.pk

"""On phones in real Chromium: a resident fills in their volunteer profile and joins the
dance troupe; staff make them its leader; the leader publishes the team's activity, scans a
neighbour in and verifies the hours; staff evaluate the resident as a registered party
member, and the member finds the notice in their inbox and the evaluation on their page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import double_reporting as dr
from linli.activities import services, volunteers
from linli.activities.models import Activity, MemberEvaluation, Participation, TeamMember, VolunteerProfile
from linli.conftest import screenshot
from linli.core.actors import SYSTEM
from linli.testing import block_the_outside

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_profile_team_leader_runs_activity_staff_evaluates_member_sees_it(city, phone):
    me, neighbour, staff = city.person("resident"), city.person("neighbour"), city.person("community_worker")
    team = volunteers.create_team(actor=SYSTEM, community_id=city.community.pk, name="夕阳红舞蹈队", kind="dance")

    # the resident fills in a profile: the empty form says what is missing, next to each field
    pg = phone(me)
    outside = block_the_outside(pg)
    pg.goto_path("/activities/mine/")
    pg.click("#my-profile")
    pg.click("#save-profile")
    assert pg.get_by_test_id("skills-error").inner_text() == "请至少选择一项特长或填写其他特长"
    assert pg.get_by_test_id("availability-error").inner_text() == "请至少选择一个可服务时段"
    pg.get_by_label("文艺特长").check()
    pg.get_by_label("助老服务").check()
    pg.get_by_label("周末上午").check()
    pg.get_by_label("工作日晚上").check()
    pg.click("#save-profile")
    assert "志愿者档案已保存" in pg.locator(".messages").inner_text()
    assert pg.get_by_test_id("profile-summary").inner_text() == "文艺特长、助老服务 · 工作日晚上、周末上午"
    screenshot(pg, "volunteer-profile")
    assert VolunteerProfile.objects.get(person=me).skill_codes == ["arts", "elderly_care"]

    # … and joins the dance troupe
    pg.get_by_role("link", name="社区队伍").click()
    pg.get_by_role("link", name="夕阳红舞蹈队").click()
    pg.click("#join-team")
    assert pg.get_by_test_id("my-membership").inner_text() == "您是本队队员"
    assert pg.locator("#team-new-activity").count() == 0

    # staff make them the leader on their own phone
    st = phone(staff)
    st.goto_path(f"/activities/teams/{team.pk}/")
    st.get_by_test_id(f"lead-{me.pk}").click()
    assert "已设为队长" in st.locator(".messages").inner_text()
    screenshot(st, "team-staff")

    # the leader publishes the team's activity …
    pg.reload()
    assert pg.get_by_test_id("my-membership").inner_text() == "您是本队队长"
    pg.click("#team-new-activity")
    start = timezone.localtime() + timedelta(days=1)
    pg.select_option("#id_place", str(city.community.pk))
    pg.select_option("#id_kind", "culture")
    pg.fill("#id_title", "广场舞排练")
    pg.fill("#id_venue", "党群服务中心舞蹈室")
    pg.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    pg.fill("#id_ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    pg.fill("#id_capacity", "20")
    pg.fill("#id_service_minutes", "90")
    pg.get_by_role("button", name="发布", exact=True).click()
    a = Activity.objects.get(title="广场舞排练")
    assert (a.team_id, a.organiser_name) == (team.pk, "夕阳红舞蹈队")
    assert pg.url.endswith(f"/activities/{a.pk}/manage/")
    screenshot(pg, "team-activity-manage")

    # … a neighbour signs up; at the start the leader scans them in …
    p = services.sign_up(actor=neighbour, activity_id=a.pk)
    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timedelta(minutes=5),
                                            ends_at=timezone.now() + timedelta(hours=1))
    pg.goto_path(f"/activities/{a.pk}/scan/")
    pg.fill("#ticket-input", services.ticket_for(p))
    pg.click("#add-scan")
    pg.wait_for_function("document.getElementById('queued').textContent === '0'", timeout=45000)
    assert pg.locator("#results").inner_text().strip() == "李大妈 · 签到成功"
    # … and after the end verifies their hours
    Activity.objects.filter(pk=a.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    pg.goto_path(f"/activities/{a.pk}/manage/")
    pg.get_by_test_id(f"verify-{p.pk}").click()
    assert "90 分钟" in pg.locator("#participants").inner_text()
    assert Participation.objects.get(pk=p.pk).hours_verified_by_id == me.pk

    # staff evaluate the resident as a registered party member
    unit = dr.register_unit(actor=SYSTEM, community_id=city.community.pk, name="县供电公司")
    member = dr.register_member(actor=SYSTEM, grid_id=city.grid.pk, name="李大爷", unit_id=unit.pk, person_id=me.pk)
    st.goto_path("/activities/members/")
    assert st.get_by_test_id(f"grade-{member.pk}").inner_text() == "未评价"
    st.get_by_role("link", name="李大爷").click()
    st.get_by_label("优秀").check()
    st.click("#save-evaluation")
    assert "请填写社区评语" in st.get_by_test_id("comment-error").inner_text()
    st.get_by_label("优秀").check()
    st.fill("#id_comment", "带队组织广场舞排练，热心服务邻里")
    st.click("#save-evaluation")
    assert "年度评价已保存" in st.locator(".messages").inner_text()
    assert st.get_by_test_id("current-grade").inner_text() == "优秀"
    screenshot(st, "member-evaluation")
    assert MemberEvaluation.objects.get(member=member).grade == "excellent"

    # the member: a notice in the inbox, the evaluation on their page
    year = timezone.localdate().year
    pg.goto_path("/notices/")
    assert f"社区已完成您 {year} 年度的报到服务评价" in pg.locator("main").inner_text()
    pg.goto_path("/activities/mine/")
    pg.click("#my-evaluations-link")
    assert pg.get_by_test_id(f"grade-{year}").inner_text() == "优秀"
    assert pg.get_by_test_id(f"comment-{year}").inner_text() == "带队组织广场舞排练，热心服务邻里"
    screenshot(pg, "my-evaluation")
    assert TeamMember.objects.get(team=team, person=me).is_leader
    assert outside == []

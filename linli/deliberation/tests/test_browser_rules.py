"""On a phone: the community worker sets a compound's rules of procedure (a quorum looser than
the law refused under its field, then a stricter one saved); the convener's quorum panel then
says it follows the compound's rules; the owner finds the assembly under "my sign-ins" and, once
signed in, the sign-in itself."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.conftest import screenshot
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Meeting

from .estate import Estate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rules_then_the_assembly_panel_and_my_sign_ins_on_phones(city, phone):
    estate = Estate(city, {"1栋": [("101", "100.00"), ("102", "100.00"), ("103", "100.00")],
                           "2栋": [("101", "100.00")]})
    owners = estate.owners_each()
    worker = city.user_with("community_worker", at=city.community, name="社区干事")

    w = phone(worker)
    w.goto_path(f"/deliberation/rules/?place={estate.compound.pk}")
    expect(w.get_by_test_id("rules-source")).to_contain_text("按默认规则执行")
    w.fill("input[name=assembly_quorum_num]", "3")
    w.fill("input[name=assembly_quorum_den]", "5")
    w.get_by_role("button", name="保存议事规则").click()
    expect(w.locator("[data-field=assembly_quorum_num] .errorlist")).to_have_text(
        "到会门槛不能低于《民法典》第二百七十八条规定的三分之二")
    screenshot(w, "rules-error")
    w.fill("input[name=assembly_quorum_num]", "4")
    w.fill("input[name=assembly_quorum_den]", "5")
    w.get_by_role("button", name="保存议事规则").click()
    expect(w.get_by_test_id("rules-source")).to_contain_text("本地点已制定议事规则。")
    expect(w.get_by_test_id("rules-now")).to_contain_text("4/5 以上（严于法定）")
    screenshot(w, "rules-saved")

    meeting = sm.create_meeting(actor=worker, place_id=estate.compound.pk, kind="owners", title="金穗苑业主大会",
                                owners_invited=True, starts_at=timezone.now() + dt.timedelta(days=7),
                                venue="小区中心广场")
    sm.publish_meeting_notice(actor=worker, meeting_id=meeting.pk)

    me = phone(estate.user(owners["1栋-101"]))
    me.goto_path("/deliberation/")
    me.get_by_test_id("my-sign-ins-link").click()
    expect(me.get_by_test_id("upcoming-meetings")).to_contain_text("金穗苑业主大会")
    expect(me.get_by_test_id("my-sign-ins")).to_contain_text("您还没有在会议上签到过")

    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())  # seven days on: the day
    for i, k in enumerate(("1栋-101", "1栋-102", "1栋-103")):
        sm.sign_in(actor=worker, meeting_id=meeting.pk, resident_id=owners[k].pk, method="qr" if i else "list",
                   nonce=f"browser-rules-{i:04d}")
    w.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    expect(w.get_by_test_id("quorum-rule")).to_contain_text("按金穗苑议事规则")
    expect(w.get_by_test_id("quorum-verdict")).to_have_text("到会业主尚未达到议事规则要求的比例")
    expect(w.get_by_test_id("quorum-heads")).to_contain_text("还差 1 人")
    screenshot(w, "assembly-quorum-compound-rules")

    me.goto_path("/deliberation/meetings/mine/")
    expect(me.get_by_test_id("my-sign-ins")).to_contain_text("金穗苑业主大会")
    expect(me.get_by_test_id("my-sign-ins")).to_contain_text("名单签到")
    expect(me.get_by_test_id("my-sign-ins")).to_contain_text("1栋")
    screenshot(me, "my-sign-ins")

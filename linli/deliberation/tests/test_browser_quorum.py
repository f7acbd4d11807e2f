"""An owners' assembly's sign-in on the convener's phone: ticking owners on the sheet moves the
quorum panel (owners and exclusive area against two thirds, what is still missing) until it is
reached; the printable sheet shows the same; an owner's phone shows the meeting without the
panel."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.conftest import screenshot
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Meeting

from .estate import Estate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tick(pg, *names):
    pg.locator("summary", has_text="签到表（打勾）").click()
    for name in names:
        pg.get_by_label(name).check()
    pg.get_by_role("button", name="保存签到").click()


def test_the_quorum_panel_follows_the_ticks_on_a_phone(city, phone):
    estate = Estate(city, {"1栋": [("101", "120.00"), ("102", "60.00")], "2栋": [("101", "90.00")]})
    owners = estate.owners_each()  # 业主1 120 m², 业主2 60 m², 业主3 90 m²: 270 m², two thirds 180 m²
    convener = city.user_with("community_worker", at=city.community, name="社区干事")
    meeting = sm.create_meeting(actor=convener, place_id=estate.compound.pk, kind="owners",
                                title="金穗苑业主大会", starts_at=timezone.now() + dt.timedelta(days=7),
                                venue="小区中心广场")
    sm.publish_meeting_notice(actor=convener, meeting_id=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now())  # seven days later: the day

    c = phone(convener)
    c.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    expect(c.get_by_test_id("quorum-verdict")).to_have_text("到会业主尚未达到法定比例")
    expect(c.get_by_test_id("quorum-heads")).to_contain_text("还差 2 人")
    expect(c.get_by_test_id("quorum-area")).to_contain_text("还差 180.00 ㎡")

    tick(c, "业主2", "业主3")  # 2 of 3 owners, but 150 of 270 m²
    expect(c.get_by_test_id("attendance")).to_have_text("已签到 2 人")
    expect(c.get_by_test_id("quorum-heads")).to_contain_text("已达到")
    expect(c.get_by_test_id("quorum-area")).to_contain_text("还差 30.00 ㎡")
    expect(c.get_by_test_id("quorum-buildings")).to_contain_text("60.00 / 180.00")
    screenshot(c, "assembly-quorum-short")

    tick(c, "业主1")
    expect(c.get_by_test_id("quorum-verdict")).to_have_text("到会业主已达法定比例")
    expect(c.get_by_test_id("quorum-area")).to_contain_text("270.00")
    screenshot(c, "assembly-quorum-met")

    c.get_by_role("link", name="打印签到表").click()
    expect(c.get_by_test_id("quorum-verdict")).to_have_text("到会业主已达法定比例")
    expect(c.get_by_test_id("sheet").locator("tbody tr")).to_have_count(3)
    screenshot(c, "assembly-sign-in-sheet")

    o = phone(estate.user(owners["1栋-102"]))
    o.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    expect(o.locator("h1")).to_have_text("金穗苑业主大会")
    expect(o.get_by_test_id("quorum")).to_have_count(0)

"""One resident's journey on a phone in real Chromium, across the people it meets: sign up →
wait → the one holding the place cancels on her phone → the offer lands in the resident's
inbox → confirm → checked in by the organiser's scanner while the organiser's phone is
offline (network cut and restored) → the organiser finds the activity in their list and
verifies the hours → points → redeem in the points shop → the code scanned by the
volunteer at the shop's counter. Each step asserts what the person sees; screenshots under
artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.activities.models import Activity, Participation
from linli.conftest import screenshot
from linli.core.actors import SYSTEM
from linli.points import services as points
from linli.testing import block_the_outside

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_wait_offer_offline_check_in_hours_points_redeem_counter(city, phone):
    organiser = city.user_with("community_worker", at=city.community, name="社区干事")
    first = city.user_with("resident", at=city.dwelling, name="张阿姨")
    me = city.user_with("resident", at=city.dwelling, name="李大爷")
    counter = city.user_with("volunteer", at=city.community, name="超市志愿者")  # staffs the shop's counter
    for trigger, each in (("attended", 5), ("service_hour", 10)):
        points.save_rule(actor=SYSTEM, community_id=city.community.pk, trigger=trigger, name=f"规则{trigger}",
                         points=each)
    good = points.create_good(actor=SYSTEM, community_id=city.community.pk, name="石榴红洗衣液", price=12, stock=1,
                              donor="县供电公司")
    start = timezone.now() + timedelta(days=1)
    a = services.create_activity(actor=SYSTEM, place_id=city.community.pk, kind="volunteer", title="楼道清洁志愿服务",
                                 starts_at=start, ends_at=start + timedelta(hours=2), capacity=1, points=5,
                                 service_minutes=60)
    held = services.sign_up(actor=first, activity_id=a.pk)

    pg = phone(me)
    outside = block_the_outside(pg)
    pg.goto_path(f"/activities/{a.pk}/")
    pg.click("#signup")
    assert pg.get_by_test_id("my-status").inner_text() == "候补中"
    assert "前面还有 0 人" in pg.locator("#my-status").inner_text()
    screenshot(pg, "activity-waiting")

    # the one holding the place cancels on her own phone: the place is offered to the next in line
    her = phone(first)
    her.goto_path(f"/activities/{a.pk}/")
    assert her.get_by_test_id("my-status").inner_text() == "已确认"
    her.get_by_role("button", name="取消报名").click()
    assert her.get_by_test_id("my-status").count() == 0 and her.locator("#signup").count() == 1
    assert Participation.objects.get(pk=held.pk).status == "cancelled"

    # the offer lands in the resident's inbox, with its deadline, and leads to the activity
    pg.goto_path("/notices/")
    notice = pg.locator("#notices li.unread")
    assert notice.count() == 1
    assert "「楼道清洁志愿服务」有空余名额，请在" in notice.inner_text() and "前确认" in notice.inner_text()
    screenshot(pg, "inbox-offer")
    notice.locator("button").click()
    pg.wait_for_url(f"**/activities/{a.pk}/")
    assert pg.get_by_test_id("my-status").inner_text() == "候补递补待确认"
    pg.click("#accept")
    assert pg.get_by_test_id("my-status").inner_text() == "已确认"
    pg.wait_for_selector("#ticket svg")  # the QR code is drawn (by a deferred script)
    assert pg.locator("#ticket svg").count() == 1
    ticket = pg.get_by_test_id("ticket").inner_text()
    screenshot(pg, "activity-ticket")

    # the activity begins; the organiser scans at the courtyard with no network
    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timedelta(minutes=5),
                                            ends_at=timezone.now() + timedelta(hours=1))
    org = phone(organiser)
    org.goto_path(f"/activities/{a.pk}/scan/")
    assert org.get_by_test_id("net").inner_text() == "在线"
    org.context.set_offline(True)
    org.evaluate("window.dispatchEvent(new Event('offline'))")
    org.fill("#ticket-input", ticket)
    org.click("#add-scan")
    assert org.get_by_test_id("queued").inner_text() == "1"
    assert "离线" in org.get_by_test_id("net").inner_text()
    screenshot(org, "scanner-offline")
    assert Participation.objects.get(person=me).status == "confirmed"  # nothing arrived yet
    org.context.set_offline(False)
    org.evaluate("window.dispatchEvent(new Event('online'))")
    org.wait_for_function("document.getElementById('queued').textContent === '0'", timeout=45000)
    assert org.locator("#results").inner_text().strip() == "李大爷 · 签到成功"  # the queued line became the answer
    screenshot(org, "scanner-uploaded")
    assert Participation.objects.get(person=me).status == "attended"

    # the activity ends; the organiser finds it among the activities they organise and
    # verifies the hours of the one who attended
    Activity.objects.filter(pk=a.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    p = Participation.objects.get(person=me)
    org.goto_path("/activities/")
    org.locator("#organising").get_by_text("楼道清洁志愿服务").click()
    org.wait_for_url(f"**/activities/{a.pk}/manage/")
    row = org.locator("#participants tr", has_text="李大爷")
    assert "已签到" in row.inner_text()
    screenshot(org, "organiser-hours-to-verify")
    org.get_by_test_id(f"verify-{p.pk}").click()
    assert "60 分钟" in org.locator("#participants").inner_text()

    pg.goto_path("/activities/mine/")
    assert pg.get_by_test_id("hours").inner_text() == "1.0"
    pg.goto_path("/points/")
    assert pg.get_by_test_id(f"balance-{city.community.pk}").inner_text() == "15"  # 5 attending + 1 hour × 10
    screenshot(pg, "points-balance")

    pg.goto_path("/points/shop/")
    pg.get_by_test_id(f"redeem-{good.pk}").click()
    assert "兑换成功" in pg.locator(".messages").inner_text()
    code = pg.get_by_test_id("code").inner_text()
    screenshot(pg, "shop-code")

    # the volunteer at the shop's counter scans the code
    desk = phone(counter)
    desk.goto_path("/points/counter/")
    desk.fill("#code", code)
    desk.click("#claim")
    assert "已核销：石榴红洗衣液" in desk.get_by_test_id("claimed").inner_text()
    screenshot(desk, "counter-claimed")
    pg.reload()
    assert pg.get_by_test_id("redemption-status").inner_text() == "已领取"
    pg.goto_path("/points/")
    assert pg.get_by_test_id(f"balance-{city.community.pk}").inner_text() == "3"
    assert outside == []

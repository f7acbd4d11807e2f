"""A resident and an organiser on their phones, following what lands in each one's inbox and
to-do: sign up → checked in by the organiser's scanner → the organiser's home lists the hours
to verify → verified (the item leaves the organiser's home; the resident is told) → points
credited (told) → redeem (told the code and the date it is held until) → handed over at the
counter (told). Screenshots under artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.activities.models import Activity, Participation
from linli.conftest import screenshot
from linli.core.actors import SYSTEM
from linli.notify.models import Notification
from linli.points import services as points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _notices(pg) -> list[str]:
    pg.goto_path("/notices/")
    return [t.strip() for t in pg.locator("#notices li").all_inner_texts()]


def test_hours_points_and_shop_notices_and_the_organisers_to_do(city, phone):
    organiser = city.user_with("community_worker", at=city.community, name="社区干事")
    me = city.user_with("resident", at=city.dwelling, name="李大爷")
    counter = city.user_with("volunteer", at=city.community, name="超市志愿者")
    points.save_rule(actor=SYSTEM, community_id=city.community.pk, trigger="service_hour", name="志愿服务每小时",
                     points=10)
    good = points.create_good(actor=SYSTEM, community_id=city.community.pk, name="石榴红洗衣液", price=10, stock=3)
    start = timezone.now() + timedelta(days=1)
    a = services.create_activity(actor=SYSTEM, place_id=city.community.pk, kind="volunteer", title="楼道清洁志愿服务",
                                 starts_at=start, ends_at=start + timedelta(hours=2), capacity=5, service_minutes=60)

    pg = phone(me)
    pg.goto_path(f"/activities/{a.pk}/")
    pg.click("#signup")
    assert pg.get_by_test_id("my-status").inner_text() == "已确认"
    pg.wait_for_selector("#ticket svg")
    ticket = pg.get_by_test_id("ticket").inner_text()

    # The organiser's home has nothing to verify before anyone attended.
    org = phone(organiser)
    org.goto_path("/")
    assert org.locator("#home-activities-todo").count() == 0

    Activity.objects.filter(pk=a.pk).update(starts_at=timezone.now() - timedelta(minutes=5),
                                            ends_at=timezone.now() + timedelta(hours=1))
    org.goto_path(f"/activities/{a.pk}/scan/")
    org.fill("#ticket-input", ticket)
    org.click("#add-scan")
    org.wait_for_function("document.getElementById('queued').textContent === '0'", timeout=45000)
    assert Participation.objects.get(person=me).status == "attended"

    # The activity ends: the hours wait on the organiser's home, leading to the page to verify them.
    Activity.objects.filter(pk=a.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    org.goto_path("/")
    todo = org.locator(f'#home-activities-todo [data-verify="{a.pk}"]')
    assert "楼道清洁志愿服务" in todo.inner_text() and "1 人的服务时长待核定" in todo.inner_text()
    assert todo.bounding_box()["height"] >= 44
    screenshot(org, "home-organiser-hours-to-verify")
    todo.click()
    org.wait_for_url(f"**/activities/{a.pk}/manage/")
    p = Participation.objects.get(person=me)
    org.get_by_test_id(f"verify-{p.pk}").click()
    assert "60 分钟" in org.locator("#participants").inner_text()
    org.goto_path("/")
    assert org.locator("#home-activities-todo").count() == 0

    # The resident is told of the hours and of the points, each once, and nothing else.
    told = _notices(pg)
    assert len(told) == 2
    assert any("「楼道清洁志愿服务」的服务时长已核定：60 分钟" in t for t in told)
    assert any("获得 10 积分：志愿服务每小时" in t for t in told)
    screenshot(pg, "inbox-hours-and-points")
    pg.locator("#notices li", has_text="服务时长已核定").locator("button").click()
    pg.wait_for_url("**/activities/mine/")
    assert pg.get_by_test_id("hours").inner_text() == "1.0"

    pg.goto_path("/points/shop/")
    pg.get_by_test_id(f"redeem-{good.pk}").click()
    code = pg.get_by_test_id("code").inner_text()
    held = [t for t in _notices(pg) if "领取码" in t and "已兑换" in t]
    assert len(held) == 1 and code in held[0] and "石榴红洗衣液" in held[0]
    desk = phone(counter)
    desk.goto_path("/points/counter/")
    desk.fill("#code", code)
    desk.click("#claim")
    assert "已核销：石榴红洗衣液" in desk.get_by_test_id("claimed").inner_text()
    told = _notices(pg)
    assert sum("已领取" in t for t in told) == 1 and len(told) == 4
    screenshot(pg, "inbox-handed-over")
    # The organiser and the counter were told nothing of the resident's hours, points or goods.
    assert not Notification.objects.filter(recipient__in=[organiser, counter]).exists()

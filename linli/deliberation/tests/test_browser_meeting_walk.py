"""A courtyard meeting's whole way on phones, across the people involved (the shared cast):
李大爷 proposes a topic → neighbours support it until the threshold → the grid worker screens it →
sets a meeting up with it on the agenda and publishes the notice → the invited find it in their
inbox and on their deliberation page → sign-in by QR scan and by a tick → minutes per agenda item
→ approved by the convener → the minutes reach the invited (and nobody else) → the decision
opens a vote."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.accounts import services as account_services
from linli.accounts.models import User
from linli.conftest import screenshot
from linli.core.actors import SYSTEM
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Attendance, Meeting, Topic, Vote
from linli.notify.models import Notification
from linli.places import services as place_services
from linli.testing import next_id_number, next_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "拆除1栋旁的违建棚子"


def as_resident(city, key, resident):
    """The cast member `key`, as the person `resident` on the residents' roll."""
    user = city.person(key)
    User.objects.filter(pk=user.pk).update(resident=resident)
    user.refresh_from_db()
    return user


def neighbour(city, door: str, name: str):
    """A neighbour in their own dwelling of the cast's building, with a resident's login."""
    d = place_services.create_place(actor=SYSTEM, parent_id=city.unit.pk, kind_code="dwelling", name=door)
    hh = place_services.create_household(actor=SYSTEM, dwelling_id=d.pk)
    r = place_services.create_resident(actor=SYSTEM, household_id=hh.pk, name=name, id_number=next_id_number(),
                                       phone=next_phone(), relation="head")
    u = account_services.create_user(actor=SYSTEM, display_name=name, phone=next_phone(), resident=r)
    account_services.assign_role(actor=SYSTEM, user_id=u.pk, role="resident", place_id=d.pk)
    return User.objects.get(pk=u.pk)


def inbox(pg) -> str:
    pg.goto_path("/notices/")
    return pg.locator("main").inner_text() if pg.locator("main").count() else pg.locator("body").inner_text()


def test_topic_to_meeting_to_minutes_to_vote(city, phone):
    lidaye = as_resident(city, "resident", city.resident)
    lidama = as_resident(city, "neighbour", place_services.create_resident(
        actor=SYSTEM, household_id=city.household.pk, name="李大妈", id_number=next_id_number(),
        phone=next_phone(), relation="spouse"))
    wang = as_resident(city, "other_resident", city.other_resident)  # another grid: never invited
    worker, colleague = city.person("grid_worker"), city.person("second_grid_worker")
    others = [neighbour(city, f"10{i}", f"邻居{i}") for i in range(2, 6)]

    # 李大爷 proposes the topic for his compound.
    p = phone(lidaye)
    p.goto_path("/deliberation/topics/")
    p.select_option("select[name=place_id]", str(city.compound.pk))
    p.fill("input[name=title]", TITLE)
    p.fill("textarea[name=body]", "棚子占了消防通道，老人进出不便")
    p.get_by_role("button", name="提交议题").click()
    row = p.get_by_test_id("topics").locator("li", has_text=TITLE)
    expect(row).to_contain_text("附议 0/5")
    topic = Topic.objects.get(title=TITLE)

    # Neighbours support it, once each, until the threshold.
    m = phone(lidama)
    m.goto_path("/deliberation/topics/")
    m.get_by_test_id("topics").locator("li", has_text=TITLE).get_by_role("button", name="附议").click()
    expect(m.get_by_test_id("topics").locator("li", has_text=TITLE)).to_contain_text("已附议")
    expect(m.get_by_test_id("topics").locator("li", has_text=TITLE)).to_contain_text("附议 1/5")
    for n in others[:3]:
        sm.support_topic(actor=n, topic_id=topic.pk)
    last = phone(others[3])
    last.goto_path("/deliberation/topics/")
    last.get_by_test_id("topics").locator("li", has_text=TITLE).get_by_role("button", name="附议").click()
    reached = last.get_by_test_id("topics").locator("li", has_text=TITLE)
    expect(reached).to_contain_text("附议 5/5")
    expect(reached).to_contain_text("待上会")
    screenshot(last, "walk-topic-threshold")

    # The grid worker screens it (the proposer is told), then sets up the meeting.
    w = phone(worker)
    w.goto_path(f"/deliberation/topics/{topic.pk}/")
    w.fill("textarea[name=note]", "下周院坝会讨论")
    w.get_by_role("button", name="列入待上会").click()
    expect(w.locator(".timeline")).to_contain_text("审核通过，列入待上会：下周院坝会讨论")
    assert "附议达到门槛，待上会" in w.locator(".timeline").inner_text()
    screenshot(w, "walk-topic-screened")
    w.goto_path("/deliberation/")
    w.get_by_role("link", name="筹备会议").click()
    form = w.get_by_test_id("meeting-form")
    form.locator("select[name=kind]").select_option("courtyard")
    form.locator("select[name=place_id]").select_option(str(city.compound.pk))
    form.locator("input[name=title]").fill("汉都华府二期院坝会")
    starts = timezone.localtime() + dt.timedelta(days=7)
    form.locator("input[name=starts_at]").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=venue]").fill("1栋前坝子")
    form.get_by_label(TITLE).check()
    screenshot(w, "walk-meeting-new")
    form.get_by_role("button", name="保存会议").click()
    expect(w.get_by_test_id("meeting-status")).to_have_text("筹备中")
    meeting = Meeting.objects.get(title="汉都华府二期院坝会")
    assert [i.title for i in meeting.items.all()] == [TITLE]
    w.get_by_role("button", name="发布会议通知").click()
    expect(w.get_by_test_id("meeting-status")).to_have_text("已通知")
    screenshot(w, "walk-meeting-notice")

    # The invited find the notice in their inbox and the meeting on their deliberation page.
    for pg in (p, m):
        text = inbox(pg)
        assert "会议通知：汉都华府二期院坝会" in text and "1栋前坝子" in text
        pg.goto_path("/deliberation/")
        expect(pg.get_by_role("link", name="汉都华府二期院坝会")).to_be_visible()
    assert "下周院坝会讨论" in inbox(p)  # the screening, to the proposer
    screenshot(p, "walk-inbox-notice")

    # The day comes. Sign-in: 李大爷 shows his code and the grid worker scans it; 李大妈 is
    # ticked on the list.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    p.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    p.wait_for_selector("#ticket svg")
    ticket = p.get_by_test_id("my-ticket").inner_text().strip()
    w.get_by_test_id("open-scanner").click()
    w.fill("#ticket-input", ticket)
    w.click("#add-scan")
    expect(w.get_by_test_id("queued")).to_have_text("0", timeout=45000)
    expect(w.get_by_test_id("results")).to_have_text("李大爷 · 签到成功")
    c = phone(colleague)
    c.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    c.locator("summary", has_text="签到表（打勾）").click()
    expect(c.get_by_label("李大爷")).to_be_disabled()  # already in by QR
    c.get_by_label("李大妈").check()
    c.get_by_role("button", name="保存签到").click()
    expect(c.get_by_test_id("attendance")).to_have_text("已签到 2 人")
    expect(c.get_by_test_id("meeting-status")).to_have_text("已召开")
    assert sorted(Attendance.objects.filter(meeting=meeting).values_list("resident__name", "methods")) == [
        ("李大妈", "list"), ("李大爷", "qr")]

    # Minutes per agenda item, then the convener approves them.
    w.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    w.fill("textarea[name=discussion]", "多轮劝说，棚主同意")
    w.fill("textarea[name=decision]", "棚子一周内拆除，费用由小区公共收益支出")
    w.fill("input[name=actions]", "楼栋长万玉廷，12月15日前")
    w.get_by_role("button", name="保存纪要").click()
    expect(w.locator(".card", has_text=TITLE)).to_contain_text("棚子一周内拆除")
    w.get_by_role("button", name="召集人确认并发布纪要").click()
    expect(w.get_by_test_id("meeting-status")).to_have_text("纪要已发布")
    screenshot(w, "walk-minutes-approved")

    # The minutes reach the invited, who open them from the notice; nobody else hears of them.
    for pg in (p, m):
        assert "会议纪要已发布：汉都华府二期院坝会" in inbox(pg)
    m.locator("#notices li", has_text="会议纪要已发布").get_by_role("button").click()
    expect(m.locator("body")).to_contain_text("棚子一周内拆除，费用由小区公共收益支出")
    expect(m.get_by_test_id("meeting-status")).to_have_text("纪要已发布")
    screenshot(m, "walk-minutes-resident")
    assert not Notification.objects.filter(recipient=wang, kind__startswith="meeting_").exists()
    assert set(Notification.objects.filter(kind="meeting_minutes").values_list("recipient", flat=True)) == {
        lidaye.pk, lidama.pk, *(n.pk for n in others)}
    topic.refresh_from_db()
    assert topic.status == "decided"

    # The decision opens a vote: a household vote's draft, linked to the topic.
    w.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    item = meeting.items.get()
    w.get_by_test_id(f"item-vote-{item.pk}").locator("select[name=kind]").select_option("household")
    w.get_by_test_id(f"item-vote-{item.pk}").get_by_role("button", name="按此决定发起表决").click()
    expect(w.get_by_test_id("status")).to_have_text("草稿")
    vote = Vote.objects.get(topic=topic)
    assert vote.kind == "household" and vote.title == TITLE
    w.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    expect(w.get_by_role("link", name=f"表决：{TITLE}")).to_be_visible()

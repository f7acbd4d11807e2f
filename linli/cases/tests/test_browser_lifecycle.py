"""One case from report to rating in real headless Chromium on a phone-sized screen: a
resident reports a problem with a photo, the building head hands it up to the grid with a
reason, the grid worker accepts and answers with a result photo, and the resident sees the
answer in the timeline, confirms it and rates it satisfied. Each person's pages are
screenshotted and what they see is asserted."""

import re

import pytest

from linli.cases.models import Case, CaseEvent, CasePhoto
from linli.conftest import png_upload as png, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "3楼楼道堆满杂物，扶手也坏了"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path





def _timeline(pg) -> str:
    return pg.locator("#case-timeline").inner_text()


def _photo_shown(img) -> bool:
    """The image really loaded and decoded. Photos are lazy-loaded, so bring it into view and
    wait for its load (or error) event rather than reading `complete` at once."""
    img.scroll_into_view_if_needed()
    return img.evaluate("""el => el.complete && el.naturalWidth > 0 ? true : new Promise(done => {
        el.addEventListener("load", () => done(el.naturalWidth > 0), {once: true});
        el.addEventListener("error", () => done(false), {once: true});
    })""")


def test_report_escalate_answer_and_rate(phone, city):
    resident = city.user_with("resident", at=city.dwelling, name="李大爷")
    head = city.user_with("building_head", at=city.building, name="万玉廷")
    worker = city.user_with("grid_worker", at=city.grid, name="向劲松")

    # ------------------------------------------------------------ the resident reports
    me = phone(resident)
    me.goto_path("/cases/new/")
    assert me.locator("h1").inner_text() == "反映问题"
    nav = me.get_by_role("navigation", name="诉求").inner_text()
    assert "反映问题" in nav and "我的诉求" in nav and "待办" not in nav
    # the home building is chosen already
    assert me.locator("#id_place option:checked").inner_text() == "汉都华府二期 1栋"
    me.fill("#id_text", TEXT)
    me.wait_for_selector("#suggested-category")
    assert "楼道" in me.locator("#suggested-category").inner_text()
    me.set_input_files("#id_photos", [png((180, 40, 40))])
    screenshot(me, "cases-report-filled")
    me.click("#report-submit")
    me.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert me.url.endswith(f"/cases/{case.pk}/")
    assert "已提交" in me.locator(".messages").inner_text()
    assert me.locator("#case-number").inner_text() == case.number
    assert me.locator(".case-kicker .case-status").inner_text() == "待受理"
    assert TEXT in me.locator("#case-text").inner_text()
    assert "楼栋 · 1栋" in me.locator("#case-handler").inner_text()
    assert _photo_shown(me.locator("#case-photos img").first)
    assert me.locator("#action-add-info").count() == 1 and me.locator("#action-escalate").count() == 0
    screenshot(me, "cases-resident-submitted")
    me.goto_path("/cases/mine/")
    row = me.locator(f"#my-cases li[data-case='{case.pk}']")
    assert "待受理" in row.inner_text() and "楼道" in row.inner_text()
    screenshot(me, "cases-mine")

    # ------------------------------------------------------------ the building head hands it up
    bh = phone(head)
    bh.goto_path("/cases/queue/")
    assert bh.locator("h1").inner_text() == "我的待办"
    assert bh.locator("#n-queue").inner_text() == "1"
    screenshot(bh, "cases-queue-building-head")
    bh.locator(f"#queue li[data-case='{case.pk}'] a.row").click()
    bh.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert "李大爷" in bh.locator("#case-reporter").inner_text()
    bh.locator("#action-escalate summary").click()
    bh.click("#escalate-submit")  # no reason: refused next to the field
    assert "请填写此项" in bh.locator("#action-escalate .errorlist").inner_text()
    assert Case.objects.get().level == "building"
    screenshot(bh, "cases-escalate-reason-required")
    bh.fill("#id_escalate-reason", "扶手要动用维修资金，需网格协调")
    bh.click("#escalate-submit")
    bh.wait_for_selector(".messages")
    assert "已上报上一级" in bh.locator(".messages").inner_text()
    assert "网格 · 第一网格" in bh.locator("#case-handler").inner_text()
    timeline = _timeline(bh)
    assert "上报 至网格" in timeline and "扶手要动用维修资金，需网格协调" in timeline
    assert "· 李大爷" in timeline and "· 我" in timeline  # the reporter by name; one's own steps as 我
    assert bh.locator("#action-escalate").count() == 0 and bh.locator("#action-accept").count() == 0
    screenshot(bh, "cases-escalated")
    bh.goto_path("/cases/queue/")
    assert bh.locator("#n-queue").inner_text() == "0"

    # ------------------------------------------------------------ the grid worker accepts and answers
    gw = phone(worker)
    gw.goto_path("/cases/queue/")
    gw.locator(f"#queue li[data-case='{case.pk}'] a.row").click()
    gw.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert "扶手要动用维修资金" in _timeline(gw)
    assert gw.locator("#action-accept").get_attribute("open") is not None  # the first thing to do
    gw.click("#accept-submit")
    gw.wait_for_selector(".messages")
    assert gw.locator(".case-kicker .case-status").inner_text() == "办理中"
    gw.locator("#action-note summary").click()
    gw.fill("#id_note-text", "已电话联系物业经理")
    gw.click("#note-submit")
    gw.wait_for_selector(".messages")
    assert "已电话联系物业经理" in _timeline(gw) and "仅内部可见" in _timeline(gw)
    assert gw.locator("#action-answer").get_attribute("open") is not None
    gw.fill("#id_answer-answer", "已清理楼道杂物，扶手已由物业更换")
    gw.set_input_files("#id_answer-photos", [png((40, 150, 60))])
    screenshot(gw, "cases-answer-filled")
    gw.click("#answer-submit")
    gw.wait_for_selector(".messages")
    assert gw.locator(".case-kicker .case-status").inner_text() == "已答复待核查"
    screenshot(gw, "cases-answered")
    answer_event = CaseEvent.objects.get(case=case, kind="answered")
    assert CasePhoto.objects.filter(case=case, event=answer_event).count() == 1
    # He answered: the case leaves his 待办 (the reporter confirms it, or someone else verifies).
    assert gw.locator("#action-close").count() == 0
    assert "反映人确认" in gw.locator("#verification").inner_text()
    gw.goto_path("/cases/queue/")
    assert gw.locator(f"#queue li[data-case='{case.pk}']").count() == 0

    # ------------------------------------------------------------ the resident sees the answer and rates it
    me.goto_path(f"/cases/{case.pk}/")
    timeline = _timeline(me)
    assert "已清理楼道杂物，扶手已由物业更换" in timeline and "向劲松" in timeline
    assert "已电话联系物业经理" not in timeline  # internal notes stay with staff
    assert "扶手要动用维修资金" not in timeline  # so does the reason for escalating (staff-only by default)
    assert _photo_shown(me.locator(".kind-answered .photos img").first)
    assert me.locator("#action-close").get_attribute("open") is not None
    # The outcome is an explicit choice: nothing is pre-selected, and none chosen is refused.
    assert me.locator("input[name='close-outcome']:checked").count() == 0
    screenshot(me, "cases-resident-sees-answer")
    me.click("#close-submit")
    assert "请选择办理结果" in me.locator("#action-close .errorlist").inner_text()
    me.check("input[name='close-outcome'][value='solved']")
    me.click("#close-submit")
    me.wait_for_selector(".messages")
    assert me.locator(".case-kicker .case-status").inner_text() == "已办结"
    me.check("input[name='rate-solved'][value='yes']")
    me.check("input[name='rate-rating'][value='satisfied']")
    me.fill("#id_rate-comment", "处理得很及时，谢谢！")
    screenshot(me, "cases-rate-filled")
    me.click("#rate-submit")
    me.wait_for_selector(".messages")
    assert "感谢您的评价" in me.locator(".messages").inner_text()
    assert me.locator("#case-rating").inner_text() == "满意：处理得很及时，谢谢！"
    assert "满意 · 已解决" in _timeline(me)
    assert me.locator("#actions").count() == 0
    screenshot(me, "cases-rated")
    case = Case.objects.get()
    assert (case.status, case.outcome, case.rating, case.solved_by_reporter) == ("closed", "solved", "satisfied", True)
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == [
        "created", "classified", "routed", "escalated", "accepted", "note", "answered", "verified", "closed", "rated"]


def test_similar_case_me_too_while_typing(phone, city):
    from linli.cases import services

    neighbour = city.user_with("resident", at=city.dwelling, name="李大妈")
    resident = city.user_with("resident", at=city.dwelling, name="李大爷")
    existing = services.submit_case(actor=neighbour, text="1栋楼道扶手坏了，老人上下楼不安全", channel="resident",
                                    place_id=city.building.pk, category_code="stairwell", is_public=True)
    me = phone(resident)
    me.goto_path("/cases/new/")
    me.fill("#id_text", "楼道扶手坏了")
    item = me.locator(f"#similar-cases li[data-case='{existing.pk}']")
    item.wait_for()
    assert "附近已有类似问题" in me.locator("#similar-cases").inner_text()
    assert "老人上下楼不安全" in item.inner_text()
    screenshot(me, "cases-report-similar")
    item.get_by_role("button", name="我也遇到了").click()
    item.locator(".me-too-slot .ok").wait_for()
    assert "已附议" in item.inner_text()
    assert existing.supporters.filter(user=resident).exists()
    assert not Case.objects.filter(reporter=resident).exists()  # nothing reported twice
    screenshot(me, "cases-report-me-too")


def test_patrol_entry_and_the_staff_list(phone, city):
    worker = city.user_with("grid_worker", at=city.grid, name="向劲松")
    gw = phone(worker)
    gw.goto_path("/cases/queue/")
    gw.click("#patrol-link")
    gw.wait_for_url(re.compile(r"/cases/patrol/$"))
    assert gw.locator("h1").inner_text() == "巡查登记"
    gw.select_option("#id_place", label="汉都华府二期")
    gw.fill("#id_text", "5栋门口井盖松动，晚上容易踩空")
    gw.wait_for_selector("#suggested-category")
    assert "井盖" in gw.locator("#suggested-category").inner_text()
    gw.check("input[name='channel'][value='patrol']")
    gw.set_input_files("#id_photos", [png((90, 90, 90))])
    screenshot(gw, "cases-patrol-filled")
    gw.dblclick("#patrol-submit")  # an impatient double tap: one case
    gw.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert (case.channel, case.entered_by_id, case.category.code) == ("patrol", worker.pk, "manhole")
    assert gw.locator("#case-handler").inner_text().startswith("社区")
    screenshot(gw, "cases-patrol-created")

    gw.goto_path("/cases/")
    assert gw.locator("h1").inner_text() == "诉求列表"
    assert gw.locator("#n-cases").inner_text() == "共 1 件"
    gw.locator("#filters summary").click()
    gw.select_option("#id_status", "closed")
    gw.click("#filter-submit")
    gw.wait_for_url(re.compile(r"status=closed"))
    assert gw.locator("#n-cases").inner_text() == "共 0 件"
    assert "没有符合条件的诉求" in gw.locator("#cases").inner_text()
    gw.select_option("#id_status", "submitted")
    gw.click("#filter-submit")
    gw.wait_for_url(re.compile(r"status=submitted"))
    assert gw.locator(f"#cases li[data-case='{case.pk}']").is_visible()
    screenshot(gw, "cases-staff-list")

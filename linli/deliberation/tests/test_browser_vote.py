"""An owners' vote from notice to final result in headless Chromium on a phone: the convener
sets it up and publishes the notice (the frozen roll's totals shown), an owner votes online and
keeps the receipt, two clerks type a paper ballot twice, a proxy ballot is entered with its
power of attorney, the vote closes, the preliminary result goes up for objections and then
the final one; the owner sees the result and the printable notice."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.conftest import screenshot
from linli.deliberation.models import CountedBallot, Elector, Vote

from .estate import Estate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCAN = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 scan"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path




def pick(form, vote, role):
    m = vote.frozen["matters"][0]
    oid = next(o["id"] for o in m["options"] if o["role"] == role)
    form.locator(f'input[name="m{m["id"]}"][value="{oid}"]').check()


def test_owners_vote_from_notice_to_final_result(city, phone):
    estate = Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100"), ("104", "100")]})
    owners = estate.owners_each()
    owner = estate.user(owners["1栋-101"])
    clerk_a = city.user_with("community_worker", at=city.community, name="录入员甲")
    clerk_b = city.user_with("community_worker", at=city.community, name="录入员乙")

    a = phone(clerk_a)
    a.goto_path("/deliberation/votes/new/")
    a.select_option("select[name=place_id]", str(estate.compound.pk))
    a.select_option("select[name=kind]", "owners")
    a.fill("input[name=title]", "小区大门更换为人脸识别门禁")
    a.get_by_role("button", name="保存草稿").click()
    a.get_by_role("button", name="发布公告并冻结名册").click()
    roll = a.get_by_test_id("roll")
    assert a.get_by_test_id("roll-heads").inner_text() == "4"
    assert a.get_by_test_id("roll-area").inner_text() == "400.00"
    screenshot(a, "vote-setup-roll")
    a.get_by_role("button", name="开始投票").click()
    expect(a.get_by_test_id("status")).to_have_text("投票中")
    vote = Vote.objects.get(title="小区大门更换为人脸识别门禁")
    # the roll says when it was frozen: at the announcement just made
    assert f"于 {timezone.localtime(vote.frozen_at):%Y-%m-%d %H:%M} 公告时冻结" in roll.inner_text()

    # An owner votes online and keeps the receipt.
    o = phone(owner)
    o.goto_path(f"/deliberation/votes/{vote.pk}/")
    assert "投票截止后公布结果" in o.content()
    pick(o.get_by_test_id("ballot-form"), vote, "agree")
    o.get_by_role("button", name="提交选票").click()
    receipt = o.get_by_test_id("receipt").inner_text()
    assert "投票成功" in receipt
    code = CountedBallot.objects.get(vote=vote).ballot.receipt
    assert code in receipt
    screenshot(o, "vote-receipt")

    # Paper ballot for 102, typed by two clerks.
    paper_code = Elector.objects.get(vote=vote, label="1栋-102").code
    form = a.get_by_test_id("paper-form")
    assert "纸质票优先" in a.get_by_test_id("precedence").inner_text()
    form.locator("input[name=code]").fill(paper_code)
    pick(form, vote, "agree")
    form.locator("input[name=scan]").set_input_files(SCAN)
    form.get_by_role("button", name="保存录入").click()
    expect(a.locator("body")).to_contain_text("请另一名工作人员再次录入")
    b = phone(clerk_b)
    b.goto_path(f"/deliberation/votes/{vote.pk}/manage/")
    form = b.get_by_test_id("paper-form")
    form.locator("input[name=code]").fill(paper_code)
    pick(form, vote, "agree")
    form.get_by_role("button", name="保存录入").click()
    expect(b.locator("body")).to_contain_text("两次录入一致，纸质票已计入")
    screenshot(b, "vote-paper-second-entry")

    # A proxy ballot for 103 with the power of attorney.
    form = a.get_by_test_id("proxy-form")
    form.locator("input[name=code]").fill(Elector.objects.get(vote=vote, label="1栋-103").code)
    form.locator("input[name=proxy_name]").fill("李四")
    pick(form, vote, "disagree")
    form.locator("input[name=attachment]").set_input_files(SCAN)
    form.get_by_role("button", name="保存委托投票").click()
    expect(a.locator("body")).to_contain_text("委托投票已计入")
    assert dict(CountedBallot.objects.filter(vote=vote).values_list("elector__label", "channel")) == {
        "1栋-101": "online", "1栋-102": "paper", "1栋-103": "proxy"}

    # Close, preliminary result for objections, then final (the objection days have passed).
    # Each click posts a form and the page reloads: wait for the new status before the next
    # step (a reload issued while the post's navigation is still under way fails).
    a.get_by_role("button", name="截止并计票").click()
    expect(a.get_by_test_id("status")).to_have_text("已截止")
    a.get_by_role("button", name="公示初步结果（询异）").click()
    expect(a.get_by_test_id("status")).to_have_text("结果公示（询异）")
    Vote.objects.filter(pk=vote.pk).update(objection_until=timezone.now() - dt.timedelta(minutes=1))
    a.reload()
    a.get_by_role("button", name="确定最终结果").click()
    expect(a.get_by_test_id("status")).to_have_text("结果已确定")

    # 3 of 4 owners, 300 of 400 m² took part (≥ 2/3); 2 agree of 3: more than half: passed.
    o.goto_path(f"/deliberation/votes/{vote.pk}/")
    result = o.get_by_test_id("result").inner_text()
    assert "通过" in result and "3/4" in result and "300.00/400.00㎡" in result
    # By building (folded on the phone): 1栋's 3 of 4 owners; 2 agree of the 3 who took part.
    by_building = o.get_by_test_id("by-building")
    expect(by_building.get_by_test_id("by-building-1")).to_be_hidden()
    by_building.locator("summary").click()
    row = by_building.get_by_test_id("by-building-1").locator('tr[data-building="1栋"]')
    expect(row.locator('td[data-cell="participants"]')).to_contain_text("3/4")
    expect(row.locator('td[data-cell="同意"]')).to_contain_text("2/3")
    expect(row.locator('td[data-cell="同意"]')).to_contain_text("200.00/300.00㎡")
    expect(row.locator('td[data-cell="同意"]')).to_contain_text("66.67%")
    screenshot(o, "vote-result-by-building")
    o.goto_path(f"/deliberation/votes/{vote.pk}/notice/")
    notice = o.content()
    assert "表决结果公告" in notice and "1栋-102" in notice and "1栋-104" not in notice
    # The printed notice shows the buildings' tables unfolded.
    expect(o.get_by_test_id("by-building-1").locator('tr[data-building="1栋"] td[data-cell="不同意"]')).to_contain_text(
        "100.00/300.00㎡")
    screenshot(o, "vote-public-notice")
    # On paper (A4 at 96 dpi, Chromium's default margins: 718 px wide) nothing scrolls: every
    # option's column is inside the page.
    o.emulate_media(media="print")
    o.set_viewport_size({"width": 718, "height": 1000})
    width = o.evaluate("document.documentElement.clientWidth")
    last = o.get_by_test_id("by-building-1").locator('tr[data-building="1栋"] td[data-cell="弃权"]').bounding_box()
    assert last["x"] + last["width"] <= width
    screenshot(o, "vote-public-notice-print")

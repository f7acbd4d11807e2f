"""A topic with a photo to a list item, on phones (issue 12 §2): 李大爷 proposes a topic with a
photo (a PDF first: refused under the photo field) → the grid worker screens it and puts it on
a courtyard meeting's agenda → minutes approved by the convener → the decision becomes a
project on the compound's list → the meeting page, the list item's history and the topic's
timeline link to each other, seen by the convener and by 李大爷."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.accounts.models import User
from linli.conftest import png_upload, screenshot
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import AgendaItem, Topic
from linli.lists.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "垃圾房改造：砖、门和颜色"
DECISION = "垃圾房翻新，门换成铁门，刷浅绿色"


def test_a_topic_with_a_photo_becomes_a_list_item_on_phones(city, phone):
    lidaye = city.person("resident")
    User.objects.filter(pk=lidaye.pk).update(resident=city.resident)
    lidaye.refresh_from_db()
    worker = city.user_with("grid_worker", at=city.grid, name="网格员小李")

    # 李大爷 proposes the topic; a PDF is refused under the photo field, a photo is taken.
    p = phone(lidaye)
    p.goto_path("/deliberation/topics/")
    form = p.get_by_test_id("propose-form")
    form.locator("select[name=place_id]").select_option(str(city.compound.pk))
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=body]").fill("垃圾房墙砖脱落，门关不上")
    form.locator("input[name=photos]").set_input_files(
        [{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 not a picture"}])
    form.get_by_role("button", name="提交议题").click()
    expect(p.get_by_test_id("photos-error")).to_contain_text("第1张图片：文件不是有效的图片")
    assert not Topic.objects.filter(title=TITLE).exists()
    screenshot(p, "topic-photo-refused")
    form = p.get_by_test_id("propose-form")
    form.locator("select[name=place_id]").select_option(str(city.compound.pk))
    form.locator("input[name=title]").fill(TITLE)
    form.locator("input[name=photos]").set_input_files([png_upload((40, 140, 90))])
    form.get_by_role("button", name="提交议题").click()
    expect(p.get_by_test_id("topics").locator("li", has_text=TITLE)).to_contain_text("1张照片")
    topic = Topic.objects.get(title=TITLE)
    p.get_by_role("link", name=TITLE).click()
    thumb = p.get_by_test_id("topic-photos").locator("img")
    expect(thumb).to_have_count(1)
    p.wait_for_function("() => document.querySelector('[data-testid=topic-photos] img').naturalWidth === 320")
    box = thumb.bounding_box()
    assert box["width"] <= 390 / 3 and box["height"] <= 100  # a thumbnail on the phone, not the full picture
    screenshot(p, "topic-with-photo")

    # The grid worker screens it and puts it on a courtyard meeting; minutes approved.
    sm.screen_topic(actor=worker, topic_id=topic.pk, accept=True)
    meeting = sm.create_meeting(actor=worker, place_id=city.compound.pk, kind="courtyard", title="汉都华府二期院坝会",
                                starts_at=timezone.now(), topic_ids=[topic.pk])
    item = AgendaItem.objects.get(meeting=meeting)
    w = phone(worker)
    w.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    expect(w.get_by_test_id(f"item-list-form-{item.pk}")).to_have_count(0)  # not before approval
    w.fill("textarea[name=discussion]", "27条建议，多数选浅绿色")
    w.fill("textarea[name=decision]", DECISION)
    w.fill("input[name=actions]", "物业刘经理，12月31日前")
    w.get_by_role("button", name="保存纪要").click()
    w.get_by_role("button", name="召集人确认并发布纪要").click()
    expect(w.get_by_test_id("meeting-status")).to_have_text("纪要已发布")

    # The decision becomes a project on the compound's list, prefilled from the minutes.
    card = w.get_by_test_id(f"agenda-item-{item.pk}")
    card.locator("summary", has_text="列入清单").click()
    lf = w.get_by_test_id(f"item-list-form-{item.pk}")
    expect(lf.locator("textarea[name=description]")).to_have_value(re.compile("物业刘经理，12月31日前"))
    lf.locator("select[name=kind]").select_option("project")
    lf.locator("input[name=title]").fill("垃圾房翻新")
    screenshot(w, "decision-to-list-form")
    lf.get_by_role("button", name="按此决定列入清单").click()
    link = w.get_by_test_id(f"item-list-link-{item.pk}")
    expect(link).to_contain_text("项目 · 垃圾房翻新")
    expect(w.get_by_test_id(f"item-list-form-{item.pk}")).to_have_count(0)  # once
    screenshot(w, "decision-linked-list-item")
    list_item = Item.objects.get()
    assert (list_item.source_kind, list_item.source_id, list_item.place_id) == ("decision", item.pk, city.compound.pk)

    # From the list's side: the item's history links back to the minutes.
    link.get_by_role("link").click()
    expect(w.locator("#item-title")).to_have_text("垃圾房翻新")
    expect(w.locator("#item-history li[data-kind=decision]")).to_contain_text("由会议决定列入：汉都华府二期院坝会")
    screenshot(w, "list-item-from-decision")
    w.get_by_test_id("item-decision-link").click()
    expect(w).to_have_url(re.compile(rf"/deliberation/meetings/{meeting.pk}/#item-{item.pk}$"))

    # 李大爷 follows his topic to the list item.
    p.goto_path(f"/deliberation/topics/{topic.pk}/")
    expect(p.locator(".timeline")).to_contain_text("会议决定已列入清单")
    p.get_by_test_id("topic-link-decision_list_item").click()
    expect(p.locator("#item-title")).to_have_text("垃圾房翻新")
    screenshot(p, "topic-to-list-item-resident")

"""QR sign-in at a courtyard meeting in headless Chromium on phones, with the staff phone's
network cut and restored: the invitees show their sign-in codes, the grid worker scans them
offline (queued on the phone with their scan times, a duplicate and a wrong code among them),
a colleague ticks one of them on the printed list meanwhile, the network comes back and the
queue uploads; uploading the same queue again changes nothing; one record per person."""

import json
import time

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from playwright.sync_api import expect

from linli.conftest import screenshot
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Attendance, SignIn
from linli.places.models import Household

from .estate import Estate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE = "() => JSON.parse(localStorage.getItem(document.getElementById('scanner').dataset.store) || '[]')"


def ticket_of(pg) -> str:
    pg.wait_for_selector("#ticket svg")  # the QR code is drawn by a deferred script
    return pg.get_by_test_id("my-ticket").inner_text().strip()


def test_offline_scans_queue_upload_once_and_merge_with_ticks(city, phone):
    estate = Estate(city, {"1栋": [("101", "90"), ("102", "90")], "2栋": [("101", "90")]})
    owners = estate.owners_each()
    staff, colleague = city.person("grid_worker"), city.person("second_grid_worker")
    meeting = sm.create_meeting(actor=staff, place_id=estate.compound.pk, kind="courtyard", title="违建棚子院坝会",
                                starts_at=timezone.now(), venue="2栋前坝子",
                                household_ids=list(Household.objects.filter(path__startswith=estate.compound.path)
                                                   .values_list("pk", flat=True)))
    sm.publish_meeting_notice(actor=staff, meeting_id=meeting.pk)
    a, b = owners["1栋-101"], owners["1栋-102"]

    tickets = {}
    for who in (a, b):
        pg = phone(estate.user(who))
        pg.goto_path(f"/deliberation/meetings/{meeting.pk}/")
        tickets[who.name] = ticket_of(pg)
        screenshot(pg, "meeting-my-ticket")

    s = phone(staff)
    s.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    s.get_by_test_id("open-scanner").click()
    expect(s.get_by_test_id("net")).to_have_text("在线")
    s.context.set_offline(True)
    s.evaluate("window.dispatchEvent(new Event('offline'))")
    expect(s.get_by_test_id("net")).to_contain_text("离线")
    for text in (tickets[a.name],
                 f"linli 签到 {tickets[b.name]}",  # the code read out of a longer text (data-ticket-pattern)
                 tickets[a.name],                  # the same person scanned twice
                 "LL12-0123456789abcdef"):         # an activity's ticket: the wrong kind of code
        s.fill("#ticket-input", text)
        s.click("#add-scan")
    expect(s.get_by_test_id("queued")).to_have_text("4")
    queued = s.evaluate(QUEUE)
    assert [q["ticket"] for q in queued] == [tickets[a.name], tickets[b.name], tickets[a.name],
                                              "LL12-0123456789abcdef"]
    assert len({q["nonce"] for q in queued}) == 4
    screenshot(s, "meeting-scanner-offline")
    assert not SignIn.objects.exists()  # nothing left the phone

    # Meanwhile a colleague ticks 业主2 on the printed list, online.
    c = phone(colleague)
    c.goto_path(f"/deliberation/meetings/{meeting.pk}/")
    c.locator("summary", has_text="签到表（打勾）").click()
    c.get_by_label(b.name).check()
    c.get_by_role("button", name="保存签到").click()
    expect(c.get_by_test_id("attendance")).to_have_text("已签到 1 人")

    time.sleep(1.2)  # the upload comes later than the scans
    back_online = timezone.now()
    s.context.set_offline(False)
    s.evaluate("window.dispatchEvent(new Event('online'))")
    expect(s.get_by_test_id("queued")).to_have_text("0", timeout=45000)
    lines = s.get_by_test_id("results").locator("li").all_inner_texts()
    assert lines == ["签到失败（二维码无效或不属于本次会议）",  # newest first
                     "业主1 · 已签到过", "业主2 · 已签到过", "业主1 · 签到成功"]
    screenshot(s, "meeting-scanner-uploaded")

    assert Attendance.objects.filter(meeting=meeting).count() == 2
    att_a, att_b = (Attendance.objects.get(meeting=meeting, resident=r) for r in (a, b))
    scanned = {q["nonce"]: parse_datetime(q["scanned_at"]) for q in queued}
    assert att_a.methods == "qr" and att_a.first_at == scanned[queued[0]["nonce"]]
    # 业主2 was scanned before the tick: one record, both ways, from the earlier time.
    assert att_b.methods == "list,qr" and att_b.first_at == scanned[queued[1]["nonce"]]
    for row in SignIn.objects.filter(nonce__in=scanned):
        assert row.scanned_at == scanned[row.nonce] and row.at >= back_online > row.scanned_at
    before = sorted(SignIn.objects.values_list("nonce", "result"))
    assert [r for _n, r in before].count("failed") == 1 and [r for _n, r in before].count("duplicate") == 2

    # The answer was lost and the phone still holds the queue: uploading it again changes nothing.
    s.evaluate("q => localStorage.setItem(document.getElementById('scanner').dataset.store, q)", json.dumps(queued))
    s.reload()
    expect(s.get_by_test_id("queued")).to_have_text("0", timeout=45000)
    expect(s.get_by_test_id("results").locator("li")).to_have_count(4)
    assert sorted(SignIn.objects.values_list("nonce", "result")) == before
    assert Attendance.objects.filter(meeting=meeting).count() == 2
    s.reload()
    log = s.get_by_test_id("log").inner_text()
    assert "签到失败" in log and "不属于本次会议" in log and log.count("重复签到") == 2
    expect(s.get_by_test_id("attendance")).to_have_text("已签到 2 人")
    screenshot(s, "meeting-scanner-log")

    # The activities' scanner keeps its own queue: the two pages never share one.
    assert s.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('linli-scans-')).length") == 0

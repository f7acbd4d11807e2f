"""The ballot register on a phone: a clerk prints one building's paper ballots (recorded as
issued), hands another sheet out by its code, and the printable register shows per building
what was issued, returned and is still out."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from linli.conftest import screenshot
from linli.core.actors import SYSTEM
from linli.deliberation import services
from linli.deliberation.models import Elector, SheetIssue

from .estate import Estate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_clerk_prints_hands_out_and_reads_the_register(city, phone):
    estate = Estate(city, {"1栋": [("101", "100"), ("102", "100")], "2栋": [("101", "90"), ("102", "90")]})
    estate.owners_each()
    clerk = city.user_with("community_worker", at=city.community, name="发放员甲")
    vote = services.create_vote(actor=clerk, place_id=estate.compound.pk, kind="owners", title="外墙翻新",
                                matters=[{"title": "外墙翻新", "kind": "special"}])
    now = timezone.now()
    services.publish_notice(actor=clerk, vote_id=vote.pk, opens_at=now, closes_at=now + dt.timedelta(days=7))
    services.open_vote(actor=SYSTEM, vote_id=vote.pk)
    codes = {e.label: e.code for e in Elector.objects.filter(vote=vote)}

    a = phone(clerk)
    a.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    a.goto_path(f"/deliberation/votes/{vote.pk}/manage/")
    a.get_by_role("link", name="打印纸质选票").click()
    a.select_option("select[name=building]", str(estate.buildings["1栋"].pk))
    expect(a.locator(".sheet")).to_have_count(2)
    a.get_by_test_id("print-issue").click()
    expect(a.get_by_test_id("issued")).to_be_visible()
    assert a.evaluate("window.__printed") == 1
    assert sorted(SheetIssue.objects.values_list("elector__label", flat=True)) == ["1栋-101", "1栋-102"]

    a.get_by_role("link", name="选票发放与回收登记").click()
    a.fill("input[name=codes]", codes["2栋-101"])
    a.fill("input[name=handed_to]", "王阿姨（家属）")
    a.get_by_test_id("hand-out").click()
    expect(a.locator('[data-building="total"]')).to_contain_text("3")
    # 1栋-101's sheet comes back filled in: typed by two clerks.
    vote.refresh_from_db()
    m = vote.frozen["matters"][0]
    agree = {m["id"]: [next(o["id"] for o in m["options"] if o["role"] == "agree")]}
    other = city.user_with("community_worker", at=city.community, name="录入员乙")
    scan = SimpleUploadedFile("s.pdf", b"%PDF", content_type="application/pdf")
    services.enter_paper_ballot(actor=clerk, vote_id=vote.pk, code=codes["1栋-101"], choices=agree, scan=scan)
    services.enter_paper_ballot(actor=other, vote_id=vote.pk, code=codes["1栋-101"], choices=agree)
    a.reload()
    cells = lambda b: a.locator(f'[data-building="{b}"] td, [data-building="{b}"] th').all_inner_texts()  # noqa: E731
    assert cells("1栋") == ["1栋", "2", "2", "1", "1", "0"]
    assert cells("2栋") == ["2栋", "2", "1", "0", "1", "0"]
    expect(a.locator(f'tr[data-code="{codes["1栋-102"]}"]')).to_contain_text("未收回")
    expect(a.locator(f'tr[data-code="{codes["1栋-101"]}"]')).to_contain_text("纸质票")
    expect(a.get_by_test_id("history")).to_contain_text("王阿姨（家属）")
    screenshot(a, "vote-ballot-register")

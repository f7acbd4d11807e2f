"""Objections on a phone: an owner objects during 询异公示, the convener upholds it and two
people type the corrected paper ballot, the final result shows what changed."""

import pytest
from playwright.sync_api import expect

from linli.deliberation import services
from linli.deliberation.models import Objection

from .estate import Estate
from .test_objections import end_period, preliminary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCAN = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 scan"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_objection_upheld_and_corrected_on_a_phone(city, phone):
    estate = Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")],
                           "2栋": [("101", "80.50"), ("102", "120"), ("103", "99.99")]})
    vote, owners, convener = preliminary(estate, city, agree=("1栋-101", "1栋-102"),
                                         disagree=("1栋-103", "2栋-101", "2栋-102"))
    clerk_b = city.user_with("community_worker", at=city.community, name="录入员乙")
    m = vote.frozen["matters"][0]
    agree = next(o["id"] for o in m["options"] if o["role"] == "agree")

    o = phone(estate.user(owners["2栋-102"]))
    o.goto_path(f"/deliberation/votes/{vote.pk}/")
    o.get_by_test_id("objections-link").click()
    form = o.get_by_test_id("objection-form")
    form.locator("textarea[name=text]").fill("我交的纸质票是同意")
    form.locator("input[name=attachment]").set_input_files(SCAN)
    form.get_by_role("button", name="提出异议").click()
    expect(o.get_by_test_id("my-objections")).to_contain_text("待答复")
    obj = Objection.objects.get(vote=vote)

    c = phone(convener)
    c.goto_path(f"/deliberation/votes/{vote.pk}/manage/")
    c.get_by_test_id("objections-link").click()
    card = c.get_by_test_id(f"objection-{obj.pk}")
    card.locator("textarea[name=reason]").fill("原件核实为同意")
    card.get_by_role("button", name="异议成立").click()
    card = c.get_by_test_id(f"objection-{obj.pk}")
    card.locator(f'input[name="m{m["id"]}"][value="{agree}"]').check()
    card.locator("input[name=scan]").set_input_files(SCAN)
    card.get_by_role("button", name="录入更正选票").click()

    b = phone(clerk_b)
    b.goto_path(f"/deliberation/votes/{vote.pk}/objections/")
    card = b.get_by_test_id(f"objection-{obj.pk}")
    card.locator(f'input[name="m{m["id"]}"][value="{agree}"]').check()
    card.get_by_role("button", name="录入更正选票").click()
    expect(b.get_by_test_id(f"objection-{obj.pk}")).to_contain_text("异议成立")
    obj.refresh_from_db()
    assert obj.corrected_ballot_id

    end_period(vote)
    services.finalise_vote(actor=convener, vote_id=vote.pk)
    o.goto_path(f"/deliberation/votes/{vote.pk}/notice/")
    expect(o.get_by_test_id("objection-answers")).to_contain_text("原件核实为同意")
    expect(o.get_by_test_id("result-changes")).to_contain_text("由未通过改为通过")

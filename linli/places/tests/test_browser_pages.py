"""The place pages in real headless Chromium on a phone-sized screen: browsing the tree down
to a resident with the counts a person sees, the audited "show full information", the
contact card (names, phones, QR, one A6 page when printed) and the English switch."""

import re

import pytest

from linli.conftest import login_as, screenshot
from linli.core import pii
from linli.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _counts(page):
    box = page.locator("#own-counts")
    return box.locator(".n-households").inner_text(), box.locator(".n-residents").inner_text()


def _child(page, name):
    return page.locator("#children > li", has_text=name)


def test_browse_the_tree_down_to_a_resident_and_reveal(page, live_server, city):
    worker = city.user_with("community_worker", at=city.community, name="周社工")
    login_as(page, live_server, worker)

    page.goto_path("/")
    assert page.locator("h1").inner_text() == "您好，周社工"
    assert page.locator("h2", has_text="我的辖区").count() == 1
    root = page.locator("#roots > li", has_text="石马社区")
    # the community holds three households (two grids and a dwelling straight under it)
    assert root.locator(".n-households").inner_text() == "3"
    assert root.locator(".n-residents").inner_text() == "3"
    assert "独居老人 1" in root.inner_text()
    screenshot(page, "tree-home")

    root.locator("a.row").click()
    page.wait_for_url(re.compile(rf"/places/{city.community.pk}/$"))
    assert _counts(page) == ("3", "3")
    assert _child(page, "第一网格").locator(".n-residents").inner_text() == "1"
    assert _child(page, "第二网格").locator(".n-households").inner_text() == "1"
    screenshot(page, "tree-community")

    _child(page, "第一网格").locator("a.row").click()
    page.wait_for_url(re.compile(rf"/places/{city.grid.pk}/$"))
    assert "石马社区" in page.locator(".breadcrumbs").inner_text()
    assert _counts(page) == ("1", "1")
    assert "独居老人 1" in page.locator("#own-tags").inner_text()
    screenshot(page, "tree-grid")

    _child(page, "汉都华府二期").locator("a.row").click()
    page.wait_for_url(re.compile(rf"/places/{city.compound.pk}/$"))
    assert page.locator("#card-link").is_visible()
    screenshot(page, "tree-compound")
    for name, place in [("1栋", city.building), ("1单元", city.unit), ("101", city.dwelling)]:
        _child(page, name).locator("a.row").click()
        page.wait_for_url(re.compile(rf"/places/{place.pk}/$"))
        assert _counts(page) == ("1", "1")
    screenshot(page, "tree-dwelling")

    page.locator("#households a.row").first.click()
    page.wait_for_url(re.compile(rf"/households/{city.household.pk}/$"))
    member = page.locator("#members > li", has_text="李大爷")
    assert city.resident.id_number_masked in member.inner_text()
    assert "户主" in member.inner_text() and "独居老人" in member.inner_text()
    screenshot(page, "household")

    member.locator("a.row").click()
    page.wait_for_url(re.compile(rf"/residents/{city.resident.pk}/$"))
    assert page.locator("#id-number").inner_text() == city.resident.id_number_masked
    assert page.locator("#phone").inner_text() == city.resident.phone_masked
    screenshot(page, "resident-masked")

    # no reason: the error appears next to the field, nothing is revealed or audited
    page.click("#reveal-button")
    page.wait_for_selector("#reveal-reason-errors")
    assert "请填写查看原因" in page.locator("#reveal-reason-errors").inner_text()
    assert page.locator("#id-number").inner_text() == city.resident.id_number_masked
    assert not AuditEntry.objects.filter(kind="resident.unmask").exists()
    screenshot(page, "resident-reason-required")

    page.fill("#reveal-reason", "入户走访核实身份")
    page.click("#reveal-button")
    page.wait_for_selector("#revealed-note")
    full_id = pii.decrypt(city.resident.id_number_enc)
    assert page.locator("#id-number").inner_text() == full_id
    assert page.locator("#phone").inner_text() == pii.decrypt(city.resident.phone_enc)
    assert page.url.endswith(f"/residents/{city.resident.pk}/")  # swapped in place by htmx
    screenshot(page, "resident-revealed")
    entry = AuditEntry.objects.get(kind="resident.unmask")
    assert entry.actor_id == worker.pk and entry.target_id == str(city.resident.pk)
    assert entry.note == "入户走访核实身份"


def test_building_head_sees_no_show_button(page, live_server, city):
    head = city.user_with("building_head", at=city.building, name="吴楼长")
    login_as(page, live_server, head)
    page.goto_path(f"/residents/{city.resident.pk}/")
    assert page.locator("h1").inner_text().startswith("李大爷")
    assert page.locator("#id-number").inner_text() == city.resident.id_number_masked
    assert page.locator("#reveal-button").count() == 0
    assert page.get_by_text("显示完整信息").count() == 0
    screenshot(page, "resident-building-head")
    # out of the building head's scope: a 404 page in Chinese
    response = page.goto_path(f"/residents/{city.other_resident.pk}/")
    assert response.status == 404
    assert "未找到该记录，或不在您的管辖范围内" in page.locator("#error").inner_text()
    screenshot(page, "not-found")


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


MM_PER_PT = 25.4 / 72
MM_PER_PX = 25.4 / 96


def _media_boxes_mm(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height in millimetres of every /MediaBox in the PDF, as Chromium wrote it."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    return [((float(x1) - float(x0)) * MM_PER_PT, (float(y1) - float(y0)) * MM_PER_PT)
            for x0, y0, x1, y1 in boxes]


def test_contact_card_shows_contacts_qr_and_prints_on_one_a6_page(page, live_server, city, settings):
    settings.LINLI_PUBLIC_URL = live_server.url
    people = {}
    for role, title, name in [("branch_secretary", "党支部书记", "陈书记"), ("owners_committee", "业委会主任", "刘主任"),
                              ("property_manager", "物业经理", "赵经理")]:
        people[name] = (title, city.user_with(role, at=city.compound, title=title, is_lead=True, name=name).phone)

    page.goto_path(f"/card/{city.compound.pk}/")  # public: nobody logged in
    card = page.locator("#contact-card")
    assert "连心卡" in card.inner_text() and "汉都华府二期" in card.inner_text() and "石马社区" in card.inner_text()
    rows = card.locator(".contacts > li")
    assert rows.count() == 3
    for i, (name, (title, phone)) in enumerate(people.items()):
        row = rows.nth(i)
        assert row.locator(".title").inner_text() == title
        assert row.locator(".name").inner_text() == name
        assert row.locator(".phone").get_attribute("href") == f"tel:{phone}"
    qr = card.locator(".qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100 and box["height"] >= 100
    card_url = f"{live_server.url}/card/{city.compound.pk}/"
    assert card_url in card.locator(".qr").inner_text()
    screenshot(page, "card")

    # Printed as the page asks (its own @page size, no paper forced from here): one A6 sheet,
    # 105 mm x 148 mm, read from the PDF Chromium writes.
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) == 1
    boxes = _media_boxes_mm(pdf)
    assert boxes, "no /MediaBox in the PDF"
    for width, height in boxes:
        assert width == pytest.approx(105, abs=1) and height == pytest.approx(148, abs=1), boxes

    # The card itself, measured in print media at the printable width (A6 less 6 mm margins,
    # 93 mm x 136 mm): it fits on that one page, and the screen-only parts are gone.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(93 / MM_PER_PX), "height": round(136 / MM_PER_PX)})
    assert not page.locator(".topbar").is_visible()
    assert not page.get_by_role("button", name="打印连心卡").is_visible()
    box = card.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    assert (box["x"] + box["width"]) * MM_PER_PX <= 93 + 1
    assert (box["y"] + box["height"]) * MM_PER_PX <= 136 + 1
    assert page.evaluate("document.documentElement.scrollHeight") * MM_PER_PX <= 136 + 1
    # every contact and the QR code are on the card, not cut off below it
    for element in [rows.nth(i) for i in range(rows.count())] + [qr]:
        inner = element.bounding_box()
        assert inner["y"] + inner["height"] <= box["y"] + box["height"] + 1
    screenshot(page, "card-print")




def test_card_is_404_for_a_building(page, city):
    response = page.goto_path(f"/card/{city.building.pk}/")
    assert response.status == 404
    assert "未找到该小区" in page.locator("#error").inner_text()


def test_switch_to_english(page, live_server, city):
    worker = city.user_with("grid_worker", at=city.grid)
    login_as(page, live_server, worker)
    page.goto_path(f"/places/{city.grid.pk}/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith(f"/places/{city.grid.pk}/")
    # names from the data carry their own English: place kinds and care tags
    assert "Compound" in page.locator("#children").inner_text()
    assert "Elderly living alone" in page.locator("#own-tags").inner_text()
    screenshot(page, "place-english")

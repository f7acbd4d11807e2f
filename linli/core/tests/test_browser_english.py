"""English mode on a phone: each role's home and every page of its menu (and a case page), in
real Chromium with the English language cookie, must show no Chinese character and no full-width
punctuation (，。：；（）…) outside user data. User data are the names and texts stored in the
database (places, people, organisations, cases, categories, care tags, job titles) and anything
marked lang="zh-Hans" (a spreadsheet's Chinese header, which a file may carry)."""

import re

import pytest
from django.conf import settings

from linli.accounts.models import Organisation, RoleAssignment, User
from linli.cases import services
from linli.cases.models import Case, Category
from linli.conftest import login_as, screenshot
from linli.core.actors import SYSTEM
from linli.places.models import CareTag, Place, PlaceKind, Resident
from linli.testing import CASE_CAST, block_the_outside

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# CJK ideographs, CJK symbols and punctuation (、。「」…), full-width forms (，：；（）！？)
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d]")

PAGE_TEXT = """() => {
  const root = document.documentElement.cloneNode(true);
  root.querySelectorAll('script, style, [lang^="zh"]').forEach(e => e.remove());
  const attrs = [...root.querySelectorAll('[placeholder], [title], [aria-label], [alt]')]
    .flatMap(e => ['placeholder', 'title', 'aria-label', 'alt'].map(a => e.getAttribute(a) || ''));
  return [root.querySelector('title') ? root.querySelector('title').textContent : '',
          root.querySelector('body').textContent, ...attrs].join('\\n');
}"""


def user_data() -> list[str]:
    words = set()
    for model, fields in [(Place, ["name"]), (User, ["display_name", "username"]), (Organisation, ["name"]),
                          (Case, ["text", "contact_name"]), (Category, ["name"]), (CareTag, ["name"]),
                          (Resident, ["name"]), (RoleAssignment, ["title"]), (PlaceKind, ["name"])]:
        for row in model.objects.values_list(*fields):
            words.update(w for w in row if w)
    return sorted(words, key=len, reverse=True)


def leftovers(page) -> list[str]:
    text = page.evaluate(PAGE_TEXT)
    for word in user_data():
        text = text.replace(word, " ")
    found = []
    for m in re.finditer(CHINESE.pattern + "+", text):
        snippet = " ".join(text[max(0, m.start() - 30):m.end() + 30].split())
        if snippet not in found:
            found.append(snippet)
    return found


def test_english_pages_of_each_role_have_no_chinese_outside_user_data(page, live_server, city):
    people = city.people(*CASE_CAST, "env")
    people["volunteer"] = city.user_with("volunteer", at=city.building, name="志愿者小王")
    people["secretary"] = city.user_with("community_secretary", at=city.community, name="社区书记")
    case = services.submit_case(actor=people["resident"], text="楼道灯坏了好几天了", channel="resident",
                                place_id=city.dwelling.pk)
    services.submit_case(actor=SYSTEM, text="小区门口车辆乱停乱放", channel="patrol", place_id=city.dwelling.pk,
                         category_code="parking")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    problems: dict[str, list[str]] = {}
    for role in ["resident", "building_head", "grid_worker", "secretary", "street_official", "env", "volunteer"]:
        page.context.clear_cookies()
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "domain": host, "path": "/"}])
        login_as(page, live_server, people[role])
        outside = block_the_outside(page)
        page.goto_path("/")
        assert page.locator("html").get_attribute("lang") == "en"
        paths = ["/"] + [h for h in page.locator(".topnav a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
                         if h and h.startswith("/")]
        paths.append(f"/cases/{case.pk}/")
        for path in dict.fromkeys(paths):
            page.goto_path(path)
            found = leftovers(page)
            if found:
                problems[f"{role} {path}"] = found
        screenshot(page, f"english-{role}")
        assert outside == []
    assert not problems, "\n".join(f"{where}: {found}" for where, found in problems.items())

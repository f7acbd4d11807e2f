"""The suggester's best three on the report page and in the API, and the ranking kept on the
case (issue 11, section 4)."""

import pytest

from linli.cases import services
from linli.cases.models import Case
from linli.conftest import login_as, screenshot
from linli.core.actors import SYSTEM
from linli.demo.case_texts import labelled_texts
from linli.testing import api_headers
from linli.triage import services as triage_services
from linli.triage import suggest


@pytest.fixture
def model(city):
    """A suggester trained on handled cases only (the corpus makes a fit take half a minute)."""
    from linli.triage.tests.conftest import insert_handled_cases

    suggest.forget_cached_model()
    insert_handled_cases(city.dwelling, labelled_texts(400, seed=3))
    yield triage_services.train_model(actor=SYSTEM, with_corpus=False, min_cases=100)
    suggest.forget_cached_model()


def test_suggest_endpoint_ranks_with_probabilities(client, city, model):
    resident = city.user_with("resident", at=city.dwelling)
    r = client.get("/api/v1/cases/suggest", {"text": "小区门口的路灯晚上不亮了"}, **api_headers(resident))
    assert r.status_code == 200, r.content
    rows = r.json()
    assert len(rows) == 3 and rows[0]["category"]["code"] == "streetlight"
    assert rows[0]["probability"] >= rows[1]["probability"] >= rows[2]["probability"] > 0
    assert sum(row["probability"] for row in rows) <= 1.0001
    assert "other" not in [row["category"]["code"] for row in rows]
    r = client.get("/api/v1/cases/suggest", {"text": "有个事", "k": 5}, **api_headers(resident))
    assert r.status_code == 200 and len(r.json()) == 5  # however unsure, a ranked list
    assert client.get("/api/v1/cases/suggest", {"text": ""}, **api_headers(resident)).status_code == 422
    assert client.get("/api/v1/cases/suggest", {"text": "x", "k": 0}, **api_headers(resident)).status_code == 422


def test_suggest_endpoint_without_a_model_uses_the_keywords(client, city):
    suggest.forget_cached_model()
    resident = city.user_with("resident", at=city.dwelling)
    r = client.get("/api/v1/cases/suggest", {"text": "小区门口车辆乱停乱放"}, **api_headers(resident))
    assert r.status_code == 200 and r.json()[0]["category"]["code"] == "parking"
    assert client.get("/api/v1/cases/suggest", {"text": "你好"}, **api_headers(resident)).json() == []


def test_the_case_keeps_the_ranking_and_an_unsure_model_never_files_it_as_other(city, model):
    resident = city.user_with("resident", at=city.dwelling)
    case = services.submit_case(actor=resident, text="这个事情麻烦你们看一下", channel="resident",
                                place_id=city.dwelling.pk)
    case.refresh_from_db()
    assert case.category.code != "other" and len(case.suggested_ranking) == 3
    assert case.suggested_ranking[0]["code"] == case.category.code == case.suggested_category.code
    chosen = services.submit_case(actor=resident, text="小区门口的路灯晚上不亮了", channel="resident",
                                  place_id=city.dwelling.pk, category_code="facilities")
    chosen.refresh_from_db()
    assert chosen.category.code == "facilities" and chosen.suggested_ranking[0]["code"] == "streetlight"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_report_page_offers_three_choices_and_a_tap_chooses_one(page, live_server, city, model):
    resident = city.user_with("resident", at=city.dwelling, name="李大爷")
    login_as(page, live_server, resident)
    page.goto_path("/cases/new/")
    page.fill("#id_text", "小区门口的路灯晚上不亮了，黑乎乎的")
    choices = page.locator("#suggested-category button.suggestion-choice")
    choices.first.wait_for()
    assert choices.count() == 3
    labels = choices.all_inner_texts()
    assert labels[0].startswith("路灯") and all("%" in label for label in labels)
    assert page.locator("#id_category").input_value() == ""  # nothing chosen until a tap
    second = choices.nth(1)
    code = second.get_attribute("data-code")
    second.click()
    assert page.locator("#id_category").input_value() == code
    assert second.get_attribute("aria-pressed") == "true" and choices.first.get_attribute("aria-pressed") == "false"
    box = second.bounding_box()
    assert box["height"] >= 44  # a tap target for elderly residents
    screenshot(page, "cases-report-suggestions")
    page.click("#report-submit")
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(reporter=resident)
    assert case.category.code == code and case.suggested_category.code == "streetlight"

"""Issue 11 §1: the hand-off between workers and residents. The queue holds exactly the cases
on which a person can act now, verification included; the one who answered does not verify
their own answer where someone else can; escalation reasons are staff-only by default; the
reporter's phone is revealed to handlers through an audited path only."""

import pytest

from linli.cases import rules, selectors, services
from linli.cases.models import Case, CaseEvent
from linli.core.errors import Conflict, Forbidden
from linli.core.models import AuditEntry
from linli.testing import CASE_CAST, DEPARTMENTS, api_headers


@pytest.fixture
def p(city):
    return city.people(*CASE_CAST, *DEPARTMENTS)


def report(p, city, **kw):
    return services.submit_case(actor=p[kw.pop("who", "resident")], text="小区门口车辆乱停乱放", channel="resident",
                                place_id=city.dwelling.pk, category_code="parking", **kw)


def queue(user):
    return set(selectors.queue_for(user).values_list("pk", flat=True))


def test_an_answer_moves_from_the_answerers_queue_to_the_verifiers(city, p):
    case = report(p, city)
    assert case.level == "grid"
    worker, community = p["grid_worker"], p["community_worker"]
    assert case.pk in queue(worker) and case.pk not in queue(community)
    services.accept_case(actor=worker, case_id=case.pk)
    services.answer_case(actor=worker, case_id=case.pk, answer="已劝导挪车")
    # Nobody else at the grid: the level above verifies; the answerer's list no longer holds it.
    assert case.pk not in queue(worker)
    assert case.pk in queue(community)
    assert rules.verifiers(Case.objects.get(pk=case.pk)) == {community.pk}
    with pytest.raises(Forbidden) as exc:
        services.close_case(actor=worker, case_id=case.pk, outcome="solved")
    assert exc.value.code == "own_answer"
    services.close_case(actor=community, case_id=case.pk, outcome="solved")
    assert case.pk not in queue(community)


def test_a_colleague_at_the_same_level_verifies_before_the_level_above(city, p):
    colleague = city.user_with("grid_worker", at=city.grid, name="同事")
    case = report(p, city)
    services.accept_case(actor=p["grid_worker"], case_id=case.pk)
    services.answer_case(actor=p["grid_worker"], case_id=case.pk, answer="已劝导挪车")
    assert rules.verifiers(Case.objects.get(pk=case.pk)) == {colleague.pk}
    assert case.pk in queue(colleague) and case.pk not in queue(p["community_worker"])


def test_the_answerer_may_verify_only_when_nobody_else_can_and_the_page_says_so(client, city):
    worker = city.user_with("grid_worker", at=city.grid, name="唯一的网格员")
    case = services.submit_case(actor=worker, text="独居老人反映暖气不热", channel="phone", place_id=city.grid.pk,
                                category_code="parking", contact_name="孙奶奶", contact_phone="13912345678")
    services.accept_case(actor=worker, case_id=case.pk)
    services.answer_case(actor=worker, case_id=case.pk, answer="已修好")
    case = Case.objects.get(pk=case.pk)
    assert case.reporter_id is None and rules.verifiers(case) == set() and rules.self_verification_allowed(case)
    assert case.pk in queue(worker)
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="action-close"' in page and "没有其他人可以核查，答复人可以核查自己的答复" in page
    services.close_case(actor=worker, case_id=case.pk, outcome="solved")
    assert CaseEvent.objects.get(case=case, kind="verified").data["own_answer"] is True


def test_the_close_form_preselects_no_outcome(client, city, p):
    case = report(p, city)
    services.accept_case(actor=p["grid_worker"], case_id=case.pk)
    services.answer_case(actor=p["grid_worker"], case_id=case.pk, answer="已劝导挪车")
    client.force_login(p["resident"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="close-outcome"' in page and "checked" not in page.split('id="action-close"')[1].split("</form>")[0]
    assert client.post(f"/cases/{case.pk}/close/", {"close-note": ""}).status_code == 400
    assert Case.objects.get(pk=case.pk).status == "answered"


def test_escalation_reasons_are_staff_only_unless_the_handler_says(client, city, p):
    case = report(p, city)
    services.escalate_case(actor=p["grid_worker"], case_id=case.pk, reason="3楼邻居总占车位，态度很差", from_level="grid")
    client.force_login(p["resident"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "态度很差" not in page
    client.force_login(p["community_worker"])
    assert "态度很差" in client.get(f"/cases/{case.pk}/").content.decode()
    other = report(p, city)
    client.force_login(p["grid_worker"])
    r = client.post(f"/cases/{other.pk}/escalate/", {"escalate-reason": "需要社区协调停车位", "escalate-public": "on",
                                                     "escalate-from_level": "grid"})
    assert r.status_code == 302
    client.force_login(p["resident"])
    assert "需要社区协调停车位" in client.get(f"/cases/{other.pk}/").content.decode()
    # Every free-text field on the handler's page says who will read it.
    client.force_login(p["community_worker"])
    page = client.get(f"/cases/{other.pk}/").content.decode()
    assert "上报原因（仅工作人员可见）" in page and "内部备注（仅工作人员可见）" in page


def test_handlers_see_the_phone_masked_and_reveal_it_through_the_audited_path(client, city, p):
    case = report(p, city)
    full = p["resident"].phone
    client.force_login(p["grid_worker"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert p["resident"].phone_masked in page and full not in page
    r = client.post(f"/cases/{case.pk}/call/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and f'href="tel:{full}"' in r.content.decode()
    assert AuditEntry.objects.filter(kind="case.reveal_phone", actor=p["grid_worker"]).count() == 1
    # Not a handler: neither the number nor the button.
    client.force_login(p["other_resident"])
    assert client.post(f"/cases/{case.pk}/call/").status_code == 404
    client.force_login(p["resident"])
    assert client.post(f"/cases/{case.pk}/call/").status_code in (403, 404)
    assert AuditEntry.objects.filter(kind="case.reveal_phone").count() == 1


def test_the_api_escalate_needs_the_level_seen_and_a_stale_one_is_409(client, city, p):
    case = report(p, city)
    headers = api_headers(p["community_worker"])
    url = f"/api/v1/cases/{case.pk}/escalate"
    r = client.post(url, {"reason": "需要上级协调"}, content_type="application/json", **headers)
    assert r.status_code in (400, 422) and Case.objects.get(pk=case.pk).escalated_count == 0
    r = client.post(url, {"reason": "需要上级协调", "from_level": "building"}, content_type="application/json",
                    **headers)
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "stale"
    assert "请刷新后再试" in r.json()["errors"][0]["message"]
    r = client.post(url, {"reason": "需要上级协调", "from_level": "grid"}, content_type="application/json", **headers)
    assert r.status_code == 200 and r.json()["level"] == "community"
    with pytest.raises(Conflict):
        services.escalate_case(actor=p["community_worker"], case_id=case.pk, reason="再上报", from_level="grid")

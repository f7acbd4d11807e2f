"""Scope for cases: a grid worker never sees a (non-public) case outside their grid; a
resident sees only their own and public ones; selectors and linli.accounts.scope agree;
handlers act only where the ladder lets them."""

import pytest

from linli.accounts.models import Organisation
from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, require
from linli.cases import selectors, services
from linli.cases.models import Case
from linli.core.errors import Conflict, Forbidden, NotFound

WHERE = ("inside", "below", "above", "beside")


@pytest.fixture
def cases(city):
    """One private case reported at each position relative to city.grid."""
    reporters = {w: city.user_with("resident", at=city.dwelling, name=f"居民{w}") for w in WHERE}
    places = {"inside": city.grid, "below": city.dwelling, "above": city.community_dwelling,
              "beside": city.other_dwelling}
    return {w: services.submit_case(actor=reporters[w], text=f"问题{w}需要处理", channel="resident",
                                    place_id=places[w].pk, category_code="parking") for w in WHERE}


def sees(user, case) -> bool:
    in_list = selectors.visible_cases(user).filter(pk=case.pk).exists()
    assert in_list == allowed(user, Verb.CASE_VIEW, case), "selectors and scope disagree"
    return in_list


@pytest.mark.parametrize("role,at,expected", [
    ("grid_worker", "grid", {"inside", "below"}),
    ("grid_head", "grid", {"inside", "below"}),
    ("grid_worker", "other_grid", {"beside"}),
    ("building_head", "building", {"below"}),  # the dwelling is in their building
    ("community_worker", "community", set(WHERE)),
    ("street_official", "street", set(WHERE)),
    ("resident", "dwelling", set()),
    ("property_manager", "compound", set()),
    ("volunteer", "grid", set()),
])
def test_scope_matrix(city, cases, role, at, expected):
    user = city.user_with(role, at=getattr(city, at))
    assert {w for w in WHERE if sees(user, cases[w])} == expected
    assert set(selectors.visible_cases(user)) == {cases[w] for w in expected}


def test_building_head_sees_cases_in_their_building(city, cases):
    head = city.user_with("building_head", at=city.building)
    mine = services.submit_case(actor=city.user_with("resident", at=city.dwelling), text="楼道灯坏了",
                                channel="resident", place_id=city.dwelling.pk, category_code="stairwell")
    assert sees(head, mine)
    assert set(selectors.visible_cases(head)) == {mine, cases["below"]}


def test_resident_sees_own_and_public_only(city, cases):
    me = city.user_with("resident", at=city.dwelling)
    housemate = city.user_with("resident", at=city.dwelling)
    own = services.submit_case(actor=me, text="我家门口漏水", channel="resident", place_id=city.dwelling.pk)
    theirs = services.submit_case(actor=housemate, text="同户的另一件事", channel="resident",
                                  place_id=city.dwelling.pk)
    public = services.submit_case(actor=housemate, text="公开的路灯问题", channel="resident",
                                  place_id=city.other_dwelling.pk, is_public=True)
    assert [sees(me, c) for c in (own, theirs, public)] == [True, False, True]
    assert set(selectors.visible_cases(me)) == {own, public}
    assert not any(sees(me, c) for c in cases.values())
    with pytest.raises(NotFound):
        require(me, Verb.CASE_VIEW, theirs)


def test_supporting_a_public_case_keeps_it_visible_after_it_turns_private(city):
    reporter = city.user_with("resident", at=city.dwelling)
    fan = city.user_with("resident", at=city.other_dwelling)
    case = services.submit_case(actor=reporter, text="公开的路灯问题", channel="resident",
                                place_id=city.dwelling.pk, is_public=True)
    services.me_too(actor=fan, case_id=case.pk)
    Case.objects.filter(pk=case.pk).update(is_public=False)
    assert sees(fan, Case.objects.get(pk=case.pk))


def test_public_cases_are_seen_by_everyone_logged_in(city, cases):
    Case.objects.filter(pk=cases["beside"].pk).update(is_public=True)
    worker = city.user_with("grid_worker", at=city.grid)
    assert sees(worker, Case.objects.get(pk=cases["beside"].pk))
    # … but seeing is not handling.
    with pytest.raises(Forbidden):
        services.accept_case(actor=worker, case_id=cases["beside"].pk)


def test_anonymous_sees_nothing(city, cases):
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    Case.objects.filter(pk=cases["inside"].pk).update(is_public=True)
    assert not selectors.visible_cases(anon).exists()
    assert not allowed(anon, Verb.CASE_VIEW, cases["inside"])
    with pytest.raises((Forbidden, NotFound)):
        services.accept_case(actor=anon, case_id=cases["inside"].pk)


# ---------------------------------------------------------------- who may act


@pytest.fixture
def ladder(city):
    return {
        "head": city.user_with("building_head", at=city.building),
        "other_head": city.user_with("building_head", at=city.other_building),
        "worker": city.user_with("grid_worker", at=city.grid),
        "other_worker": city.user_with("grid_worker", at=city.other_grid),
        "community": city.user_with("community_worker", at=city.community),
        "resident": city.user_with("resident", at=city.dwelling),
    }


def _case(city, who, category, place=None):
    return services.submit_case(actor=who, text="需要处理的问题", channel="resident",
                                place_id=(place or city.dwelling).pk, category_code=category)


def test_building_head_handles_only_within_their_building(city, ladder):
    case = _case(city, ladder["resident"], "stairwell")
    assert case.level == "building" and case.handler_place == city.building
    with pytest.raises(NotFound):
        services.accept_case(actor=ladder["other_head"], case_id=case.pk)
    services.accept_case(actor=ladder["head"], case_id=case.pk)


@pytest.mark.parametrize("actor", ["worker", "community"])
def test_levels_above_may_act_on_a_building_case(city, ladder, actor):
    case = _case(city, ladder["resident"], "stairwell")
    services.accept_case(actor=ladder[actor], case_id=case.pk)
    services.answer_case(actor=ladder[actor], case_id=case.pk, answer="已清理楼道")
    assert Case.objects.get(pk=case.pk).status == "answered"


def test_beside_may_not_act(city, ladder):
    case = _case(city, ladder["resident"], "stairwell")
    for who in ("other_worker", "other_head"):
        with pytest.raises(NotFound):
            services.accept_case(actor=ladder[who], case_id=case.pk)
        with pytest.raises(NotFound):
            services.escalate_case(actor=ladder[who], case_id=case.pk, reason="不是我的")


def test_building_head_cannot_act_on_a_grid_level_case(city, ladder):
    case = _case(city, ladder["resident"], "parking")
    assert case.level == "grid"
    head = ladder["head"]
    assert allowed(head, Verb.CASE_VIEW, case)  # it is in their building: they see it …
    for act in (lambda: services.accept_case(actor=head, case_id=case.pk),
                lambda: services.escalate_case(actor=head, case_id=case.pk, reason="上报"),
                lambda: services.request_info(actor=head, case_id=case.pk, question="请补充"),
                lambda: services.record_contact(actor=head, case_id=case.pk)):
        with pytest.raises(Forbidden):  # … but do not handle it
            act()
    assert Case.objects.get(pk=case.pk).status == "submitted"
    assert list(Case.objects.get(pk=case.pk).events.values_list("kind", flat=True)) == ["created", "routed"]


def test_grid_worker_cannot_act_on_a_community_level_case(city, ladder):
    case = _case(city, ladder["resident"], "manhole")
    assert case.level == "community"
    with pytest.raises(Forbidden):
        services.accept_case(actor=ladder["worker"], case_id=case.pk)
    services.accept_case(actor=ladder["community"], case_id=case.pk)


def test_grid_worker_cannot_verify_outside_their_grid(city, ladder):
    case = _case(city, ladder["resident"], "parking")
    services.accept_case(actor=ladder["community"], case_id=case.pk)
    services.answer_case(actor=ladder["community"], case_id=case.pk, answer="已处理")
    with pytest.raises(NotFound):
        services.close_case(actor=ladder["other_worker"], case_id=case.pk, outcome="solved")
    services.close_case(actor=ladder["worker"], case_id=case.pk, outcome="solved")


def test_queue_is_only_the_cases_at_your_level_and_place(city, ladder):
    building_case = _case(city, ladder["resident"], "stairwell")
    grid_case = _case(city, ladder["resident"], "parking")
    other_case = _case(city, ladder["resident"], "parking", place=city.other_dwelling)
    assert list(selectors.queue_for(ladder["head"])) == [building_case]
    assert set(selectors.queue_for(ladder["worker"])) == {grid_case}
    assert list(selectors.queue_for(ladder["other_worker"])) == [other_case]
    assert list(selectors.queue_for(ladder["resident"])) == []


# ---------------------------------------------------------------- departments


@pytest.fixture
def depts(city):
    """Two departments whose jurisdiction is the whole street, as a real 环保所 or 综治中心 is."""
    a = city.user_with("department_staff", at=city.street, name="环保所干部")
    b = city.user_with("department_staff", at=city.street, name="综治干部")
    return a, Organisation.objects.get(staff__user=a), b, Organisation.objects.get(staff__user=b)


def test_department_staff_see_cases_referred_or_cohandled_to_them(city, ladder, depts):
    a, org_a, b, org_b = depts
    referred = _case(city, ladder["resident"], "parking")
    cohandled = _case(city, ladder["resident"], "parking")
    services.refer_case(actor=ladder["community"], case_id=referred.pk, organisation_id=org_a.pk, reason="转环保")
    services.open_cohandling(actor=ladder["community"], case_id=cohandled.pk, organisation_ids=[org_b.pk])
    assert sees(a, referred) and sees(b, cohandled)
    assert list(selectors.queue_for(a)) == [referred]
    assert list(selectors.queue_for(b)) == [cohandled]


def test_department_staff_reach_a_referral_outside_their_jurisdiction(city, ladder):
    staff = city.user_with("department_staff", at=city.other_grid)
    org = Organisation.objects.get(staff__user=staff)
    case = _case(city, ladder["resident"], "parking")
    assert not sees(staff, case)
    services.refer_case(actor=ladder["community"], case_id=case.pk, organisation_id=org.pk, reason="转办")
    assert sees(staff, case)
    services.accept_case(actor=staff, case_id=case.pk)
    services.answer_case(actor=staff, case_id=case.pk, answer="已处理")


def test_department_staff_see_only_cases_referred_or_cohandled_to_them(city, ladder, depts):
    a, org_a, b, org_b = depts
    unrelated = _case(city, ladder["resident"], "parking")
    referred_to_b = _case(city, ladder["resident"], "parking")
    services.refer_case(actor=ladder["community"], case_id=referred_to_b.pk, organisation_id=org_b.pk,
                        reason="转综治")
    assert not sees(a, unrelated) and not sees(a, referred_to_b)
    with pytest.raises((Forbidden, NotFound)):
        services.accept_case(actor=a, case_id=unrelated.pk)


def test_department_cannot_act_on_another_departments_referral(city, ladder, depts):
    a, org_a, b, org_b = depts
    case = _case(city, ladder["resident"], "parking")
    services.refer_case(actor=ladder["community"], case_id=case.pk, organisation_id=org_a.pk, reason="转环保")
    with pytest.raises((Forbidden, NotFound)):
        services.accept_case(actor=b, case_id=case.pk)
    with pytest.raises((Forbidden, NotFound)):
        services.accept_case(actor=ladder["worker"], case_id=case.pk)
    # A dispatcher above may still act on it.
    services.accept_case(actor=ladder["community"], case_id=case.pk)


def test_a_stale_level_does_not_leak_a_case_outside_scope(city, ladder):
    case = _case(city, ladder["resident"], "parking", place=city.other_dwelling)
    with pytest.raises(NotFound):
        services.escalate_case(actor=ladder["worker"], case_id=case.pk, reason="上报", from_level="building")
    with pytest.raises(Conflict):
        services.escalate_case(actor=ladder["other_worker"], case_id=case.pk, reason="上报", from_level="building")

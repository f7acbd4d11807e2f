"""Routing (section 3): a routing table maps (category, place subtree) to the level or
organisation that handles it; the most specific rule wins; a case goes to the lowest level
able to act."""

import pytest

from linli.accounts.models import Organisation
from linli.cases import services
from linli.cases.models import Case, Category, RoutingRule
from linli.core.actors import SYSTEM
from linli.notify.models import Notification
from linli.places import services as place_services


def cat(code: str) -> Category:
    return Category.objects.get(code=code)


def rule(place, level, category=None, organisation=None) -> RoutingRule:
    return RoutingRule.objects.create(place=place, level=level, category=cat(category) if category else None,
                                      organisation=organisation)


def department(name="环保所") -> Organisation:
    return Organisation.objects.create(kind="department", name=name)


@pytest.fixture
def staffed(city):
    """A handler on every rung over city.dwelling, so routing is decided by rules alone."""
    return {
        "building_head": city.user_with("building_head", at=city.building),
        "grid_worker": city.user_with("grid_worker", at=city.grid),
        "community_worker": city.user_with("community_worker", at=city.community),
        "street_official": city.user_with("street_official", at=city.street),
    }


def submit(actor, place, category, text="这里有个问题需要处理"):
    return services.submit_case(actor=actor, text=text, channel="resident", place_id=place.pk,
                                category_code=category)


@pytest.fixture
def resident(city):
    return city.user_with("resident", at=city.dwelling)


# ---------------------------------------------------------------- defaults from the category


@pytest.mark.parametrize("category,level,where", [
    ("stairwell", "building", "building"),
    ("noise", "building", "building"),
    ("parking", "grid", "grid"),
    ("manhole", "community", "community"),
    ("livestock", "street", "street"),
])
def test_default_level_comes_from_the_category(city, staffed, resident, category, level, where):
    case = submit(resident, city.dwelling, category)
    assert (case.level, case.handler_place, case.handler_organisation) == (level, getattr(city, where), None)


def test_route_for_without_rules_is_the_category_default(city):
    assert services.route_for(cat("stairwell"), city.dwelling) == ("building", None)
    assert services.route_for(cat("manhole"), city.dwelling) == ("community", None)


# ---------------------------------------------------------------- specificity


def test_deeper_place_beats_shallower(city):
    rule(city.street, "street", "parking")
    rule(city.community, "community", "parking")
    assert services.route_for(cat("parking"), city.dwelling) == ("community", None)
    rule(city.compound, "building", "parking")
    assert services.route_for(cat("parking"), city.dwelling) == ("building", None)
    # The deeper rule wins even when it is for "any category".
    rule(city.building, "grid")
    assert services.route_for(cat("parking"), city.dwelling) == ("grid", None)


def test_category_rule_beats_any_category_at_the_same_place(city):
    rule(city.grid, "community")
    rule(city.grid, "street", "parking")
    assert services.route_for(cat("parking"), city.dwelling) == ("street", None)
    assert services.route_for(cat("noise"), city.dwelling) == ("community", None)


def test_parent_category_rule_applies_to_children_and_child_rule_wins(city):
    rule(city.community, "street", "facilities")
    assert services.route_for(cat("manhole"), city.dwelling) == ("street", None)
    assert services.route_for(cat("stairwell"), city.dwelling) == ("street", None)
    assert services.route_for(cat("parking"), city.dwelling) == ("grid", None)
    rule(city.community, "grid", "manhole")
    assert services.route_for(cat("manhole"), city.dwelling) == ("grid", None)
    assert services.route_for(cat("road"), city.dwelling) == ("street", None)
    # The nearest category beats "any category" at the same place.
    rule(city.community, "building")
    assert services.route_for(cat("road"), city.dwelling) == ("street", None)
    assert services.route_for(cat("noise"), city.dwelling) == ("building", None)


def test_rules_elsewhere_do_not_apply(city):
    rule(city.other_grid, "street", "parking")
    rule(city.building, "street", "parking")  # below the case's place: not an ancestor
    assert services.route_for(cat("parking"), city.compound) == ("grid", None)
    assert services.route_for(cat("parking"), city.other_dwelling) == ("street", None)


def test_rule_decides_the_level_of_a_submitted_case(city, staffed, resident):
    city.user_with("grid_worker", at=city.other_grid)
    rule(city.grid, "community", "parking")
    case = submit(resident, city.dwelling, "parking")
    assert case.level == "community" and case.handler_place == city.community
    other = submit(resident, city.other_dwelling, "parking")
    assert other.level == "grid" and other.handler_place == city.other_grid


# ---------------------------------------------------------------- lowest level able to act


def test_building_level_case_at_a_compound_goes_to_the_grid(city, staffed, resident):
    case = submit(resident, city.compound, "stairwell")
    assert case.level == "grid" and case.handler_place == city.grid


def test_building_level_case_with_no_building_or_grid_goes_to_the_community(city, staffed, resident):
    case = submit(resident, city.community_dwelling, "stairwell")
    assert case.level == "community" and case.handler_place == city.community


def test_grid_level_case_at_the_community_goes_to_the_community(city, staffed, resident):
    assert submit(resident, city.community, "parking").handler_place == city.community


def test_a_rung_with_nobody_to_act_is_skipped(city, resident):
    """A building with no building head cannot act: the case goes to the grid (and is in
    the grid worker's queue and notified), not to an empty rung."""
    worker = city.user_with("grid_worker", at=city.grid)
    case = submit(resident, city.dwelling, "stairwell")
    assert case.level == "grid" and case.handler_place == city.grid
    assert Notification.objects.filter(recipient=worker, kind="case_new").count() == 1


def test_an_inactive_role_does_not_make_a_rung_able_to_act(city, resident):
    head = city.user_with("building_head", at=city.building)
    head.roles.update(is_active=False)
    city.user_with("grid_worker", at=city.grid)
    assert submit(resident, city.dwelling, "stairwell").level == "grid"


def test_nobody_anywhere_keeps_the_lowest_existing_rung(city, resident):
    case = submit(resident, city.dwelling, "stairwell")
    assert case.level == "building" and case.handler_place == city.building


def test_handler_at_walks_up_the_ladder(city, staffed):
    assert services.handler_at("building", city.dwelling) == ("building", city.building, None)
    assert services.handler_at("building", city.compound) == ("grid", city.grid, None)
    assert services.handler_at("grid", city.community_dwelling) == ("community", city.community, None)
    assert services.handler_at("community", city.dwelling) == ("community", city.community, None)
    assert services.handler_at("street", city.dwelling) == ("street", city.street, None)


def test_a_place_above_every_rung_goes_to_the_top(city):
    assert services.handler_at("grid", city.district) == ("street", city.district, None)


def test_routing_follows_places_added_later(city, staffed, resident):
    compound = place_services.create_place(actor=SYSTEM, parent_id=city.grid.pk, kind_code="compound",
                                           name="新建小区")
    assert submit(resident, compound, "noise").handler_place == city.grid


# ---------------------------------------------------------------- departments


def test_department_routing(city, staffed, resident):
    staff = city.user_with("department_staff", at=city.street)
    org = Organisation.objects.get(staff__user=staff)
    rule(city.street, "department", "livestock", organisation=org)
    case = submit(resident, city.dwelling, "livestock", text="附近养猪场粪便污染")
    assert case.level == "department" and case.handler_organisation == org and case.handler_place is None
    assert services.handlers(case) == [staff]
    assert Notification.objects.filter(recipient=staff, kind="case_new").exists()
    # The department accepts and answers its case.
    services.accept_case(actor=staff, case_id=case.pk)
    services.answer_case(actor=staff, case_id=case.pk, answer="已责令养殖场整改")
    assert Case.objects.get(pk=case.pk).status == "answered"


def test_department_rule_without_an_organisation_falls_back_to_the_street(city, staffed):
    rule(city.street, "department", "livestock")
    level, organisation = services.route_for(cat("livestock"), city.dwelling)
    assert (level, organisation) == ("department", None)
    assert services.handler_at(level, city.dwelling, organisation) == ("street", city.street, None)


def test_department_rule_applies_only_in_its_subtree(city, staffed, resident):
    city.user_with("grid_worker", at=city.other_grid)
    org = department()
    rule(city.grid, "department", "livestock", organisation=org)
    assert submit(resident, city.dwelling, "livestock").handler_organisation == org
    other = submit(resident, city.other_dwelling, "livestock")
    assert other.level == "street" and other.handler_organisation is None

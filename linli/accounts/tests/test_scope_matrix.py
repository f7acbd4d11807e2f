"""Every role × a place inside, above, beside and below its scope × every verb, through
both the single-object check (`allowed`) and the list filter (`scoped`)."""

import pytest

from linli.accounts.roles import Role, Verb
from linli.accounts.scope import allowed, scoped
from linli.places.models import Household, Place, Resident
from linli.testing import CASE_CAST, DEPARTMENTS

# What each role may do inside its own place and below it: data to read, written out
# independently of linli.accounts.roles. Above and beside, no role may do anything.
ALL = {"place.view", "place.manage", "household.view", "household.manage", "resident.view",
       "resident.manage", "resident.unmask", "people.import", "role.manage", "audit.view",
       "case.view", "case.intake", "case.handle", "case.verify", "case.dispatch",
       "deliberation.view", "deliberation.propose", "deliberation.convene", "deliberation.scrutinise",
       "lists.view", "lists.manage", "lists.approve", "lists.fund",
       "activity.manage", "activity.checkin", "volunteer.manage", "points.manage", "points.counter"}
GRID_STAFF = {"place.view", "household.view", "household.manage", "resident.view", "resident.manage",
              "resident.unmask"}
LOOK = {"place.view", "household.view", "resident.view"}
CASE_WORK = {"case.view", "case.intake", "case.handle", "case.verify"}
TAKE_PART = {"deliberation.view", "deliberation.propose"}
CONVENE = TAKE_PART | {"deliberation.convene"}
LISTS_KEEP = {"lists.view", "lists.manage"}
ORGANISE = {"activity.manage", "activity.checkin", "volunteer.manage"}
EXPECTED_INSIDE = {
    "street_official": ALL,
    "community_secretary": ALL,
    "community_worker": GRID_STAFF | CASE_WORK | CONVENE | LISTS_KEEP | ORGANISE | {
        "place.manage", "people.import", "case.dispatch", "lists.fund", "points.manage", "points.counter"},
    "area_head": GRID_STAFF | CASE_WORK | CONVENE | LISTS_KEEP | ORGANISE,
    "grid_head": GRID_STAFF | CASE_WORK | CONVENE | LISTS_KEEP | ORGANISE | {"people.import"},
    "grid_worker": GRID_STAFF | CASE_WORK | CONVENE | LISTS_KEEP | ORGANISE,
    "building_head": LOOK | CONVENE | {"case.view", "case.intake", "case.handle", "lists.view", "activity.checkin"},
    "party_member_household": LOOK | TAKE_PART | {"case.view", "case.intake", "lists.view"},
    "branch_secretary": LOOK | CONVENE | {"case.view", "case.intake", "lists.view", "activity.manage",
                                          "activity.checkin"},
    "property_manager": {"place.view", "deliberation.view", "lists.view"},
    "owners_committee": {"place.view", "lists.view", "lists.fund"} | CONVENE,
    # cases only by referral (tested below); residents only through those cases
    "department_staff": {"place.view", "deliberation.view"},
    "volunteer": {"place.view", "activity.checkin", "points.counter"} | TAKE_PART,
    "resident": LOOK | TAKE_PART,
}
WHERE = ["inside", "above", "beside", "below"]


def test_table_covers_every_role_and_verb():
    assert set(EXPECTED_INSIDE) == set(Role.values)
    assert ALL == set(Verb.values)


def _target(city, verb, where):
    noun = verb.split(".")[0]
    if noun == "household":
        return city.household_at(where)
    if noun == "resident":
        return city.resident_at(where)
    return city.place(where)


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("role", Role.values)
def test_scope_matrix(city, role, where):
    user = city.user_with(role, at=city.grid)
    wrong = []
    for verb in Verb.values:
        expected = where in ("inside", "below") and verb in EXPECTED_INSIDE[role]
        target = _target(city, verb, where)
        got = allowed(user, verb, target)
        listed = scoped(user, type(target).objects.all(), verb).filter(pk=target.pk).exists()
        if got != expected or listed != expected:
            wrong.append((verb, f"expected {expected}, allowed() {got}, scoped() {listed}"))
    assert not wrong, f"{role} {where}: {wrong}"


def test_anonymous_sees_nothing(city):
    from django.contrib.auth.models import AnonymousUser

    anon = AnonymousUser()
    for model in (Place, Household, Resident):
        assert not scoped(anon, model.objects.all(), "place.view").exists()
    assert not allowed(anon, "place.view", city.grid)


def test_inactive_role_grants_nothing(city):
    user = city.user_with("grid_worker", at=city.grid)
    user.roles.update(is_active=False)
    from linli.accounts.models import User

    user = User.objects.get(pk=user.pk)
    assert not allowed(user, "resident.view", city.resident)


def test_roles_at_two_places_reach_both(city):
    from linli.accounts import services
    from linli.accounts.models import User
    from linli.core.actors import SYSTEM

    user = city.user_with("grid_worker", at=city.grid)
    services.assign_role(actor=SYSTEM, user_id=user.pk, role="grid_worker", place_id=city.other_grid.pk)
    user = User.objects.get(pk=user.pk)
    assert scoped(user, Resident.objects.all(), "resident.view").count() == 2
    assert not allowed(user, "resident.view", city.community)


def test_scoped_query_count_is_constant(city, django_assert_num_queries):
    user = city.user_with("grid_worker", at=city.grid)
    list(scoped(user, Resident.objects.all(), "resident.view"))  # warms the per-user cache
    with django_assert_num_queries(1):
        list(scoped(user, Resident.objects.all(), "resident.view"))


def test_department_staff_meet_residents_only_through_cases_referred_to_them(client, city):
    from linli.cases import services as case_services
    from linli.testing import api_headers

    p = city.people(*CASE_CAST, *DEPARTMENTS)
    staff, org = p["vet"], p["vet_org"]
    case = case_services.submit_case(actor=p["resident"], text="养殖场臭味太大", channel="resident",
                                     place_id=city.dwelling.pk)
    headers = api_headers(staff)
    # no resident or household of the county, care tags included
    assert not scoped(staff, Resident.objects.all(), "resident.view").exists()
    assert client.get(f"/api/v1/residents/{city.resident.pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}", **headers).status_code == 404
    case_services.refer_case(actor=p["street_official"], case_id=case.pk, organisation_id=org.pk,
                             reason="请畜牧兽医站处理")
    r = client.get(f"/api/v1/cases/{case.pk}", **headers)
    assert r.status_code == 200
    # the reporter, through the case they handle
    assert [e["actor"] for e in r.json()["timeline"] if e["kind"] == "created"] == ["李大爷"]
    assert client.get(f"/api/v1/residents/{city.resident.pk}", **headers).status_code == 404

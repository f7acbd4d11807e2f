"""Every role held at the grid × a place, household or resident inside, above, beside and
below it × every verb, through both the single-object check (`allowed`) and the list filter
(`scoped`); and every role × a case row inside, below, above and beside, through the case
list, the case detail and one write (an internal note) of the API."""

import pytest
from django.test import Client

from linli.accounts.roles import Role, Verb
from linli.accounts.scope import allowed, scoped
from linli.cases import services as case_services
from linli.cases.models import Case, CaseEvent
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.places.models import Household, Place, Resident
from linli.testing import CASE_CAST, DEPARTMENTS, api_headers, next_id_number, next_phone

# What each role may do inside its own place and below it: data to read, written out
# independently of linli.accounts.roles. Above and beside, no role may do anything.
ALL = {"place.view", "place.manage", "household.view", "household.manage", "resident.view",
       "resident.manage", "resident.unmask", "people.import", "role.manage", "audit.view",
       "case.view", "case.intake", "case.handle", "case.verify", "case.dispatch",
       "deliberation.view", "deliberation.propose", "deliberation.convene", "deliberation.scrutinise",
       "deliberation.rules",
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
        "place.manage", "people.import", "case.dispatch", "lists.fund", "points.manage", "points.counter",
        "deliberation.rules"},
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


@pytest.fixture
def homes(city):
    """Households and residents at each position relative to the grid. "inside" is a dwelling
    straight under the grid (levels may be skipped); "below" is the cast's household four
    levels down (小区 → 楼栋 → 单元 → 户), so the two are different objects at different depths."""
    flat = place_services.create_place(actor=SYSTEM, parent_id=city.grid.pk, kind_code="dwelling",
                                       name="网格直管平房1号")
    household = place_services.create_household(actor=SYSTEM, dwelling_id=flat.pk)
    resident = place_services.create_resident(actor=SYSTEM, household_id=household.pk, name="网格里的住户",
                                              id_number=next_id_number(), phone=next_phone(), relation="head")
    households = {"inside": household, "below": city.household, "above": city.community_household,
                  "beside": city.other_household}
    residents = {"inside": resident, "below": city.resident, "above": city.community_resident,
                 "beside": city.other_resident}
    return households, residents


def test_inside_and_below_are_different_depths(city, homes):
    households, residents = homes
    inside, below = households["inside"], households["below"]
    assert inside != below and residents["inside"] != residents["below"]
    assert inside.dwelling.parent_id == city.grid.pk
    assert below.dwelling.depth == inside.dwelling.depth + 3  # through compound, building, unit
    assert below.dwelling.path.startswith(city.grid.path) and inside.dwelling.path.startswith(city.grid.path)


def _target(city, homes, verb, where):
    noun = verb.split(".")[0]
    if noun == "household":
        return homes[0][where]
    if noun == "resident":
        return homes[1][where]
    return city.place(where)


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("role", Role.values)
def test_scope_matrix(city, homes, role, where):
    user = city.user_with(role, at=city.grid)
    wrong = []
    for verb in Verb.values:
        expected = where in ("inside", "below") and verb in EXPECTED_INSIDE[role]
        target = _target(city, homes, verb, where)
        got = allowed(user, verb, target)
        listed = scoped(user, type(target).objects.all(), verb).filter(pk=target.pk).exists()
        if got != expected or listed != expected:
            wrong.append((verb, f"expected {expected}, allowed() {got}, scoped() {listed}"))
    assert not wrong, f"{role} {where}: {wrong}"


# ---------------------------------------------------------------- case rows

# Where each case is reported, relative to the grid the role is held at: the grid itself, a
# dwelling four levels below it, the community above it, a dwelling in the sibling grid.
CASE_PLACES = {"inside": "grid", "below": "dwelling", "above": "community", "beside": "other_dwelling"}


@pytest.fixture
def case_rows(city):
    """One private case at each position, each reported by a resident who is nobody else here."""
    rows = {}
    for where, at in CASE_PLACES.items():
        reporter = city.user_with("resident", at=city.dwelling, name=f"反映人{where}")
        rows[where] = case_services.submit_case(actor=reporter, text=f"{where}这里车辆乱停乱放", channel="resident",
                                                place_id=getattr(city, at).pk, category_code="parking")
    assert not any(c.is_public for c in rows.values())
    return rows


@pytest.mark.parametrize("role", Role.values)
def test_case_rows_matrix(city, case_rows, role):
    """For the role held at the grid: the case list (API), the case detail (API) and an
    internal note (API, the write that needs case.handle and nothing else) agree with the table:
    inside and below as EXPECTED_INSIDE says, above and beside never (not found, not listed)."""
    user = city.user_with(role, at=city.grid)
    api = Client()
    headers = api_headers(user)
    listed = {c["id"] for c in api.get("/api/v1/cases", {"limit": 200}, **headers).json()}
    wrong = []
    for where, case in case_rows.items():
        sees = where in ("inside", "below") and "case.view" in EXPECTED_INSIDE[role]
        handles = where in ("inside", "below") and "case.handle" in EXPECTED_INSIDE[role]
        got = {"list": case.pk in listed,
               "scoped": scoped(user, Case.objects.all(), Verb.CASE_VIEW).filter(pk=case.pk).exists(),
               "allowed": allowed(user, Verb.CASE_VIEW, case),
               "detail": api.get(f"/api/v1/cases/{case.pk}", **headers).status_code}
        notes = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count()
        response = api.post(f"/api/v1/cases/{case.pk}/notes", {"text": "已电话了解情况"},
                            content_type="application/json", **headers)
        got["note"] = response.status_code
        got["note_written"] = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() - notes
        want = {"list": sees, "scoped": sees, "allowed": sees, "detail": 200 if sees else 404,
                "note": 200 if handles else (403 if sees else 404), "note_written": 1 if handles else 0}
        if got != want:
            wrong.append((where, {k: (got[k], want[k]) for k in want if got[k] != want[k]}))
    assert not wrong, f"{role}: (got, expected) {wrong}"
    assert listed <= {c.pk for c in case_rows.values()}  # nothing else exists to be listed


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

"""Scope is read once per request: one statement for a user's role places and organisations
(with their jurisdictions), reused by every `scoped`, `allowed` and `extra_scope_q` call made
with the same user object (request.user lives as long as the request)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.accounts import scope
from linli.accounts.models import Organisation, User
from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, scoped
from linli.cases.models import Case
from linli.places.models import Place, Resident
from linli.testing import api_headers


def _role_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "accounts_roleassignment"' in q["sql"]]


def test_one_statement_for_places_organisations_and_jurisdictions(city, django_assert_num_queries):
    user = city.user_with("grid_worker", at=city.grid)
    staff = city.user_with("department_staff", at=city.street)
    org = Organisation.objects.get(staff__user=staff)
    org.jurisdiction.add(city.district)  # two jurisdiction places: two rows of the same role
    # The same person also holds a place role: places and organisations come in one read.
    from linli.accounts import services as account_services
    from linli.core.actors import SYSTEM

    account_services.assign_role(actor=SYSTEM, user_id=staff.pk, role="grid_worker", place_id=city.other_grid.pk)
    staff = User.objects.get(pk=staff.pk)
    with django_assert_num_queries(1):
        reach = scope.reach(staff)
    assert reach.organisations == [org.pk]
    # department staff see the place tree of their jurisdiction (residents only through referred cases)
    assert reach.by_verb["place.view"] == [city.district.path]  # the street is inside the district
    assert reach.by_verb["resident.manage"] == [city.other_grid.path]
    with django_assert_num_queries(1):
        assert scope.reach(user).organisations == []
        assert scope.prefixes(user, Verb.RESIDENT_VIEW) == [city.grid.path]


def test_every_scoped_and_allowed_call_reuses_the_one_read(city, django_assert_num_queries):
    staff = city.user_with("department_staff", at=city.street)
    staff.roles.create(role="grid_worker", place=city.grid)
    staff = User.objects.get(pk=staff.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert allowed(staff, Verb.RESIDENT_VIEW, city.resident)
        assert allowed(staff, Verb.PLACE_VIEW, city.dwelling)
        assert not allowed(staff, Verb.RESIDENT_MANAGE, city.other_resident)
        list(scoped(staff, Resident.objects.all(), Verb.RESIDENT_VIEW))
        list(scoped(staff, Place.objects.all(), Verb.PLACE_VIEW, under=city.community.path))
        # Case.extra_scope_q asks for the user's organisations: no read of its own.
        list(scoped(staff, Case.objects.all(), Verb.CASE_VIEW))
        list(scoped(staff, Case.objects.all(), Verb.CASE_HANDLE))
    assert len(_role_reads(ctx.captured_queries)) == 1, _role_reads(ctx.captured_queries)


def test_forget_reads_again_after_a_role_change(city):
    user = city.user_with("grid_worker", at=city.grid)
    assert not allowed(user, Verb.RESIDENT_VIEW, city.other_resident)
    from linli.accounts import services as account_services
    from linli.core.actors import SYSTEM

    account_services.assign_role(actor=SYSTEM, user_id=user.pk, role="grid_worker", place_id=city.other_grid.pk)
    scope.forget(user)
    assert allowed(user, Verb.RESIDENT_VIEW, city.other_resident)


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/cases/queue"])
def test_one_scope_read_per_api_request(client, city, path):
    worker = city.user_with("grid_worker", at=city.grid)
    headers = api_headers(worker)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, **headers).status_code == 200
    assert len(_role_reads(ctx.captured_queries)) <= 1, _role_reads(ctx.captured_queries)


def test_one_scope_read_for_the_case_list_page(client, city):
    official = city.user_with("street_official", at=city.street)
    client.force_login(official)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/cases/").status_code == 200
    assert len(_role_reads(ctx.captured_queries)) <= 1, _role_reads(ctx.captured_queries)

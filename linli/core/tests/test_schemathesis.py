"""Fuzz every operation of the OpenAPI schema in-process: as a street official with a token
(over the whole `city`) and with no credentials. Any 5xx fails the suite.

Random ids would almost always miss, so ids the fuzzer generates are, half of the time,
swapped for ids of real rows of the city (deterministically from the generated value, so
Hypothesis can still shrink a failure)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from linli.places.models import Household, Place, Resident
from linli.testing import api_headers

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _real_ids(city) -> dict[str, list[int]]:
    places = list(Place.objects.values_list("pk", flat=True))
    return {
        "place": places,
        "household": list(Household.objects.values_list("pk", flat=True)),
        "resident": list(Resident.objects.values_list("pk", flat=True)),
        "dwelling": [city.dwelling.pk, city.other_dwelling.pk, city.community_dwelling.pk],
        "user": [city.official.pk, city.worker.pk],
        # the points shop's rows (fuzz_city makes one of each), so its staff endpoints are reached
        **{kind: [getattr(city, f"points_{kind}").pk] for kind in ("rule", "good", "redemption", "transfer")},
    }


def _kind_of(name: str) -> str:
    for kind in ("household", "resident", "dwelling", "user", "owner", "rule", "good", "redemption", "transfer"):
        if name.startswith(kind):
            return "resident" if kind == "owner" else kind
    return "place"


def _swap(value, name: str, ids: dict[str, list[int]]):
    if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
        pool = ids[_kind_of(name)]
        return pool[(value // 2) % len(pool)]
    return value


def _aim_at_real_rows(case, ids) -> None:
    if case.path_parameters:
        for name, value in list(case.path_parameters.items()):
            case.path_parameters[name] = _swap(value, name, ids)
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name.endswith("_id"):
                case.body[name] = _swap(value, name, ids)


@pytest.fixture
def keep_test_connection():
    """Django closes the connection at the end of each request (request_finished); here the
    request runs inside the test's transaction, as Django's own test client arranges."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_city(city, keep_test_connection):
    city.official = city.user_with("street_official", at=city.street, name="街道干部")
    city.worker = city.user_with("grid_worker", at=city.grid, name="网格员")
    _points_shop(city)
    return city


def _points_shop(city):
    """A rule, a good with stock, points given by hand and a hold on the good."""
    from linli.core.actors import SYSTEM
    from linli.points import services as points

    c = city.community.pk
    city.points_rule = points.save_rule(actor=SYSTEM, community_id=c, trigger="attended", name="参加活动", points=5)
    city.points_good = points.create_good(actor=SYSTEM, community_id=c, name="洗衣液", price=30, stock=5)
    shopper = city.user_with("resident", at=city.dwelling, name="居民")
    city.points_transfer = points.manual_award(actor=SYSTEM, person_id=shopper.pk, community_id=c, points=100,
                                               reason="测试")
    city.points_redemption = points.redeem(actor=shopper, good_id=city.points_good.pk)


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_api_as_street_official(case, fuzz_city):
    _aim_at_real_rows(case, _real_ids(fuzz_city))
    # A fresh token each time: DELETE /auth/token would otherwise log the fuzzer out.
    headers = {"Authorization": api_headers(fuzz_city.official)["HTTP_AUTHORIZATION"]}
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@FUZZ
@pytest.mark.django_db
def test_api_without_credentials(case, fuzz_city):
    _aim_at_real_rows(case, _real_ids(fuzz_city))
    response = case.call_and_validate(checks=CHECKS)
    if case.operation.path not in ("/api/v1/auth/sms-code", "/api/v1/auth/token"):
        assert response.status_code in (401, 404, 405, 422), response.text

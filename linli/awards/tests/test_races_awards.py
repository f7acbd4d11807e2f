"""One round per community, kind and year under concurrency (PostgreSQL): while one create
holds its uncommitted row, eight more for the same year all pass the friendly check and wait
on the unique index; when it commits each is refused with the same field error, and one round
exists."""

import pytest
from django.utils import timezone

from linli.awards import services
from linli.awards.models import AwardRound
from linli.testing import errors, fresh_user, oks, race_behind_a_lock

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_concurrent_creates_of_one_round_leave_one(city):
    staff = city.person("community_worker")
    year = timezone.localdate().year

    def hold():
        services.create_round(actor=fresh_user(staff), community_id=city.community.pk, kind="neighbour_star",
                              year=year, seats=10)

    def create():
        return services.create_round(actor=fresh_user(staff), community_id=city.community.pk,
                                     kind="neighbour_star", year=year, seats=10)

    results, waited = race_behind_a_lock(hold, [create] * 8)
    assert waited == 8
    assert oks(results) == []
    assert {(e.code, e.field) for e in errors(results)} == {("round_exists", "year")}
    assert AwardRound.objects.filter(community=city.community, kind="neighbour_star", year=year).count() == 1

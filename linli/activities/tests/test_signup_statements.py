"""One sign-up is five statements (lock the activity; one read of the audience, places used,
the waiting, stale offers and the person's own row; insert the row; insert its history
entry) inside its transaction, and that one read keeps every rule of the audience."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.accounts.models import User
from linli.activities import services
from linli.activities.models import MemberRegistration, Participation
from linli.testing import fresh_user, queries

from .conftest import make_activity

pytestmark = pytest.mark.django_db
S = Participation.Status


def test_one_sign_up_is_five_statements_whether_it_gets_a_place_or_waits(city, residents):
    a = make_activity(city, capacity=1)
    for person, status in [(residents[0], S.CONFIRMED), (residents[1], S.WAITING)]:
        person = fresh_user(person)
        with CaptureQueriesContext(connection) as seen, queries(exactly=6):  # with the SAVEPOINT / RELEASE
            p = services.sign_up(actor=person, activity_id=a.pk)                   # of the test's transaction
        assert p.status == status
        sql = [q["sql"] for q in seen.captured_queries]
        assert "activities_activity" in sql[1] and ("FOR UPDATE" in sql[1] or connection.vendor == "sqlite")
        assert sum(s.startswith("INSERT") for s in sql) == 2


def test_a_stale_offer_passes_on_before_a_newcomer_is_placed(city, residents):
    a = make_activity(city, capacity=1)
    first = services.sign_up(actor=residents[0], activity_id=a.pk)
    second = services.sign_up(actor=residents[1], activity_id=a.pk)
    third = services.sign_up(actor=residents[2], activity_id=a.pk)
    services.cancel(actor=residents[0], participation_id=first.pk)
    Participation.objects.filter(pk=second.pk).update(offer_expires_at=timezone.now() - timedelta(minutes=1))
    late = services.sign_up(actor=residents[3], activity_id=a.pk)
    got = dict(Participation.objects.filter(activity=a).values_list("id", "status"))
    # the stale offer passed to the next in line, not to the newcomer
    assert (got[second.pk], got[third.pk], late.status) == (S.CANCELLED, S.OFFERED, S.WAITING)


# who: (role, at) or "home" (no role, only the resident record of 李大爷, tagged 独居老人)
PEOPLE = {
    "resident_inside": ("resident", "dwelling"),
    "resident_beside": ("resident", "other_dwelling"),
    "worker_above": ("community_worker", "community"),
    "volunteer_inside": ("volunteer", "grid"),
    "party_household_inside": ("party_member_household", "dwelling"),
    "registered_member_inside": "member",
    "home_inside_tagged": "home",
}
AUDIENCES = {"plain": {}, "tagged": {"audience_tags": ["elderly_alone"]}, "party": {"for_party_members": True},
             "volunteers": {"for_volunteers": True}}
# Readable expectations: activity at the first grid.
EXPECTED = {
    "resident_inside": {"plain": True, "tagged": False, "party": False, "volunteers": False},
    "resident_beside": {"plain": False, "tagged": False, "party": False, "volunteers": False},
    "worker_above": {"plain": True, "tagged": False, "party": False, "volunteers": False},
    "volunteer_inside": {"plain": True, "tagged": False, "party": False, "volunteers": True},
    "party_household_inside": {"plain": True, "tagged": False, "party": True, "volunteers": False},
    "registered_member_inside": {"plain": True, "tagged": False, "party": True, "volunteers": False},
    "home_inside_tagged": {"plain": True, "tagged": True, "party": False, "volunteers": False},
}


def make_person(city, who):
    kind = PEOPLE[who]
    if kind == "home":
        user = city.user_with("resident", at=city.other_dwelling)
        user.roles.all().delete()
        User.objects.filter(pk=user.pk).update(resident=city.resident)
    elif kind == "member":
        user = city.user_with("resident", at=city.dwelling)
        MemberRegistration.objects.create(name="党员", person=user, grid=city.grid, path=city.grid.path,
                                          registered_on=timezone.localdate())
    else:
        role, at = kind
        user = city.user_with(role, at=getattr(city, at))
    return fresh_user(user)


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("who", PEOPLE)
def test_audience_table(city, who, audience):
    a = make_activity(city, capacity=5, place=city.grid, **AUDIENCES[audience])
    person = make_person(city, who)
    assert services.eligible(person, a) == EXPECTED[who][audience]
    if EXPECTED[who][audience]:
        assert services.sign_up(actor=person, activity_id=a.pk).status == S.CONFIRMED
    else:
        with pytest.raises(services.Forbidden):
            services.sign_up(actor=person, activity_id=a.pk)

"""Capacity races on PostgreSQL. Each test's gate (linli/points/tests/racing.py) holds the
activity row lock until pg_stat_activity shows the racers waiting on it (wait_event_type =
'Lock'), which proves they overlapped; then the invariants: never an oversell, never a lost
offer (while anyone waits, places used equal the capacity)."""

import pytest

from linli.accounts.models import User
from linli.activities import services
from linli.activities.models import Participation
from linli.core.actors import SYSTEM
from linli.points.tests.racing import Race, errors, oks

from .conftest import make_activity

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
S = Participation.Status
LOCK = "SELECT id FROM activities_activity WHERE id = %s FOR UPDATE"


def fresh(user):
    return User.objects.get(pk=user.pk)


def people(city, n):
    return [city.user_with("resident", at=city.dwelling) for _ in range(n)]


def counts(activity):
    rows = Participation.objects.filter(activity=activity).values_list("status", flat=True)
    return {s: list(rows).count(s) for s in S.values}


def no_lost_offer(activity):
    activity.refresh_from_db()
    c = counts(activity)
    used = c["confirmed"] + c["offered"] + c["attended"]
    assert used <= activity.capacity or c["offered"] == 0  # lowered below the people already in: no offers
    if c["waiting"]:
        assert used >= activity.capacity, c
    return c


def test_fifty_sign_ups_for_the_last_five_places(city):
    a = make_activity(city, capacity=10)
    for p in people(city, 5):
        services.sign_up(actor=p, activity_id=a.pk)
    racers = people(city, 50)
    race = Race(LOCK, [a.pk], min_waiters=10)
    results = race.run([lambda p=p: services.sign_up(actor=fresh(p), activity_id=a.pk) for p in racers])
    assert not errors(results)
    got = [p.status for p in oks(results)]
    assert (got.count("confirmed"), got.count("waiting")) == (5, 45)
    c = no_lost_offer(a)
    assert (c["confirmed"], c["waiting"]) == (10, 45)


def test_cancellations_and_sign_ups_interleaved(city):
    a = make_activity(city, capacity=10)
    holders = people(city, 10)
    held = [services.sign_up(actor=p, activity_id=a.pk) for p in holders]
    for p in people(city, 5):
        services.sign_up(actor=p, activity_id=a.pk)  # five waiting
    newcomers = people(city, 10)
    calls = []
    for i in range(10):
        calls.append(lambda i=i: services.cancel(actor=fresh(holders[i]), participation_id=held[i].pk))
        calls.append(lambda i=i: services.sign_up(actor=fresh(newcomers[i]), activity_id=a.pk))
    race = Race(LOCK, [a.pk], min_waiters=10)
    results = race.run(calls)
    assert not errors(results)
    c = no_lost_offer(a)
    assert c["cancelled"] == 10
    assert c["confirmed"] + c["offered"] == 10  # someone always waited: every freed place was offered
    assert c["waiting"] == 5
    # the five who waited first were offered before any newcomer could take a place
    first_waiting = Participation.objects.filter(activity=a).exclude(person__in=holders + newcomers)
    assert set(first_waiting.values_list("status", flat=True)) == {"offered"}


def test_capacity_lowered_under_load(city):
    a = make_activity(city, capacity=20)
    inside = people(city, 15)
    ps = [services.sign_up(actor=p, activity_id=a.pk) for p in inside]
    racers = people(city, 30)
    calls = [lambda p=p: services.sign_up(actor=fresh(p), activity_id=a.pk) for p in racers]
    calls.insert(12, lambda: services.set_capacity(actor=SYSTEM, activity_id=a.pk, capacity=10))
    race = Race(LOCK, [a.pk], min_waiters=10)
    results = race.run(calls)
    assert not errors(results)
    c = no_lost_offer(a)
    assert 15 <= c["confirmed"] <= 20  # never more than the capacity of the moment
    assert c["waiting"] == 30 - (c["confirmed"] - 15)
    assert c["offered"] == 0
    # people leave one by one: nobody is offered a place until fewer than 10 hold one,
    # then exactly the freed places are offered
    for p, person in zip(ps, inside):
        services.cancel(actor=person, participation_id=p.pk)
        no_lost_offer(a)
    c = counts(a)
    assert c["confirmed"] + c["offered"] == 10  # thirty still want in: exactly the capacity is held
    assert c["waiting"] == 20

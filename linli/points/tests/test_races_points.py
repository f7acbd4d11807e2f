"""Races on PostgreSQL: real threads, each with its own connection. Overlap is proven by
the gate in `racing.Race`: it holds the contended row lock until pg_stat_activity shows
the racers waiting on it (wait_event_type = 'Lock'), then lets them go together."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from linli.accounts.models import User
from linli.core.actors import SYSTEM
from linli.points import services
from linli.points.models import Good, PointAccount, PointTransfer, Redemption, StockEntry
from linli.points.recompute import differences

from .conftest import give
from .racing import Race, errors, oks

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_fifty_redemptions_of_the_last_three_items(city, shop):
    good = shop["good"]
    services.restock(actor=SYSTEM, good_id=good.pk, quantity=-2)  # 3 left
    people = [city.user_with("resident", at=city.dwelling) for _ in range(50)]
    for p in people:
        give(p, shop["community"], 30)
    race = Race("SELECT id FROM points_good WHERE id = %s FOR UPDATE", [good.pk], min_waiters=10)
    results = race.run([lambda p=p: services.redeem(actor=fresh(p), good_id=good.pk) for p in people])
    assert len(oks(results)) == 3
    assert {e.code for e in errors(results)} == {"out_of_stock"}
    good.refresh_from_db()
    assert good.stock == 0
    assert Redemption.objects.count() == 3
    assert StockEntry.objects.filter(kind="hold").count() == 3
    spent_by = set(PointAccount.objects.filter(kind="person", balance=0).values_list("owner", flat=True))
    assert spent_by == {r.person_id for r in oks(results)}
    assert differences() == []


def test_earning_and_spending_on_one_account_at_once(city, shop):
    resident = city.user_with("resident", at=city.dwelling)
    give(resident, shop["community"], 100)
    account = PointAccount.objects.get(owner=resident)
    calls = []
    for i in range(12):
        if i % 2:
            calls.append(lambda: services.redeem(actor=fresh(resident), good_id=shop["good"].pk))
        else:
            calls.append(lambda: give(resident, shop["community"], 10, reason="并发发放"))
    services.restock(actor=SYSTEM, good_id=shop["good"].pk, quantity=10)
    race = Race("SELECT id FROM points_pointaccount WHERE id = %s FOR UPDATE", [account.pk], min_waiters=6)
    results = race.run(calls)
    redeemed = [r for r in oks(results) if isinstance(r, Redemption)]
    assert all(e.code == "insufficient_points" for e in errors(results))
    account.refresh_from_db()
    assert account.balance == 100 + 6 * 10 - 30 * len(redeemed)
    assert account.balance >= 0
    assert len(redeemed) >= 3  # 100 points buy three at least, whatever the order
    assert differences() == []


def test_a_hold_expiring_while_it_is_scanned(city, shop):
    resident = city.user_with("resident", at=city.dwelling)
    counter = city.user_with("volunteer", at=city.community)
    give(resident, shop["community"], 30)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    Redemption.objects.filter(pk=r.pk).update(hold_until=timezone.now() + timedelta(seconds=1))
    account = PointAccount.objects.get(owner=resident)
    later = timezone.now() + timedelta(seconds=2)
    # Both wait on the account lock (the first in the fixed order); the job runs with "now"
    # past the deadline, the scan arrives while the hold is still valid by the clock.
    race = Race("SELECT id FROM points_pointaccount WHERE id = %s FOR UPDATE", [account.pk], min_waiters=2)
    results = race.run([lambda: services.expire_holds(now=later),
                        lambda: services.claim(actor=fresh(counter), code=r.code)])
    r.refresh_from_db()
    refunds = PointTransfer.objects.filter(kind="refund").count()
    claims = PointTransfer.objects.filter(kind="claim").count()
    assert (refunds, claims) in ((1, 0), (0, 1))
    assert r.status == ("expired" if refunds else "claimed")
    account.refresh_from_db()
    assert account.balance == (30 if refunds else 0)
    good = Good.objects.get(pk=shop["good"].pk)
    assert good.stock == (5 if refunds else 4)
    assert differences() == []
    # whichever lost was told so, and changed nothing
    assert len(errors(results)) + (results[0][1] == 0) == 1


def test_cancel_and_claim_at_once_release_once(city, shop):
    resident = city.user_with("resident", at=city.dwelling)
    counter = city.user_with("volunteer", at=city.community)
    give(resident, shop["community"], 30)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    account = PointAccount.objects.get(owner=resident)
    race = Race("SELECT id FROM points_pointaccount WHERE id = %s FOR UPDATE", [account.pk], min_waiters=3)
    results = race.run([lambda: services.cancel_redemption(actor=fresh(resident), redemption_id=r.pk),
                        lambda: services.claim(actor=fresh(counter), code=r.code),
                        lambda: services.cancel_redemption(actor=fresh(resident), redemption_id=r.pk)])
    assert len(oks(results)) == 1
    held = PointAccount.objects.get(kind="held").entries.aggregate(s=Sum("amount"))["s"]
    assert held == 0
    assert differences() == []


def test_stock_in_and_redemptions_of_one_good_at_once(city, shop):
    """Staff stock in while residents redeem the last item: every stock-in and every hold
    is counted, no unit is lost or sold twice (they queue on the good's row lock)."""
    from linli.points import services_staff

    good = shop["good"]
    services.restock(actor=SYSTEM, good_id=good.pk, quantity=-4)  # 1 left
    staff = city.user_with("community_worker", at=city.community)
    people = [city.user_with("resident", at=city.dwelling) for _ in range(16)]
    for p in people:
        give(p, shop["community"], 30)
    calls = []
    for i, p in enumerate(people):
        calls.append(lambda p=p: services.redeem(actor=fresh(p), good_id=good.pk))
        if i % 2 == 0:
            calls.append(lambda: services_staff.stock_in(actor=fresh(staff), good_id=good.pk, quantity=1,
                                                         source="purchase", reason="补货"))
    race = Race("SELECT id FROM points_good WHERE id = %s FOR UPDATE", [good.pk], min_waiters=len(calls))
    results = race.run(calls)
    assert race.max_waiting == len(calls)  # every writer waited on the good at one instant
    stocked = [r for r in oks(results) if isinstance(r, StockEntry)]
    redeemed = [r for r in oks(results) if isinstance(r, Redemption)]
    assert len(stocked) == 8
    assert {e.code for e in errors(results)} <= {"out_of_stock"}
    assert len(redeemed) + len(errors(results)) == 16
    good.refresh_from_db()
    assert good.stock == 1 + 8 - len(redeemed) >= 0
    assert StockEntry.objects.filter(good=good).aggregate(s=Sum("delta"))["s"] == good.stock
    assert Redemption.objects.filter(good=good).count() == len(redeemed)
    assert differences() == []


def test_a_write_off_and_redemptions_of_the_last_item(city, shop):
    """The last item is written off while people redeem it: exactly one of them gets it."""
    from linli.points import services_staff

    good = shop["good"]
    services.restock(actor=SYSTEM, good_id=good.pk, quantity=-4)  # 1 left
    staff = city.user_with("community_worker", at=city.community)
    people = [city.user_with("resident", at=city.dwelling) for _ in range(8)]
    for p in people:
        give(p, shop["community"], 30)
    calls = [lambda p=p: services.redeem(actor=fresh(p), good_id=good.pk) for p in people]
    calls += [lambda: services_staff.correct_stock(actor=fresh(staff), good_id=good.pk, delta=-1, reason="破损")
              for _ in range(3)]
    race = Race("SELECT id FROM points_good WHERE id = %s FOR UPDATE", [good.pk], min_waiters=len(calls))
    results = race.run(calls)
    assert race.max_waiting == len(calls)
    assert len(oks(results)) == 1
    assert {e.code for e in errors(results)} == {"out_of_stock"}
    good.refresh_from_db()
    assert good.stock == 0
    assert differences() == []

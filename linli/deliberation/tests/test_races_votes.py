"""Races on PostgreSQL: ballots for one elector are decided one after the other under the
elector's row lock, and the database allows one counted ballot per elector."""

import threading
import time

import pytest
from django.db import connection, transaction

from linli.accounts.models import User
from linli.core.actors import SYSTEM
from linli.deliberation import selectors, services
from linli.deliberation.models import Ballot, CountedBallot, Elector

from .estate import Estate, period

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def open_vote(estate):
    vote = services.create_vote(actor=SYSTEM, place_id=estate.compound.pk, kind="owners", title="加装充电桩",
                                matters=[{"title": "加装充电桩", "kind": "ordinary"}])
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, **period())
    services.open_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
    m = vote.frozen["matters"][0]
    opts = {o["role"]: o["id"] for o in m["options"]}
    return vote, {r: {m["id"]: [i]} for r, i in opts.items()}


def waiting_on_lock() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()")
        return cur.fetchone()[0]


def test_a_second_ballot_for_the_same_dwelling_waits_for_the_first(city):
    """Overlap proved by observation: thread A casts and holds its transaction open; thread B's
    ballot for the same elector is seen waiting on a lock in pg_stat_activity before A commits."""
    estate = Estate(city, {"1栋": [("101", "90"), ("102", "90")]})
    owner = estate.owners_each()["1栋-101"]
    user = estate.user(owner)
    vote, choice = open_vote(estate)
    a_holds, release = threading.Event(), threading.Event()
    crashes = []

    def a():
        try:
            with transaction.atomic():
                services.cast_online_ballot(actor=User.objects.get(pk=user.pk), vote_id=vote.pk,
                                            choices=choice["agree"])
                a_holds.set()
                assert release.wait(20)
        except Exception as exc:  # pragma: no cover - reported below
            crashes.append(exc)
        finally:
            connection.close()

    def b():
        try:
            assert a_holds.wait(20)
            services.cast_online_ballot(actor=User.objects.get(pk=user.pk), vote_id=vote.pk,
                                        choices=choice["disagree"])
        except Exception as exc:  # pragma: no cover
            crashes.append(exc)
        finally:
            connection.close()

    ta, tb = threading.Thread(target=a), threading.Thread(target=b)
    ta.start()
    tb.start()
    seen = 0
    for _ in range(200):
        seen = waiting_on_lock()
        if seen:
            break
        time.sleep(0.05)
    release.set()
    ta.join(30)
    tb.join(30)
    assert not crashes, crashes
    assert seen >= 1, "B never waited on A's lock"
    elector = Elector.objects.get(vote=vote, label="1栋-101")
    assert Ballot.objects.filter(elector=elector).count() == 2
    counted = CountedBallot.objects.get(elector=elector)
    assert counted.ballot == Ballot.objects.filter(elector=elector).latest("id")
    assert counted.ballot.data["choices"] == {str(k): v for k, v in choice["disagree"].items()}


def test_fifty_concurrent_voters_each_counted_once(city):
    """50 threads released together by a barrier: 40 owners vote once, 10 of them vote again
    (a change) at the same moment. Every ballot is kept, each elector counts once, and the
    counted ballot is the elector's latest (recomputed from the history)."""
    estate = Estate(city, {"1栋": [(str(100 + i), "90") for i in range(1, 41)]})
    owners = estate.owners_each()
    users = [estate.user(owners[at]) for at in sorted(owners)]
    vote, choice = open_vote(estate)
    calls = [(u.pk, "agree") for u in users] + [(u.pk, "disagree") for u in users[:10]]
    barrier = threading.Barrier(len(calls))
    crashes = []

    def run(uid, role):
        try:
            user = User.objects.get(pk=uid)
            barrier.wait(30)
            services.cast_online_ballot(actor=user, vote_id=vote.pk, choices=choice[role])
        except Exception as exc:  # pragma: no cover
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=c) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not crashes, crashes
    assert Ballot.objects.filter(vote=vote).count() == 50
    assert CountedBallot.objects.filter(vote=vote).count() == 40
    for e in Elector.objects.filter(vote=vote):
        latest = Ballot.objects.filter(elector=e).latest("id")
        assert CountedBallot.objects.get(elector=e).ballot_id == latest.pk
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
    m = selectors.results(SYSTEM, vote)["matters"][0]
    assert m["participants"]["heads"]["count"] == 40
    agree, disagree = m["options"][0], m["options"][1]
    assert agree["heads"]["count"] + disagree["heads"]["count"] == 40


def test_the_clock_and_the_convener_close_a_vote_once(city):
    """The vote clock job racing the convener's close: the job's lock on the vote is seen
    waiting while the convener's close holds it; after the commit the job finds the vote
    moved and leaves it. Two schedulers running the job at once open a vote once."""
    from django.utils import timezone

    from linli.deliberation.models import Vote, VoteEvent

    estate = Estate(city, {"1栋": [("101", "90"), ("102", "90")]})
    estate.owners_each()
    vote, _choice = open_vote(estate)
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now(), extension_limit=None)
    a_holds, release = threading.Event(), threading.Event()
    crashes, results = [], []

    def convener():
        try:
            with transaction.atomic():
                services.close_vote(actor=SYSTEM, vote_id=vote.pk)
                a_holds.set()
                assert release.wait(20)
        except Exception as exc:  # pragma: no cover - reported below
            crashes.append(exc)
        finally:
            connection.close()

    def job():
        try:
            results.append(services.run_vote_clock())
        except Exception as exc:  # pragma: no cover
            crashes.append(exc)
        finally:
            connection.close()

    ta = threading.Thread(target=convener)
    ta.start()
    assert a_holds.wait(20)
    tb = threading.Thread(target=job)
    tb.start()
    deadline = time.monotonic() + 10
    while waiting_on_lock() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting_on_lock() >= 1  # the job waits on the vote's row lock
    release.set()
    ta.join(20)
    tb.join(20)
    assert not crashes
    assert results == [{"opened": 0, "closed": 0, "failed": 0, "waiting": 0}]
    assert VoteEvent.objects.filter(vote=vote, kind__in=["closed", "failed"]).count() == 1

    # Two schedulers at once: the noticed vote opens once, its electorate told once.
    second = services.create_vote(actor=SYSTEM, place_id=estate.compound.pk, kind="owners", title="更换门禁",
                                  matters=[{"title": "更换门禁", "kind": "ordinary"}])
    services.publish_notice(actor=SYSTEM, vote_id=second.pk, **period())
    start = threading.Barrier(2)
    results.clear()

    def scheduler():
        try:
            start.wait(10)
            results.append(services.run_vote_clock()["opened"])
        except Exception as exc:  # pragma: no cover
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not crashes
    assert sorted(results) == [0, 1]
    assert VoteEvent.objects.filter(vote=second, kind="opened").count() == 1

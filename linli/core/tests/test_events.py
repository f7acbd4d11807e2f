"""Domain events: appended with their cause, each effect applied once per event however
often delivery is retried."""

import pytest
from django.db import transaction

from linli.core import events
from linli.core.models import DomainEvent, EffectDone

KIND = "test.thing_happened"


@pytest.fixture
def applied():
    seen = []
    saved = dict(events._subscribers)
    yield seen
    events._subscribers.clear()
    events._subscribers.update(saved)


def subscribe(seen, *, effect, when, fail=False):
    @events.subscriber(KIND, effect=effect, when=when)
    def handler(event):
        if fail:
            raise RuntimeError("effect failed")
        seen.append((effect, event.data["n"]))


def test_in_transaction_effect_runs_at_once_and_once_per_key(db, applied):
    subscribe(applied, effect="t.inline", when=events.IN_TRANSACTION)
    with transaction.atomic():
        first = events.publish(KIND, key="thing:1", path="0001", data={"n": 1})
        again = events.publish(KIND, key="thing:1", path="0001", data={"n": 1})
    assert first.pk == again.pk
    assert applied == [("t.inline", 1)]
    assert DomainEvent.objects.count() == 1 and EffectDone.objects.count() == 1


def test_in_transaction_effect_rolls_back_with_its_cause(db, applied):
    subscribe(applied, effect="t.inline", when=events.IN_TRANSACTION)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        events.publish(KIND, key="thing:2", data={"n": 2})
        1 / 0
    assert not DomainEvent.objects.exists() and not EffectDone.objects.exists()


def test_after_commit_effect_runs_after_commit_once(db, applied, django_capture_on_commit_callbacks):
    subscribe(applied, effect="t.later", when=events.AFTER_COMMIT)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.publish(KIND, key="thing:3", data={"n": 3})
            assert applied == []  # not before the commit
    assert applied == [("t.later", 3)]
    # the periodic job finds nothing left to do, however often it runs
    assert events.dispatch_pending() == {"applied": 0, "failed": 0}
    assert events.dispatch_pending() == {"applied": 0, "failed": 0}
    assert applied == [("t.later", 3)]


def test_a_failed_after_commit_effect_keeps_its_cause_and_is_retried_by_the_job(db, applied,
                                                                                 django_capture_on_commit_callbacks):
    subscribe(applied, effect="t.flaky", when=events.AFTER_COMMIT, fail=True)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.publish(KIND, key="thing:4", data={"n": 4})
    assert DomainEvent.objects.filter(key="thing:4").exists()
    assert not EffectDone.objects.exists()
    assert events.dispatch_pending() == {"applied": 0, "failed": 1}
    subscribe(applied, effect="t.flaky", when=events.AFTER_COMMIT)  # fixed
    assert events.dispatch_pending() == {"applied": 1, "failed": 0}
    assert events.dispatch_pending() == {"applied": 0, "failed": 0}
    assert applied == [("t.flaky", 4)]


def test_each_effect_is_tracked_on_its_own(db, applied, django_capture_on_commit_callbacks):
    subscribe(applied, effect="t.a", when=events.AFTER_COMMIT)
    subscribe(applied, effect="t.b", when=events.IN_TRANSACTION)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.publish(KIND, key="thing:5", data={"n": 5})
    assert sorted(applied) == [("t.a", 5), ("t.b", 5)]
    assert EffectDone.objects.count() == 2

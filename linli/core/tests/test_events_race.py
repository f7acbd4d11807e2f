"""Two workers deliver the same pending event at the same moment on PostgreSQL: the effect
runs once. Overlap is forced, not hoped for: the first worker holds its transaction open
inside the effect until the second is seen waiting on a lock in pg_stat_activity (on the
unique index of EffectDone), and only then lets go."""

import threading

import pytest
from django.db import connection

from linli.core import events
from linli.core.audit import record_audit
from linli.core.models import AuditEntry, DomainEvent, EffectDone

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

STUCK_AFTER = 30  # seconds before a thread is declared stuck; not a timing assertion
KIND = "test.race_event"


@pytest.fixture
def effect_holds_until_released():
    saved = dict(events._subscribers)
    inside, release = threading.Event(), threading.Event()
    first = threading.Lock()

    @events.subscriber(KIND, effect="test.race_effect", when=events.AFTER_COMMIT)
    def effect(event):
        record_audit(actor=None, action="test.effect_ran", target_type="event", target_id=event.pk)
        if first.acquire(blocking=False):  # the first runner waits inside its transaction
            inside.set()
            assert release.wait(STUCK_AFTER), "never released"

    yield inside, release
    events._subscribers.clear()
    events._subscribers.update(saved)


def test_two_dispatchers_apply_an_effect_once(effect_holds_until_released):
    inside, release = effect_holds_until_released
    # Stored as if its on_commit delivery had been lost: the dispatchers must do the work.
    DomainEvent.objects.create(kind=KIND, key="race:1", data={})
    pids, results, errors = {}, {}, []

    def worker(name):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids[name] = cursor.fetchone()[0]
            results[name] = events.dispatch_pending()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    a = threading.Thread(target=worker, args=("a",), daemon=True)
    a.start()
    assert inside.wait(STUCK_AFTER)
    b = threading.Thread(target=worker, args=("b",), daemon=True)
    b.start()
    waited = False
    with connection.cursor() as cursor:
        for _ in range(STUCK_AFTER * 20):
            if "b" in pids:
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pids["b"]])
                row = cursor.fetchone()
                if row and row[0] == "Lock":
                    waited = True
                    break
            threading.Event().wait(0.05)
    release.set()
    a.join(STUCK_AFTER)
    b.join(STUCK_AFTER)
    assert errors == []
    assert waited, "the second dispatcher never waited on the first one's lock"
    assert AuditEntry.objects.filter(kind="test.effect_ran").count() == 1
    assert EffectDone.objects.filter(effect="test.race_effect").count() == 1
    assert sorted(r["applied"] for r in results.values()) == [0, 1]

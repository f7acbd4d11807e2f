"""Race harness for PostgreSQL tests (shared by the points and activities tests).

Overlap is proven, not hoped for: a gate thread takes a row lock and keeps it; the racing
threads are released together by a barrier and run into that lock; the main thread reads
pg_stat_activity until it sees at least `min_waiters` backends waiting on a lock
(wait_event_type = 'Lock'), and only then opens the gate. `Race.max_waiting` is the
largest number of waiting transactions seen at one instant."""

from __future__ import annotations

import threading
import time

from django.db import connection, transaction

from linli.core.errors import DomainError

STUCK_AFTER = 60


def waiting_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


class Race:
    def __init__(self, lock_sql: str, params=(), *, min_waiters: int = 2):
        self.lock_sql, self.params, self.min_waiters = lock_sql, params, min_waiters
        self.max_waiting = 0
        self.results: list = []
        self.crashes: list = []

    def run(self, calls) -> list:
        held, release = threading.Event(), threading.Event()

        def gate():
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute(self.lock_sql, self.params)
                    held.set()
                    release.wait(STUCK_AFTER)
            except Exception as exc:  # pragma: no cover
                self.crashes.append(exc)
                held.set()
            finally:
                connection.close()

        barrier = threading.Barrier(len(calls))
        self.results = [None] * len(calls)

        def run(i, fn):
            try:
                barrier.wait(STUCK_AFTER)
                self.results[i] = ("ok", fn())
            except DomainError as exc:
                self.results[i] = ("error", exc)
            except Exception as exc:  # pragma: no cover - reported by the test
                self.crashes.append(exc)
            finally:
                connection.close()

        gate_thread = threading.Thread(target=gate)
        gate_thread.start()
        held.wait(STUCK_AFTER)
        threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + STUCK_AFTER
        while time.monotonic() < deadline:
            seen = waiting_backends()
            self.max_waiting = max(self.max_waiting, seen)
            if seen >= self.min_waiters:
                break
            time.sleep(0.02)
        release.set()
        gate_thread.join(STUCK_AFTER)
        for t in threads:
            t.join(STUCK_AFTER)
        assert not any(t.is_alive() for t in threads), "a racing thread is stuck"
        assert not self.crashes, self.crashes
        assert self.max_waiting >= self.min_waiters, f"only {self.max_waiting} transactions waited: no overlap"
        return self.results


def oks(results):
    return [v for k, v in results if k == "ok"]


def errors(results):
    return [v for k, v in results if k == "error"]

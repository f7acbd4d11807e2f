"""Race harness for the points and activities PostgreSQL tests: a gate that takes a row lock
by SQL, over `linli.testing.race_behind_a_lock` (one harness for every app).

Overlap is proven, not hoped for: the gate takes the row lock and keeps it; the racing
threads are released together by a barrier and run into that lock; pg_stat_activity is read
until at least `min_waiters` of them wait on a lock at one instant, and only then does the
gate open. `Race.max_waiting` is the largest number seen waiting at once."""

from __future__ import annotations

from django.db import connection

from linli.testing import errors, oks, race_behind_a_lock

__all__ = ["Race", "errors", "oks"]

STUCK_AFTER = 60


class Race:
    def __init__(self, lock_sql: str, params=(), *, min_waiters: int = 2):
        self.lock_sql, self.params, self.min_waiters = lock_sql, params, min_waiters
        self.max_waiting = 0
        self.results: list = []

    def _hold(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self.lock_sql, self.params)

    def run(self, calls) -> list:
        self.results, self.max_waiting = race_behind_a_lock(self._hold, calls, timeout=STUCK_AFTER,
                                                            min_waiters=self.min_waiters)
        assert self.max_waiting >= self.min_waiters, f"only {self.max_waiting} transactions waited: no overlap"
        return self.results

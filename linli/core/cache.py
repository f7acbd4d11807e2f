"""Per-process caches of small, rarely edited tables read on hot paths (the case categories,
the newest triage model's key): one read per process instead of one per request.

Invalidation:
- in the process that changes a watched model (post_save / post_delete, also bulk-free
  admin edits and `train_model`), the cache is dropped at once, and reads bypass it until
  that transaction has ended (committed or rolled back), so a rolled-back change is never
  kept and a committed one is read afresh;
- other processes (gunicorn workers) see the change after at most
  `settings.LINLI_LOOKUP_CACHE_SECONDS` (default 60): the cache expires and is read again.
  Callers that look a value up by key re-read once on a miss (a category added a moment
  ago in another worker is found at once); what can lag by that many seconds elsewhere is
  an edit of an existing row (a deactivated category, a changed deadline, a new model).
Tests drop every cache between tests (linli/conftest.py), since a test's transaction is
rolled back without signals."""

from __future__ import annotations

import threading
import time
from typing import Callable, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_registry: list[ProcessCache] = []
DEFAULT_SECONDS = 60


def _ttl() -> float:
    return float(getattr(settings, "LINLI_LOOKUP_CACHE_SECONDS", DEFAULT_SECONDS))


class ProcessCache(Generic[T]):
    """`load()` once per process; dropped when one of `models` ("app_label.Model") changes."""

    def __init__(self, name: str, load: Callable[[], T], *, models: list[str]):
        self.name, self._load = name, load
        self._lock = threading.Lock()
        self._value: tuple[float, T] | None = None
        # Set by a change inside a transaction that has not ended yet: read through.
        self._unsettled = False
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}:{model}:save")
            post_delete.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}:{model}:delete")
        _registry.append(self)

    def get(self) -> T:
        if self._unsettled:
            if connection.in_atomic_block:
                return self._load()  # the change may still roll back: do not keep what we read
            self._unsettled = False  # the transaction of the change has ended, either way
            self._value = None
        value = self._value
        if value is not None and time.monotonic() - value[0] < _ttl():
            return value[1]
        loaded = self._load()
        with self._lock:
            self._value = (time.monotonic(), loaded)
        return loaded

    def forget(self) -> None:
        with self._lock:
            self._value, self._unsettled = None, False

    def _changed(self, **kwargs) -> None:
        with self._lock:
            self._value = None
            if connection.in_atomic_block:
                self._unsettled = True
                transaction.on_commit(self.forget)


def forget_all() -> None:
    for cache in _registry:
        cache.forget()

"""Domain events: how one app tells the others that something happened, without importing
them. `cases` publishes "cases.case_verified"; `points` subscribes and awards points;
`cases` never imports `points`.

    # in the publishing service, inside its transaction
    events.publish("cases.case_closed", key=f"case-event:{event.pk}", actor=actor, path=case.path,
                   data={"case": case.pk, "outcome": outcome})

    # in the subscribing app's `events.py` (imported by its AppConfig.ready)
    @events.subscriber("cases.case_closed", effect="points.award_for_case", when=events.AFTER_COMMIT)
    def award_for_case(event: DomainEvent) -> None: ...

Delivery:
- The event row is appended in the publisher's transaction (a transactional outbox): it
  exists exactly when the change does.
- `IN_TRANSACTION` subscribers run at once, inside that transaction. Use this where the
  effect must be atomic with its cause (the change and its effect commit or roll back
  together): an effect that must never be missing, such as a ledger entry that a
  balance depends on at once. A failure rolls back the cause too.
- `AFTER_COMMIT` subscribers run after the commit (an `on_commit` hook in the same
  process) and, should that fail or the process die, again from the periodic
  `dispatch_domain_events` job. Use this for everything else: a slow or failing effect
  must not undo or delay the cause.
- Each effect runs at most once per event: the effect's work and its `EffectDone(effect,
  event)` row commit together, and that row is unique, so a retried job, a second worker
  or a replayed request finds it done. `key` makes publishing itself idempotent: the same
  source occurrence is stored once.
- An `IN_TRANSACTION` effect may answer: what its handler returns is kept on the published
  event for the publisher to read (`event.answers[effect]`, this call only, not stored),
  e.g. the id of what it created; a replayed event (same `key`) has no answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

log = logging.getLogger("linli.events")

IN_TRANSACTION = "in_transaction"
AFTER_COMMIT = "after_commit"


@dataclass(frozen=True)
class Subscriber:
    kind: str
    effect: str
    handler: Callable
    when: str


_subscribers: dict[str, list[Subscriber]] = {}


def subscriber(kind: str, *, effect: str, when: str = AFTER_COMMIT):
    """Register `handler(event)` for events of `kind`. `effect` names the effect for its
    once-only record ("points.award_for_case"): unique across linli, stable over time."""
    if when not in (IN_TRANSACTION, AFTER_COMMIT):
        raise ValueError(f"unknown delivery {when!r}")

    def register(handler: Callable) -> Callable:
        subs = _subscribers.setdefault(kind, [])
        if any(s.effect == effect for s in subs):
            subs[:] = [s for s in subs if s.effect != effect]  # re-import (autoreload, tests)
        subs.append(Subscriber(kind, effect, handler, when))
        return handler

    return register


def subscribers(kind: str | None = None) -> list[Subscriber]:
    if kind is None:
        return [s for subs in _subscribers.values() for s in subs]
    return list(_subscribers.get(kind, ()))


def publish(kind: str, *, key: str, actor=None, path: str = "", data: dict | None = None, note: str = ""):
    """Append the event in the caller's transaction and deliver it (see the module doc).
    Publishing the same `key` again returns the stored event and delivers nothing twice."""
    from .history import person_or_none
    from .models import DomainEvent

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() belongs inside the transaction of the change it tells of")
    event = DomainEvent.objects.filter(key=key).first()
    if event is None:
        try:
            with transaction.atomic():
                event = DomainEvent.objects.create(kind=kind, key=key, actor=person_or_none(actor), path=path,
                                                   data=data or {}, note=note)
        except IntegrityError:  # the same source published concurrently: one row wins
            event = DomainEvent.objects.get(key=key)
    event.answers = {}
    for sub in subscribers(kind):
        if sub.when == IN_TRANSACTION:
            _apply(sub, event, answers=event.answers)
    if any(sub.when == AFTER_COMMIT for sub in subscribers(kind)):
        event_id = event.pk
        transaction.on_commit(lambda: _deliver_after_commit(event_id))
    return event


def _apply(sub: Subscriber, event, answers: dict | None = None) -> bool:
    """Run one effect of one event with its once-only row, in a savepoint. True if it ran."""
    from .models import EffectDone

    if EffectDone.objects.filter(effect=sub.effect, event=event).exists():
        return False
    with transaction.atomic():
        # The row first: a concurrent runner of the same effect waits here on the unique
        # index and then fails, so the effect's work is done by one of them only.
        EffectDone.objects.create(effect=sub.effect, event=event)
        answer = sub.handler(event)
    if answers is not None:
        answers[sub.effect] = answer
    return True


def _deliver_after_commit(event_id: int) -> None:
    from .models import DomainEvent

    event = DomainEvent.objects.filter(pk=event_id).first()
    if event is None:
        return
    for sub in subscribers(event.kind):
        if sub.when != AFTER_COMMIT:
            continue
        try:
            with transaction.atomic():
                _apply(sub, event)
        except IntegrityError:
            pass  # another worker did it
        except Exception:  # the job will try again
            log.exception("effect %s of event %s failed; the dispatch job retries it", sub.effect, event.key)


def dispatch_pending(*, limit: int = 500) -> dict:
    """The periodic job: apply every after-commit effect not yet done, oldest event first.
    Safe to run from several workers at once (see `_apply`)."""
    from .models import DomainEvent

    applied, failed = 0, 0
    for kind, subs in list(_subscribers.items()):
        for sub in subs:
            if sub.when != AFTER_COMMIT:
                continue
            pending = (DomainEvent.objects.filter(kind=kind).exclude(effects__effect=sub.effect)
                       .order_by("id")[:limit])
            for event in pending:
                try:
                    with transaction.atomic():
                        applied += _apply(sub, event)
                except IntegrityError:
                    pass
                except Exception:
                    failed += 1
                    log.exception("effect %s of event %s failed", sub.effect, event.key)
    return {"applied": applied, "failed": failed}

"""A round decided by vote learns its winners from deliberation's events, never by asking
deliberation to call back. Each effect runs once per event (core.events), and the service
records winners only while the round is undecided, so a replayed event changes nothing.

Event data this module reads (deliberation/services.py):
- deliberation.vote_final:  {"vote", "topic", "passed"}; the winners are the vote's stored
                            result, matters[0]["elected"] (Option ids)
- deliberation.vote_failed: {"vote", "topic"}"""

from __future__ import annotations

from linli.core import events
from linli.core.actors import SYSTEM

from . import services


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@events.subscriber("deliberation.vote_final", effect="awards.record_winners", when=events.AFTER_COMMIT)
def record_winners(event) -> None:
    vote = _int(event.data.get("vote"))
    if vote is not None:
        services.record_vote_result(actor=SYSTEM, vote_id=vote)


@events.subscriber("deliberation.vote_failed", effect="awards.vote_failed", when=events.AFTER_COMMIT)
def vote_failed(event) -> None:
    vote = _int(event.data.get("vote"))
    if vote is not None:
        services.record_vote_failed(actor=SYSTEM, vote_id=vote)

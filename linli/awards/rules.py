"""May this person do this to this round now? One row per verb (the shape of cases/rules.py).

Each verb's precondition is a tuple of checks, applied in order; the first failure is the
DomainError the service raises. The service calls `check(actor, verb, round)` under the
round's row lock; the round page shows a form exactly when `can(user, verb, round)`.
Who: staff holding `points.manage` in the round's community (community workers and
secretaries, street officials). This module reads; it never changes a round."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed
from linli.core.errors import Conflict, DomainError, NotFound

from .models import AwardRound

S = AwardRound.Status
M = AwardRound.Method


def _manage(actor, rnd: AwardRound) -> DomainError | None:
    if not allowed(actor, Verb.POINTS_MANAGE, rnd):
        return NotFound(_("未找到该评选，或不在您的管辖范围内"), code="not_found")
    return None


def _status(*statuses: str) -> Callable:
    def check(actor, rnd: AwardRound) -> DomainError | None:
        if rnd.status not in statuses:
            return Conflict(_("评选当前状态（%(status)s）不能进行此操作") % {"status": rnd.get_status_display()},
                            code="wrong_status")
        return None
    return check


def _method(method: str) -> Callable:
    def check(actor, rnd: AwardRound) -> DomainError | None:
        if rnd.method != method:
            return Conflict(_("本评选的评定方式不是“%(method)s”") % {"method": M(method).label},
                            code="wrong_method")
        return None
    return check


def _decided(actor, rnd: AwardRound) -> DomainError | None:
    if rnd.decided_at is None:
        return Conflict(_("评选结果尚未确定，不能公布"), code="not_decided")
    return None


def _no_vote(actor, rnd: AwardRound) -> DomainError | None:
    if rnd.vote_id is not None:
        return Conflict(_("已发起投票，不能再由评审委员会决定"), code="vote_started")
    return None


RULES: dict[str, tuple[Callable, ...]] = {
    "draw": (_manage, _status(S.DRAFT)),
    "nominate": (_manage, _status(S.NOMINATING)),
    "withdraw": (_manage, _status(S.NOMINATING)),
    "choose_method": (_manage, _status(S.DRAFT, S.NOMINATING)),
    "start_vote": (_manage, _status(S.NOMINATING), _method(M.VOTE)),
    "decide": (_manage, _status(S.NOMINATING), _method(M.COMMITTEE), _no_vote),
    "publish": (_manage, _status(S.DECIDING), _decided),
}
VERBS = tuple(RULES)


def reason(actor, verb: str, rnd: AwardRound) -> DomainError | None:
    for check_one in RULES[verb]:
        error = check_one(actor, rnd)
        if error is not None:
            return error
    return None


def check(actor, verb: str, rnd: AwardRound) -> None:
    error = reason(actor, verb, rnd)
    if error is not None:
        raise error


def can(actor, verb: str, rnd: AwardRound) -> bool:
    return reason(actor, verb, rnd) is None


def abilities(actor, rnd: AwardRound) -> set[str]:
    return {verb for verb in VERBS if can(actor, verb, rnd)}

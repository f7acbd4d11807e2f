"""The rules of procedure (议事规则) that apply to a place: its own row, else its nearest
ancestor's, else the defaults. One query per place object, kept on it for the request."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.functions import Length

from linli.core.paths import ancestors_paths

from .models import ProcedureRules

_CACHE_ATTR = "_linli_procedure_rules"


@dataclass(frozen=True)
class Rules:
    support_threshold: int
    owners_notice_days: int
    other_notice_days: int
    # The owners' assembly's quorum (of heads and of area); the law's 2/3 where not set.
    quorum_num: int
    quorum_den: int
    # The row these come from (None: the defaults) and whether the quorum is stricter than the law.
    source: ProcedureRules | None
    stricter_quorum: bool

    def notice_days(self, meeting_kind: str) -> int:
        return self.owners_notice_days if meeting_kind == "owners" else self.other_notice_days


DEFAULTS = Rules(ProcedureRules.DEFAULT_SUPPORT, ProcedureRules.DEFAULT_OWNERS_NOTICE_DAYS,
                 ProcedureRules.DEFAULT_OTHER_NOTICE_DAYS, *ProcedureRules.LAW_QUORUM, None, False)


def _from_row(row: ProcedureRules | None) -> Rules:
    if row is None:
        return DEFAULTS
    stricter = row.assembly_quorum_num is not None
    num, den = ((row.assembly_quorum_num, row.assembly_quorum_den) if stricter else ProcedureRules.LAW_QUORUM)
    return Rules(row.support_threshold, row.owners_notice_days, row.other_notice_days, num, den, row, stricter)


def rules_for(place) -> Rules:
    """The rules that apply to `place` (a Place): the nearest ancestor-or-self's row. Cached on
    the place object, so a page asking twice for one place reads once."""
    cached = getattr(place, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    row = (ProcedureRules.objects.filter(path__in=[*ancestors_paths(place.path), place.path])
           .select_related("place").order_by(Length("path").desc()).first())
    rules = _from_row(row)
    setattr(place, _CACHE_ATTR, rules)
    return rules


def forget(place) -> None:
    if hasattr(place, _CACHE_ATTR):
        delattr(place, _CACHE_ATTR)

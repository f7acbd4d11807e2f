"""Honours on a volunteer's record (issue 14 §2: "activities, hours, training, awards").

The activities app sits below the apps that grant honours (the annual awards) and imports
none of them: such an app registers a provider from its AppConfig.ready(), and the record
and the certificate ask every registered provider. Without one, a record has no honours."""

from __future__ import annotations

from collections.abc import Callable

# provider(person) -> [{"title": "睦邻之星", "year": 2026, "community": "平安社区"}, …], newest first
_providers: dict[str, Callable] = {}


def register(name: str, provider: Callable) -> None:
    _providers[name] = provider  # by name: a re-import replaces, never doubles


def honours_of(person) -> list[dict]:
    found = []
    for provider in _providers.values():
        found.extend(provider(person))
    return sorted(found, key=lambda h: -int(h.get("year") or 0))

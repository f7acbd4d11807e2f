"""What triage needs from the app that owns the categories and the cases, as a protocol.

Triage sits below the feature apps and imports none of them. The case app registers a
provider from its AppConfig.ready(); the suggestion, the training and the nightly job ask
it for the categories that may be suggested and for the handled cases to learn from.
Without a provider (the case app not installed) nothing is suggested and nothing trained."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class CategoryLike(Protocol):
    code: str
    keywords: str


@runtime_checkable
class CaseDataProvider(Protocol):
    def categories(self) -> list[CategoryLike]:
        """The active categories a suggestion may name, in display order. Objects with
        `code` and `keywords` (space- or comma-separated admin keywords); the suggestion hands
        these same objects back to the caller."""

    def handled(self, *, max_cases: int) -> list[tuple[int, str, str]]:
        """(id, text, final category code) of handled cases, newest first: the labels a
        deployment's handlers settled."""


_provider: CaseDataProvider | None = None


def register(provider: CaseDataProvider) -> None:
    global _provider
    _provider = provider


def get() -> CaseDataProvider | None:
    return _provider

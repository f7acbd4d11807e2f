import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from linli.cases.models import Case, Category
from linli.triage import suggest

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    suggest.forget_cached_model()
    yield
    suggest.forget_cached_model()


def insert_handled_cases(place, pairs, *, status=Case.Status.CLOSED, suggested=None) -> list[Case]:
    """Training data only: hundreds of handled cases, inserted with the ORM in one statement.
    Running each through submit/accept/answer/close would take minutes; the tests that
    need the real lifecycle (a corrected suggestion) go through linli.cases.services."""
    categories = {c.code: c for c in Category.objects.all()}
    now = timezone.now()
    rows = []
    for text, code in pairs:
        rows.append(Case(
            number=f"TRIAGE{next(_numbers):08d}", path=place.path, place=place, category=categories[code],
            suggested_category=categories.get(suggested) if suggested else None, text=text,
            channel=Case.Channel.RESIDENT, level=categories[code].default_level, status=status,
            accept_due=now + timedelta(days=1), finish_due=now + timedelta(days=7),
            closed_at=now if status == Case.Status.CLOSED else None,
            outcome=Case.Outcome.SOLVED if status == Case.Status.CLOSED else ""))
    return Case.objects.bulk_create(rows)

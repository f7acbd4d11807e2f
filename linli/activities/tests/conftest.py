from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.core.actors import SYSTEM
from linli.testing import app_english


def make_activity(city, *, capacity=2, place=None, starts_in=timedelta(days=2), hours=2, **kw):
    start = timezone.now() + starts_in
    return services.create_activity(actor=SYSTEM, place_id=(place or city.community).pk, kind="culture",
                                    title="广场舞培训", starts_at=start, ends_at=start + timedelta(hours=hours),
                                    capacity=capacity, **kw)


@pytest.fixture
def residents(city):
    return [city.user_with("resident", at=city.dwelling, name=f"居民{i}") for i in range(6)]


@pytest.fixture
def organiser(city):
    return city.user_with("community_worker", at=city.community, name="社区干事")


@pytest.fixture
def english():
    """This app's declared English in the running catalogue for one test (linli.testing.app_english)."""
    from linli.activities.translations_en import TRANSLATIONS

    with app_english(TRANSLATIONS):
        yield

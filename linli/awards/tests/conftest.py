"""People with a record in 石马社区 for the awards tests, each made through the services of the
app that owns the record: points by hand (points), attendance by the venue code and hours by
hand (activities), reports closed solved (cases)."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.accounts import services as account_services
from linli.accounts.models import User
from linli.activities import services as activities
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.points import services as points
from linli.testing import next_id_number, next_phone


def neighbour(city, name: str, dwelling=None, *, birth=dt.date(1960, 3, 1)) -> User:
    """A resident living in `dwelling` (city.dwelling by default) with an account."""
    dwelling = dwelling or city.dwelling
    household = dwelling.households.first() or place_services.create_household(actor=SYSTEM, dwelling_id=dwelling.pk)
    resident = place_services.create_resident(actor=SYSTEM, household_id=household.pk, name=name, birth_date=birth,
                                              id_number=next_id_number(birth), phone=next_phone(), relation="other")
    user = account_services.create_user(actor=SYSTEM, display_name=name, phone=next_phone(), resident=resident)
    account_services.assign_role(actor=SYSTEM, user_id=user.pk, role="resident", place_id=dwelling.pk)
    return User.objects.get(pk=user.pk)


def give_points(city, person, n: int, reason: str = "参与邻里纠纷调解") -> None:
    points.manual_award(actor=SYSTEM, person_id=person.pk, community_id=city.community.pk, points=n, reason=reason)


def give_minutes(city, person, minutes: int) -> None:
    activities.add_manual_hours(actor=SYSTEM, person_id=person.pk, community_id=city.community.pk, minutes=minutes,
                                served_on=timezone.localdate(), reason="楼道清洁志愿服务")


def attend(city, people) -> None:
    """Everyone in `people` signs up for an activity under way and checks in by the venue code."""
    start = timezone.now() - dt.timedelta(minutes=10)
    a = activities.create_activity(actor=SYSTEM, place_id=city.community.pk, kind="culture", title="睦邻课堂",
                                   starts_at=start + dt.timedelta(days=1), ends_at=start + dt.timedelta(days=1, hours=2))
    for p in people:
        activities.sign_up(actor=p, activity_id=a.pk)
    type(a).objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    a.refresh_from_db()
    for p in people:
        activities.self_check_in(actor=p, activity_id=a.pk, code=activities.self_code(a))


@pytest.fixture
def staff(city):
    return city.person("community_worker")

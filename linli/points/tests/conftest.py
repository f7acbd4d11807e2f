import pytest

from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.points import services
from linli.points.models import EarningRule
from linli.testing import app_english


@pytest.fixture
def shop(city):
    """A community with a tip rule, a volunteer-hour rule, an attendance rule and one good."""
    rules = {trigger: services.save_rule(actor=SYSTEM, community_id=city.community.pk, trigger=trigger, name=name,
                                         points=points)
             for trigger, name, points in ((EarningRule.Trigger.ATTENDED, "参加活动", 5),
                                           (EarningRule.Trigger.SERVICE_HOUR, "志愿服务每小时", 10),
                                           (EarningRule.Trigger.VERIFIED_TIP, "反映问题获办结", 20))}
    good = services.create_good(actor=SYSTEM, community_id=city.community.pk, name="洗衣液", price=30, stock=5,
                                donor="县供电公司")
    return {"rules": rules, "good": good, "community": city.community}


# The people of the app's tests: 李大爷 at the cast's dwelling, the community's staff and
# the staff of a sibling community (who must see nothing of this one).
@pytest.fixture
def resident(city):
    return city.user_with("resident", at=city.dwelling, name="李大爷")


@pytest.fixture
def staff(city):
    return city.user_with("community_worker", at=city.community, name="社区干事")


@pytest.fixture
def other_staff(city):
    """Staff of another community of the same street: sees nothing of this one."""
    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community",
                                        name="别的社区")
    return city.user_with("community_worker", at=other, name="别社区干事")


def give(person, community, points, reason="测试发放"):
    return services.manual_award(actor=SYSTEM, person_id=person.pk, community_id=community.pk, points=points,
                                 reason=reason)


@pytest.fixture
def english():
    """This app's declared English in the running catalogue for one test (linli.testing.app_english)."""
    from linli.points.translations_en import TRANSLATIONS

    with app_english(TRANSLATIONS):
        yield

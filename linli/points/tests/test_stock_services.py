"""The staff's stock and rule verbs as services: every field error at once, scope (not found
outside the community), never below zero, audited."""

import pytest

from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Invalid, NotFound
from linli.core.models import AuditEntry
from linli.places import services as place_services
from linli.points import services, services_staff
from linli.points.models import StockEntry
from linli.points.recompute import differences

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(city):
    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="别的社区")
    return city.user_with("community_worker", at=other)


def test_stock_in_reports_every_field_error_at_once(shop):
    with pytest.raises(Invalid) as err:
        services_staff.stock_in(actor=SYSTEM, good_id=shop["good"].pk, quantity=0, source="gift", reason=" ")
    assert {e["field"] for e in err.value.as_list()} == {"quantity", "source", "reason"}
    with pytest.raises(Invalid) as err:
        services_staff.stock_in(actor=SYSTEM, good_id=shop["good"].pk, quantity=3, source="donation", reason="捐赠")
    assert [e["code"] for e in err.value.as_list()] == ["donor_required"]
    assert StockEntry.objects.count() == 1  # the fixture's first stock only


def test_corrections_never_take_stock_below_zero(shop):
    good = shop["good"]
    with pytest.raises(Conflict) as err:
        services_staff.correct_stock(actor=SYSTEM, good_id=good.pk, delta=-6, reason="盘点")
    assert err.value.code == "out_of_stock"
    entry = services_staff.correct_stock(actor=SYSTEM, good_id=good.pk, delta=-5, reason="过期报废")
    assert (entry.kind, entry.delta, entry.data["stock_before"]) == ("adjust", -5, 5)
    good.refresh_from_db()
    assert good.stock == 0
    services_staff.correct_stock(actor=SYSTEM, good_id=good.pk, delta=2, reason="盘点多出 2 件")
    assert AuditEntry.objects.filter(kind="points.correct_stock").count() == 2
    assert differences() == []


def test_staff_of_another_community_find_nothing(city, shop, outsider):
    good, rule = shop["good"], shop["rules"]["attended"]
    resident = city.user_with("resident", at=city.dwelling)
    calls = [lambda: services_staff.stock_in(actor=outsider, good_id=good.pk, quantity=1, source="purchase",
                                             reason="x"),
             lambda: services_staff.correct_stock(actor=outsider, good_id=good.pk, delta=-1, reason="x"),
             lambda: services_staff.update_good(actor=outsider, good_id=good.pk, name="x", price=1),
             lambda: services_staff.set_rule_active(actor=outsider, rule_id=rule.pk, active=False),
             lambda: services.save_rule(actor=outsider, community_id=city.community.pk, trigger="attended",
                                        name="x", points=1, rule_id=rule.pk),
             lambda: services.manual_award(actor=outsider, person_id=resident.pk, community_id=city.community.pk,
                                           points=5, reason="x")]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    good.refresh_from_db()
    rule.refresh_from_db()
    assert good.stock == 5 and good.name == "洗衣液" and rule.is_active


def test_points_by_hand_only_to_people_of_the_community(city, shop, outsider):
    with pytest.raises(Invalid) as err:
        services.manual_award(actor=SYSTEM, person_id=outsider.pk, community_id=city.community.pk, points=5,
                              reason="调解")
    assert (err.value.code, err.value.field) == ("person_not_in_community", "person_id")
    # someone living there without any role: their resident record's place decides
    from linli.accounts.models import User

    lives_here = User.objects.create(username="lidaye", display_name="李大爷", resident=city.resident)
    services.manual_award(actor=SYSTEM, person_id=lives_here.pk, community_id=city.community.pk, points=5,
                          reason="调解")

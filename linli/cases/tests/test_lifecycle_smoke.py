import pytest

from linli.cases import services
from linli.cases.models import Case, CaseEvent
from linli.notify.models import Notification


@pytest.fixture
def people(city):
    return {
        "resident": city.user_with("resident", at=city.dwelling, name="李大爷"),
        "building_head": city.user_with("building_head", at=city.building, name="万玉廷"),
        "grid_worker": city.user_with("grid_worker", at=city.grid, name="向劲松"),
        "other_grid_worker": city.user_with("grid_worker", at=city.other_grid, name="别的网格员"),
    }


def test_report_escalate_answer_close_rate(city, people):
    resident, head, worker = people["resident"], people["building_head"], people["grid_worker"]
    case = services.submit_case(actor=resident, text="楼道里堆满杂物，扶手也坏了", channel="resident",
                                place_id=city.dwelling.pk)
    assert case.category.code == "stairwell"  # suggested from the keywords
    assert case.level == "building" and case.handler_place == city.building
    assert Notification.objects.filter(recipient=head, kind="case_new").exists()
    services.escalate_case(actor=head, case_id=case.pk, reason="需要网格协调物业")
    case.refresh_from_db()
    assert case.level == "grid" and case.handler_place == city.grid and case.status == "submitted"
    with pytest.raises(Exception):
        services.accept_case(actor=people["other_grid_worker"], case_id=case.pk)
    services.accept_case(actor=worker, case_id=case.pk)
    services.answer_case(actor=worker, case_id=case.pk, answer="已协调物业清理并修好扶手")
    services.close_case(actor=resident, case_id=case.pk, outcome="solved")
    services.rate_case(actor=resident, case_id=case.pk, rating="satisfied", solved=True)
    case.refresh_from_db()
    assert case.status == "closed" and case.rating == "satisfied"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["created", "classified", "routed", "escalated", "accepted", "answered", "verified", "closed",
                     "rated"]


def test_unsatisfied_reopens_once(city, people):
    resident, worker = people["resident"], people["grid_worker"]
    case = services.submit_case(actor=resident, text="小区门口车辆乱停乱放", channel="resident", place_id=city.dwelling.pk)
    assert case.level == "grid"
    for round_ in range(2):
        services.accept_case(actor=worker, case_id=case.pk) if round_ == 0 else None
        services.answer_case(actor=worker, case_id=case.pk, answer="已劝导")
        services.close_case(actor=resident, case_id=case.pk, outcome="partly", note="部分车辆已挪走")
        services.rate_case(actor=resident, case_id=case.pk, rating="unsatisfied", comment="还是很多车")
        case.refresh_from_db()
    assert case.reopened_count == 1 and case.status == "closed"
    assert case.events.filter(kind=CaseEvent.Kind.REOPENED).count() == 1

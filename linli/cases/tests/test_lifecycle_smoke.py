import pytest

from linli.cases import services
from linli.cases.models import CaseEvent
from linli.core.errors import NotFound
from linli.notify.models import Notification


def test_report_escalate_answer_close_rate(city, people):
    resident, head, worker = people["resident"], people["building_head"], people["grid_worker"]
    case = city.report("resident", category=None)
    assert case.category.code == "stairwell"  # suggested from the keywords
    assert case.level == "building" and case.handler_place == city.building
    assert Notification.objects.filter(recipient=head, kind="case_new").exists()
    services.escalate_case(actor=head, case_id=case.pk, reason="需要网格协调物业")
    case.refresh_from_db()
    assert case.level == "grid" and case.handler_place == city.grid and case.status == "submitted"
    with pytest.raises(NotFound):  # the other grid's worker does not even see it
        services.accept_case(actor=people["other_grid_worker"], case_id=case.pk)
    city.accept(case, worker)
    city.answer(case, worker, "已协调物业清理并修好扶手")
    city.verify(case, resident)
    services.rate_case(actor=resident, case_id=case.pk, rating="satisfied", solved=True)
    case.refresh_from_db()
    assert case.status == "closed" and case.rating == "satisfied"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["created", "classified", "routed", "escalated", "accepted", "answered", "verified", "closed",
                     "rated"]


def test_unsatisfied_reopens_once(city, people):
    resident, worker = people["resident"], people["grid_worker"]
    case = city.report("resident", "小区门口车辆乱停乱放", category=None)
    assert case.level == "grid"
    for round_ in range(2):
        if round_ == 0:
            city.accept(case, worker)
        city.answer(case, worker, "已劝导")
        city.verify(case, resident, outcome="partly", note="部分车辆已挪走")
        services.rate_case(actor=resident, case_id=case.pk, rating="unsatisfied", comment="还是很多车")
        case.refresh_from_db()
    assert case.reopened_count == 1 and case.status == "closed"
    assert case.events.filter(kind=CaseEvent.Kind.REOPENED).count() == 1

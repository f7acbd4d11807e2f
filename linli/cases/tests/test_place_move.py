"""Issue 10 §4: moving a compound re-routes its open cases, and no verb commits and then
answers "not found". A compound moves from 第一网格 to 第二网格 (or to another community):
its open cases follow the new chain (with a timeline entry and a notice to the new
handlers), the old grid worker loses them from the queue and is refused with 404 by the
API and the page with nothing written; closed cases keep their history."""

import json

import pytest

from linli.cases import selectors, services
from linli.cases.models import Case, CaseEvent
from linli.core import events
from linli.core.actors import SYSTEM
from linli.core.models import AuditEntry
from linli.notify.models import Notification
from linli.places import services as place_services
from linli.places.models import Place
from linli.testing import api_headers


@pytest.fixture
def crew(city):
    u = city.user_with
    return {
        "resident": u("resident", at=city.dwelling, name="李大爷"),
        "old_worker": u("grid_worker", at=city.grid, name="向劲松"),
        "new_worker": u("grid_worker", at=city.other_grid, name="新网格员"),
        "community_worker": u("community_worker", at=city.community, name="社区干事"),
        "street_official": u("street_official", at=city.street, name="街道干部"),
    }


def report(crew, city, category="parking", text="楼下消防通道被车堵了"):
    return services.submit_case(actor=crew["resident"], text=text, channel="resident",
                                place_id=city.dwelling.pk, category_code=category)


def move_compound(city, to):
    return place_services.move_place(actor=SYSTEM, place_id=city.compound.pk, new_parent_id=to.pk)


def snapshot(case):
    case = Case.objects.get(pk=case.pk)
    return (case.status, case.level, case.handler_place_id, case.accepted_at,
            CaseEvent.objects.filter(case=case).count())


def test_an_open_case_follows_its_compound_to_the_new_grid(city, crew):
    case = report(crew, city)
    assert case.handler_place_id == city.grid.pk
    assert list(selectors.queue_for(crew["old_worker"])) == [case]

    move_compound(city, city.other_grid)

    case.refresh_from_db()
    assert (case.level, case.handler_place_id) == ("grid", city.other_grid.pk)
    assert case.path.startswith(Place.objects.get(pk=city.other_grid.pk).path)
    routed = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ROUTED).order_by("-pk").first()
    assert routed.data["reason"] == "place_moved" and routed.data["from_place"] == city.grid.pk
    assert routed.data["place"] == city.other_grid.pk and "第二网格" in routed.note and "第一网格" in routed.note
    assert Notification.objects.filter(recipient=crew["new_worker"], kind="case_new").exists()
    assert list(selectors.queue_for(crew["old_worker"])) == []
    assert list(selectors.queue_for(crew["new_worker"])) == [case]
    audit = AuditEntry.objects.get(kind="case.reroute_after_move")
    assert audit.data["cases"] == [case.pk]


def test_the_old_worker_gets_not_found_and_nothing_is_written(client, city, crew):
    case = report(crew, city)
    move_compound(city, city.other_grid)
    # A stale handler place must not be a permit either: put the old one back as if the
    # move had left it (the state the probe found), the rule still refuses before any write.
    Case.objects.filter(pk=case.pk).update(handler_place=city.grid)
    h = api_headers(crew["old_worker"])
    before = snapshot(case)
    audits = AuditEntry.objects.count()
    for action, body in (("accept", {}), ("answer", {"answer": "已经处理好了"}), ("escalate", {"reason": "处理不了", "from_level": "grid"})):
        r = client.post(f"/api/v1/cases/{case.pk}/{action}", json.dumps(body), content_type="application/json", **h)
        assert r.status_code == 404, (action, r.content)
    assert snapshot(case) == before
    assert list(AuditEntry.objects.order_by("pk").values_list("kind", flat=True)[audits:]) == []
    client.force_login(crew["old_worker"])
    r = client.post(f"/cases/{case.pk}/accept/", {})
    assert r.status_code == 404
    assert snapshot(case) == before
    # The new grid's worker, once the case is theirs again, accepts it.
    Case.objects.filter(pk=case.pk).update(handler_place=city.other_grid)
    services.accept_case(actor=crew["new_worker"], case_id=case.pk)
    assert Case.objects.get(pk=case.pk).status == Case.Status.ACCEPTED


def test_closed_cases_keep_their_handler_and_accepted_ones_keep_their_state(city, crew):
    closed = report(crew, city, text="楼下路灯不亮")
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    accepted = report(crew, city, text="消防通道又被堵了")
    services.accept_case(actor=crew["old_worker"], case_id=accepted.pk)
    move_compound(city, city.other_grid)
    closed.refresh_from_db()
    accepted.refresh_from_db()
    assert closed.handler_place_id == city.grid.pk
    assert not CaseEvent.objects.filter(case=closed, data__reason="place_moved").exists()
    assert (accepted.status, accepted.handler_place_id) == (Case.Status.ACCEPTED, city.other_grid.pk)


def test_an_escalated_case_goes_to_the_new_community(city, crew):
    other_community = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community",
                                                  name="新桥社区")
    far_grid = place_services.create_place(actor=SYSTEM, parent_id=other_community.pk, kind_code="grid",
                                           name="新桥第一网格")
    far_secretary = city.user_with("community_secretary", at=other_community, name="新桥书记")
    city.user_with("grid_worker", at=far_grid, name="新桥网格员")
    case = report(crew, city)
    services.escalate_case(actor=crew["old_worker"], case_id=case.pk, reason="需要社区协调", from_level="grid")
    case.refresh_from_db()
    assert (case.level, case.handler_place_id) == ("community", city.community.pk)

    move_compound(city, far_grid)

    case.refresh_from_db()
    assert (case.level, case.handler_place_id) == ("community", other_community.pk)
    assert case in selectors.queue_for(far_secretary)
    assert case not in selectors.queue_for(crew["community_worker"])


def test_a_move_within_the_same_handlers_changes_nothing(city, crew):
    case = report(crew, city)
    case2_grid_compound = place_services.create_place(actor=SYSTEM, parent_id=city.grid.pk, kind_code="compound",
                                                      name="新小区")
    # moving the building to another compound of the same grid keeps the grid worker
    place_services.move_place(actor=SYSTEM, place_id=city.building.pk, new_parent_id=case2_grid_compound.pk)
    case.refresh_from_db()
    assert case.handler_place_id == city.grid.pk
    assert not CaseEvent.objects.filter(case=case, data__reason="place_moved").exists()


def test_the_move_and_the_reroute_are_one_transaction(city, crew):
    case = report(crew, city)
    old_path = Place.objects.get(pk=city.compound.pk).path

    @events.subscriber("places.place_moved", effect="tests.fail_after_reroute", when=events.IN_TRANSACTION)
    def fail(event):
        raise RuntimeError("a follower failed")

    try:
        with pytest.raises(RuntimeError):
            move_compound(city, city.other_grid)
    finally:
        events._subscribers["places.place_moved"] = [
            s for s in events.subscribers("places.place_moved") if s.effect != "tests.fail_after_reroute"]
    case.refresh_from_db()
    assert Place.objects.get(pk=city.compound.pk).path == old_path
    assert case.handler_place_id == city.grid.pk
    assert not CaseEvent.objects.filter(case=case, data__reason="place_moved").exists()

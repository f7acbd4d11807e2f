"""The case loop (sections 3–4 of "Requests to outcomes"): every escalation path, referral,
co-handling, request for information, answer, close with each outcome, rating and the one
reopening, return visits, merge, me-too, the append-only timeline and the outbox."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from linli.accounts.models import Organisation
from linli.cases import selectors, services
from linli.cases.models import Case, CaseEvent, CaseSupporter, CaseTask
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.models import AppendOnlyError
from linli.notify.models import Notification
from linli.testing import CASE_CAST, DEPARTMENTS


@pytest.fixture
def p(city):
    return city.people(*CASE_CAST, *DEPARTMENTS)


def kinds(case) -> list[str]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("id").values_list("kind", flat=True))


def notices(user, kind=None) -> list[str]:
    qs = Notification.objects.filter(recipient=user, channel="in_app")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id").values_list("kind", flat=True))


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def report(p, city, category="stairwell", place=None, who="resident", **kw):
    return services.submit_case(actor=p[who], text=kw.pop("text", "楼道里堆满杂物，扶手也坏了"), channel="resident",
                                place_id=(place or city.dwelling).pk, category_code=category, **kw)


def handled(p, case, handler="grid_worker"):
    services.accept_case(actor=p[handler], case_id=case.pk)
    services.answer_case(actor=p[handler], case_id=case.pk, answer="已处理完毕")
    return fresh(case)


# ---------------------------------------------------------------- the escalation ladder


def test_every_rung_of_the_ladder_then_a_department(city, p):
    case = report(p, city)
    assert (case.level, case.handler_place) == ("building", city.building)
    steps = [("building_head", "grid", city.grid), ("grid_worker", "community", city.community),
             ("community_worker", "street", city.street)]
    for n, (actor, level, place) in enumerate(steps, start=1):
        before = notices(p[actor], "case_escalated")
        services.escalate_case(actor=p[actor], case_id=case.pk, reason=f"需要上级协调{n}")
        c = fresh(case)
        assert (c.level, c.handler_place, c.status, c.escalated_count) == (level, place, "submitted", n)
        assert c.accepted_at is None
        # The previous handler and the new one are told.
        assert len(notices(p[actor], "case_escalated")) == len(before) + 1
    assert Notification.objects.filter(recipient=p["street_official"], kind="case_escalated").exists()
    esc = CaseEvent.objects.filter(case=case, kind="escalated").order_by("id")
    assert [e.data["level"] for e in esc] == ["grid", "community", "street"]
    assert [e.note for e in esc] == ["需要上级协调1", "需要上级协调2", "需要上级协调3"]
    # The street is the top of the ladder: it refers to a department instead.
    with pytest.raises(Conflict) as exc:
        services.escalate_case(actor=p["street_official"], case_id=case.pk, reason="再往上报")
    assert exc.value.code == "top_of_ladder"
    assert kinds(case).count("escalated") == 3
    services.refer_case(actor=p["street_official"], case_id=case.pk, organisation_id=p["env_org"].pk,
                        reason="属于环保职责")
    c = fresh(case)
    assert (c.level, c.handler_place, c.handler_organisation, c.status) == ("department", None, p["env_org"], "submitted")
    assert notices(p["env"], "case_referred") == ["case_referred"]
    # A department cannot escalate either.
    with pytest.raises(Conflict):
        services.escalate_case(actor=p["env"], case_id=case.pk, reason="不归我们管")
    services.accept_case(actor=p["env"], case_id=case.pk)
    services.answer_case(actor=p["env"], case_id=case.pk, answer="已清理堆放物")
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved")
    assert kinds(case) == ["created", "routed", "escalated", "escalated", "escalated", "referred", "accepted",
                           "answered", "verified", "closed"]


def test_accepted_case_can_be_escalated_and_must_be_accepted_again(city, p):
    case = report(p, city)
    services.accept_case(actor=p["building_head"], case_id=case.pk)
    services.escalate_case(actor=p["building_head"], case_id=case.pk, reason="需要网格协调物业")
    c = fresh(case)
    assert c.status == "submitted" and c.accepted_at is None and c.level == "grid"
    # The building head no longer handles it: the case has moved up past them.
    with pytest.raises((Conflict, Forbidden)):
        services.accept_case(actor=p["building_head"], case_id=case.pk)
    services.accept_case(actor=p["grid_worker"], case_id=case.pk)
    assert fresh(case).status == "accepted"


def test_escalation_skips_a_rung_with_nobody_to_act(city, p):
    p["community_worker"].roles.update(is_active=False)
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    services.escalate_case(actor=p["grid_worker"], case_id=case.pk, reason="需要街道协调")
    assert fresh(case).handler_place == city.street


def test_escalation_with_a_stale_level_is_a_conflict(city, p):
    case = report(p, city)
    services.escalate_case(actor=p["building_head"], case_id=case.pk, reason="需要网格协调")
    with pytest.raises(Conflict) as exc:
        services.escalate_case(actor=p["community_worker"], case_id=case.pk, reason="需要社区协调",
                               from_level="building")
    assert exc.value.code == "stale"
    assert fresh(case).level == "grid"
    services.escalate_case(actor=p["community_worker"], case_id=case.pk, reason="需要社区协调", from_level="grid")
    assert fresh(case).level == "community"


def test_referral_from_any_level_by_a_dispatcher_only(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    # Grid workers and building heads do not dispatch.
    for who in ("grid_worker", "building_head"):
        with pytest.raises((Forbidden, NotFound)):
            services.refer_case(actor=p[who], case_id=case.pk, organisation_id=p["env_org"].pk, reason="转环保")
    services.refer_case(actor=p["community_worker"], case_id=case.pk, organisation_id=p["zongzhi_org"].pk,
                        reason="需要综治协调")
    c = fresh(case)
    assert c.level == "department" and c.handler_organisation == p["zongzhi_org"]
    ev = CaseEvent.objects.get(case=case, kind="referred")
    assert ev.data == {"organisation": p["zongzhi_org"].pk} and ev.actor == p["community_worker"]
    # Another department cannot act on it; the referred one can.
    with pytest.raises((Forbidden, NotFound)):
        services.accept_case(actor=p["vet"], case_id=case.pk)
    services.accept_case(actor=p["zongzhi"], case_id=case.pk)
    assert fresh(case).status == "accepted" and case in selectors.queue_for(p["zongzhi"])
    assert case not in selectors.queue_for(p["vet"])


def test_referral_needs_a_department(city, p):
    case = report(p, city)
    company = Organisation.objects.create(kind="property_company", name="某物业公司")
    for org_id in (company.pk, 10**9):
        with pytest.raises(Invalid) as exc:
            services.refer_case(actor=p["street_official"], case_id=case.pk, organisation_id=org_id, reason="转办")
        assert exc.value.field == "organisation_id"
    assert fresh(case).level == "building" and kinds(case) == ["created", "routed"]


# ---------------------------------------------------------------- co-handling


def test_cohandling_three_departments_each_with_own_task_and_deadline(city, p):
    case = report(p, city, category="livestock", text="村里养猪场粪便污染河道，还有人打架")
    assert case.level == "street"
    street = p["street_official"]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        now = timezone.now()
        tasks = services.open_cohandling(actor=street, case_id=case.pk,
                                         organisation_ids=[p["zongzhi_org"].pk, p["vet_org"].pk],
                                         instruction="联合调查处理", days=5)
        [env_task] = services.open_cohandling(actor=street, case_id=case.pk, organisation_ids=[p["env_org"].pk],
                                              instruction="检测水质", days=10)
    assert {t.organisation for t in tasks} == {p["zongzhi_org"], p["vet_org"]}
    assert all(t.due == now + dt.timedelta(days=5) for t in tasks)
    assert env_task.due == now + dt.timedelta(days=10)
    c = fresh(case)
    assert c.status == "accepted" and c.accepted_at is not None
    for key in ("zongzhi", "vet", "env"):
        assert notices(p[key], "case_task") == ["case_task"]
        assert case in selectors.queue_for(p[key])
    ev = CaseEvent.objects.filter(case=case, kind="task_opened").order_by("id")
    assert [e.data["organisations"] for e in ev] == [sorted([p["zongzhi_org"].pk, p["vet_org"].pk]),
                                                      [p["env_org"].pk]]
    # The same department twice is a conflict.
    with pytest.raises(Conflict) as exc:
        services.open_cohandling(actor=street, case_id=case.pk, organisation_ids=[p["vet_org"].pk])
    assert exc.value.code == "duplicate_task"
    by_org = {t.organisation_id: t for t in CaseTask.objects.filter(case=case)}
    zong, vet, env = (by_org[p[k + "_org"].pk] for k in ("zongzhi", "vet", "env"))
    # Each department completes only its own task.
    with pytest.raises(Forbidden):
        services.complete_task(actor=p["vet"], task_id=zong.pk, answer="替综治完成")
    with pytest.raises(Forbidden):
        services.complete_task(actor=p["grid_worker"], task_id=zong.pk, answer="网格员完成")
    services.complete_task(actor=p["vet"], task_id=vet.pk, answer="已对养殖场消毒并指导粪污处理")
    with pytest.raises(Conflict) as exc:
        services.complete_task(actor=p["vet"], task_id=vet.pk, answer="再完成一次")
    assert exc.value.code == "task_done"
    services.complete_task(actor=p["zongzhi"], task_id=zong.pk, answer="已调解打架双方")
    # The answer is refused while any task is open.
    with pytest.raises(Conflict) as exc:
        services.answer_case(actor=street, case_id=case.pk, answer="已处理")
    assert exc.value.code == "tasks_open"
    assert fresh(case).status == "accepted"
    services.complete_task(actor=p["env"], task_id=env.pk, answer="水质已达标")
    statuses = dict(CaseTask.objects.filter(case=case).values_list("organisation_id", "status"))
    assert set(statuses.values()) == {"done"}
    assert case not in selectors.queue_for(p["vet"])
    services.answer_case(actor=street, case_id=case.pk, answer="三部门联合处理完毕")
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved")
    assert kinds(case) == ["created", "routed", "task_opened", "task_opened", "task_done", "task_done", "task_done",
                           "answered", "verified", "closed"]
    done = CaseEvent.objects.filter(case=case, kind="task_done").order_by("id")
    assert [e.actor for e in done] == [p["vet"], p["zongzhi"], p["env"]]


def test_cohandling_needs_dispatch_and_departments(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    with pytest.raises((Forbidden, NotFound)):
        services.open_cohandling(actor=p["grid_worker"], case_id=case.pk, organisation_ids=[p["vet_org"].pk])
    assert not CaseTask.objects.exists()


def test_task_of_a_merged_case_cannot_be_completed(city, p):
    a = report(p, city, category="livestock", text="养猪场污染")
    b = report(p, city, category="livestock", text="养猪场污染严重", who="neighbour")
    [task] = services.open_cohandling(actor=p["street_official"], case_id=b.pk, organisation_ids=[p["vet_org"].pk])
    services.merge_case(actor=p["street_official"], case_id=b.pk, into_id=a.pk)
    with pytest.raises(Conflict):
        services.complete_task(actor=p["vet"], task_id=task.pk, answer="已处理")


# ---------------------------------------------------------------- information, answer, close, rating


def test_request_info_then_info_returns_to_where_it_was(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    worker, resident = p["grid_worker"], p["resident"]
    services.request_info(actor=worker, case_id=case.pk, question="请问是哪个门口？")
    assert fresh(case).status == "info_requested"
    assert notices(resident, "case_info_requested") == ["case_info_requested"]
    assert Notification.objects.filter(recipient=resident, kind="case_info_requested", channel="sms").exists()
    services.add_info(actor=resident, case_id=case.pk, text="是东门，晚上最严重")
    assert fresh(case).status == "submitted"
    assert notices(worker, "case_info_added") == ["case_info_added"]
    services.accept_case(actor=worker, case_id=case.pk)
    services.request_info(actor=worker, case_id=case.pk, question="车牌号记得吗？")
    services.add_info(actor=resident, case_id=case.pk, text="川A12345")
    assert fresh(case).status == "accepted"
    assert kinds(case) == ["created", "routed", "info_requested", "info_added", "accepted", "info_requested",
                           "info_added"]
    # Another resident cannot add information to someone else's case.
    with pytest.raises((Forbidden, NotFound)):
        services.add_info(actor=p["neighbour"], case_id=case.pk, text="我也补充一句")


@pytest.mark.parametrize("outcome,note", [("solved", ""), ("partly", "部分车辆已挪走"),
                                          ("not_ours", "属于交警管辖，请拨打122"),
                                          ("cannot", "规划原因无法增设车位")])
def test_close_with_each_outcome(city, p, outcome, note):
    case = handled(p, report(p, city, category="parking", text="小区门口车辆乱停乱放"))
    before = timezone.now()
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome=outcome, note=note)
    c = fresh(case)
    assert (c.status, c.outcome, c.outcome_note) == ("closed", outcome, note)
    assert before <= c.closed_at <= timezone.now()  # stamped by this close, not left over
    closed = CaseEvent.objects.get(case=case, kind="closed")
    assert closed.data == {"outcome": outcome} and closed.note == note
    assert notices(p["resident"], "case_closed") == ["case_closed"]


@pytest.mark.parametrize("outcome", ["not_ours", "cannot"])
def test_not_ours_and_cannot_need_a_note(city, p, outcome):
    case = handled(p, report(p, city, category="parking", text="小区门口车辆乱停乱放"))
    with pytest.raises(Invalid) as exc:
        services.close_case(actor=p["community_worker"], case_id=case.pk, outcome=outcome, note=" ")
    assert (exc.value.field, exc.value.code) == ("note", "required")
    assert fresh(case).status == "answered"


def test_the_reporter_may_verify_and_close(city, p):
    case = handled(p, report(p, city, category="parking", text="小区门口车辆乱停乱放"))
    with pytest.raises((Forbidden, NotFound)):
        services.close_case(actor=p["neighbour"], case_id=case.pk, outcome="solved")
    with pytest.raises((Forbidden, NotFound)):
        services.close_case(actor=p["building_head"], case_id=case.pk, outcome="solved")  # no verify verb
    services.close_case(actor=p["resident"], case_id=case.pk, outcome="solved")
    assert CaseEvent.objects.get(case=case, kind="verified").actor == p["resident"]


def test_rating_records_solved_and_satisfaction(city, p):
    case = handled(p, report(p, city, category="parking", text="小区门口车辆乱停乱放"))
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved")
    with pytest.raises(Forbidden):
        services.rate_case(actor=p["grid_worker"], case_id=case.pk, rating="satisfied")
    services.rate_case(actor=p["resident"], case_id=case.pk, rating="basic", solved=True, comment="还行")
    c = fresh(case)
    assert (c.rating, c.solved_by_reporter, c.rating_comment, c.reopened_count) == ("basic", True, "还行", 0)
    assert c.rated_at is not None and c.status == "closed"
    with pytest.raises(Conflict) as exc:
        services.rate_case(actor=p["resident"], case_id=case.pk, rating="satisfied")
    assert exc.value.code == "already_rated"
    ev = CaseEvent.objects.get(case=case, kind="rated")
    assert ev.data == {"rating": "basic", "solved": True, "return_visit": False}


def test_unsatisfied_reopens_exactly_once_and_is_flagged(city, p):
    worker, resident = p["grid_worker"], p["resident"]
    case = handled(p, report(p, city, category="parking", text="小区门口车辆乱停乱放"))
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="partly", note="部分车辆已挪走")
    services.rate_case(actor=resident, case_id=case.pk, rating="unsatisfied", solved=False, comment="还是很多车")
    c = fresh(case)
    assert (c.status, c.reopened_count, c.rating, c.outcome, c.outcome_note) == ("accepted", 1, "", "", "")
    assert c.solved_by_reporter is None and c.closed_at is None and c.answered_at is None
    assert c.accepted_at == case.accepted_at  # still the first acceptance: reopening is not a new one
    assert notices(worker, "case_reopened") == ["case_reopened"]
    assert CaseEvent.objects.get(case=case, kind="reopened").note == "还是很多车"
    # Second handling, second unsatisfied rating: it stays closed.
    services.answer_case(actor=worker, case_id=case.pk, answer="已联系交警贴罚单")
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="partly", note="晚上仍有车辆")
    services.rate_case(actor=resident, case_id=case.pk, rating="unsatisfied", solved=False)
    c = fresh(case)
    assert (c.status, c.reopened_count, c.rating, c.solved_by_reporter) == ("closed", 1, "unsatisfied", False)
    assert kinds(case) == ["created", "routed", "accepted", "answered", "verified", "closed", "rated", "reopened",
                           "answered", "verified", "closed", "rated"]


def test_satisfied_does_not_reopen(city, p):
    case = handled(p, report(p, city, category="parking", text="小区门口车辆乱停乱放"))
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved")
    services.rate_case(actor=p["resident"], case_id=case.pk, rating="satisfied", solved=True)
    assert fresh(case).reopened_count == 0 and "reopened" not in kinds(case)


def test_first_contact_is_recorded_once(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    worker = p["grid_worker"]
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone.utc), tick=False):
        services.record_contact(actor=worker, case_id=case.pk, note="电话联系了反映人")
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc), tick=False):
        services.record_contact(actor=worker, case_id=case.pk)
        services.accept_case(actor=worker, case_id=case.pk)
        services.answer_case(actor=worker, case_id=case.pk, answer="已处理")
    c = fresh(case)
    assert c.first_contact_at == dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone.utc)
    assert CaseEvent.objects.filter(case=case, kind="contacted", is_internal=True).count() == 2
    with pytest.raises((Forbidden, NotFound)):
        services.record_contact(actor=p["other_grid_worker"], case_id=case.pk)


def test_the_answer_counts_as_first_contact_when_none_was_recorded(city, p):
    before = timezone.now()
    case = handled(p, report(p, city, category="parking", text="小区门口车辆乱停乱放"))
    assert before <= case.answered_at <= timezone.now()
    assert case.first_contact_at == case.answered_at


def test_return_visit_for_a_requester_without_an_account(city, p):
    worker = p["grid_worker"]
    case = services.submit_case(actor=worker, text="独居老人反映暖气不热", channel="phone", place_id=city.dwelling.pk,
                                category_code="utilities", contact_name="孙奶奶", contact_phone="13912345678")
    assert case.reporter is None and case.entered_by == worker and case.contact_phone_masked.startswith("139")
    case = handled(p, case, handler="community_worker")
    # The one who answered does not verify it: the grid worker does (no reporter account).
    with pytest.raises(Forbidden):
        services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved")
    services.close_case(actor=worker, case_id=case.pk, outcome="solved")
    # No account can rate it for themselves; staff record the return visit (回访).
    with pytest.raises(Forbidden):
        services.rate_case(actor=p["resident"], case_id=case.pk, rating="satisfied")
    with pytest.raises((Forbidden, NotFound)):
        services.rate_case(actor=p["other_grid_worker"], case_id=case.pk, rating="satisfied", return_visit=True)
    services.rate_case(actor=worker, case_id=case.pk, rating="satisfied", solved=True, return_visit=True,
                       comment="回访：暖气已正常")
    c = fresh(case)
    assert (c.rating, c.solved_by_reporter) == ("satisfied", True)
    ev = CaseEvent.objects.get(case=case, kind="rated")
    assert ev.actor == worker and ev.data["return_visit"] is True


def test_answer_photos_of_the_result(city, p, settings, tmp_path):
    import io

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), "green").save(buf, format="PNG")
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    services.accept_case(actor=p["grid_worker"], case_id=case.pk)
    answered = services.answer_case(actor=p["grid_worker"], case_id=case.pk, answer="已划停车线")
    [photo] = services.attach_photos(actor=p["grid_worker"], case_id=case.pk, images=[buf.getvalue()],
                                     event_id=answered._answer_event.pk)
    assert photo.event == answered._answer_event
    with pytest.raises((Forbidden, NotFound)):
        services.attach_photos(actor=p["neighbour"], case_id=case.pk, images=[buf.getvalue()])


# ---------------------------------------------------------------- merge and me-too


def test_merged_reporter_follows_the_originals_outcome(city, p):
    original = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    dup = report(p, city, category="parking", text="门口停车太乱了", who="neighbour")
    services.merge_case(actor=p["community_worker"], case_id=dup.pk, into_id=original.pk, note="同一问题")
    d = fresh(dup)
    assert (d.status, d.merged_into_id) == ("merged", original.pk) and d.closed_at is not None
    assert notices(p["neighbour"], "case_merged") == ["case_merged"]
    assert CaseEvent.objects.get(case=dup, kind="merged").data == {"into": original.pk}
    assert CaseEvent.objects.get(case=original, kind="merged").data == {"merged": dup.pk}
    # The merged case's reporter may follow the original.
    assert original in selectors.visible_cases(p["neighbour"])
    handled(p, original)
    services.close_case(actor=p["community_worker"], case_id=original.pk, outcome="solved")
    for who in ("resident", "neighbour"):
        assert notices(p[who], "case_answered") == ["case_answered"]
        assert notices(p[who], "case_closed") == ["case_closed"]
    # Only the original's reporter rates it.
    with pytest.raises(Forbidden):
        services.rate_case(actor=p["neighbour"], case_id=original.pk, rating="satisfied")


def test_merge_chain_reporters_follow_the_last_original(city, p):
    a = report(p, city, category="parking", text="车乱停")
    b = report(p, city, category="parking", text="车乱停二", who="neighbour")
    c = report(p, city, category="parking", text="车乱停三", who="other_resident", place=city.dwelling)
    cw = p["community_worker"]
    services.merge_case(actor=cw, case_id=a.pk, into_id=b.pk)
    services.merge_case(actor=cw, case_id=b.pk, into_id=c.pk)
    handled(p, c)
    for who in ("resident", "neighbour", "other_resident"):
        assert notices(p[who], "case_answered") == ["case_answered"], who
        assert c in selectors.visible_cases(p[who]), who


def test_merge_refusals(city, p):
    a = report(p, city, category="parking", text="车乱停")
    b = report(p, city, category="parking", text="车乱停二", who="neighbour")
    cw = p["community_worker"]
    with pytest.raises(Invalid) as exc:
        services.merge_case(actor=cw, case_id=a.pk, into_id=a.pk)
    assert exc.value.field == "into_id"
    with pytest.raises((Forbidden, NotFound)):
        services.merge_case(actor=p["grid_worker"], case_id=b.pk, into_id=a.pk)
    with pytest.raises(NotFound):
        services.merge_case(actor=cw, case_id=b.pk, into_id=10**9)
    services.merge_case(actor=cw, case_id=b.pk, into_id=a.pk)
    with pytest.raises(Conflict):
        services.merge_case(actor=cw, case_id=a.pk, into_id=b.pk)
    with pytest.raises(Conflict):
        services.merge_case(actor=cw, case_id=b.pk, into_id=a.pk)
    assert Case.objects.get(pk=a.pk).status == "submitted"


def test_me_too_once_per_user_not_own_not_closed(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放", is_public=True)
    services.me_too(actor=p["neighbour"], case_id=case.pk)
    services.me_too(actor=p["other_resident"], case_id=case.pk)
    with pytest.raises(Conflict) as exc:
        services.me_too(actor=p["neighbour"], case_id=case.pk)
    assert exc.value.code == "already_supported"
    with pytest.raises(Conflict) as exc:
        services.me_too(actor=p["resident"], case_id=case.pk)
    assert exc.value.code == "own_case"
    assert CaseSupporter.objects.filter(case=case).count() == 2
    assert kinds(case).count("me_too") == 2
    handled(p, case)
    services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved")
    late = city.user_with("resident", at=city.other_dwelling)
    with pytest.raises(Conflict):
        services.me_too(actor=late, case_id=case.pk)
    assert CaseSupporter.objects.filter(case=case).count() == 2


def test_me_too_needs_to_see_the_case(city, p):
    private = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    with pytest.raises(NotFound):
        services.me_too(actor=p["other_resident"], case_id=private.pk)
    assert not CaseSupporter.objects.exists()


# ---------------------------------------------------------------- the timeline


def test_timeline_is_append_only(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    event = CaseEvent.objects.filter(case=case).first()
    event.note = "改写历史"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_internal_notes_are_staff_only(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放", is_public=True)
    worker = p["grid_worker"]
    services.add_note(actor=worker, case_id=case.pk, text="车主是物业经理的亲戚")
    services.add_note(actor=worker, case_id=case.pk, text="已约定本周内处理", internal=False)
    services.record_contact(actor=worker, case_id=case.pk, note="电话沟通")
    staff_view = [(e.kind, e.note) for e in selectors.timeline(worker, case)]
    assert ("note", "车主是物业经理的亲戚") in staff_view and ("contacted", "电话沟通") in staff_view
    for viewer in ("resident", "other_resident"):
        seen = selectors.timeline(p[viewer], case)
        assert all(not e.is_internal for e in seen)
        assert [(e.kind, e.note) for e in seen if e.kind == "note"] == [("note", "已约定本周内处理")]
    # Residents cannot write notes.
    with pytest.raises((Forbidden, NotFound)):
        services.add_note(actor=p["resident"], case_id=case.pk, text="我想加一条备注")


def test_each_service_appends_exactly_its_events(city, p):
    worker, resident = p["grid_worker"], p["resident"]
    case = services.submit_case(actor=resident, text="小区门口车辆乱停乱放", channel="resident",
                                place_id=city.dwelling.pk)
    assert kinds(case) == ["created", "classified", "routed"]  # no category given: suggested
    steps = [
        (lambda: services.accept_case(actor=worker, case_id=case.pk), ["accepted"]),
        (lambda: services.add_note(actor=worker, case_id=case.pk, text="内部备注"), ["note"]),
        (lambda: services.record_contact(actor=worker, case_id=case.pk), ["contacted"]),
        (lambda: services.request_info(actor=worker, case_id=case.pk, question="哪个门？"), ["info_requested"]),
        (lambda: services.add_info(actor=resident, case_id=case.pk, text="东门"), ["info_added"]),
        (lambda: services.me_too(actor=p["neighbour"], case_id=case.pk), []),  # not visible: refused below
        (lambda: services.answer_case(actor=worker, case_id=case.pk, answer="已处理"), ["answered"]),
        (lambda: services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved"), ["verified", "closed"]),
        (lambda: services.rate_case(actor=resident, case_id=case.pk, rating="unsatisfied"), ["rated", "reopened"]),
    ]
    for step, expected in steps:
        before = CaseEvent.objects.filter(case=case).count()
        try:
            step()
        except NotFound:
            pass
        assert kinds(case)[before:] == expected


def test_events_carry_the_actor(city, p):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    services.accept_case(actor=p["grid_worker"], case_id=case.pk)
    created, routed, accepted = CaseEvent.objects.filter(case=case).order_by("id")
    assert created.actor == p["resident"] and routed.actor is None and accepted.actor == p["grid_worker"]


# ---------------------------------------------------------------- the outbox, in the same transaction


def _explode_after_notify(monkeypatch):
    """Every notice (timeline entries' notices through linli.core.history.record, and intake's
    through services.notify_case, or on PostgreSQL in the one statement of
    linli.core.together that writes the case with them) is written, then the action fails."""
    import linli.core.together as together
    import linli.notify.services as notify_services

    def then_fail(real):
        def write_then_fail(*args, **kwargs):
            real(*args, **kwargs)
            assert Notification.objects.exists()  # the notice was written …
            raise RuntimeError("boom")            # … and is rolled back with the event
        return write_then_fail

    monkeypatch.setattr(notify_services, "enqueue", then_fail(notify_services.enqueue))
    monkeypatch.setattr(services, "enqueue", then_fail(services.enqueue))
    monkeypatch.setattr(together, "insert_together", then_fail(together.insert_together))


def _counts():
    return Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count(), CaseTask.objects.count()


def test_failed_submit_leaves_no_case_event_or_notice(city, p, monkeypatch):
    _explode_after_notify(monkeypatch)
    # Intake takes no savepoint of its own: its caller's transaction (the request's
    # idempotency claim) is what the failure rolls back.
    with pytest.raises(RuntimeError), transaction.atomic():
        report(p, city)
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("action", ["accept", "request_info", "escalate", "refer", "cohandle", "answer", "close",
                                    "rate", "merge"])
def test_failed_action_leaves_no_event_or_notice(city, p, monkeypatch, action):
    case = report(p, city, category="parking", text="小区门口车辆乱停乱放")
    other = report(p, city, category="parking", text="门口停车乱", who="neighbour")
    w, cw = p["grid_worker"], p["community_worker"]
    if action in ("answer", "close", "rate"):
        services.accept_case(actor=w, case_id=case.pk)
    if action in ("close", "rate"):
        services.answer_case(actor=w, case_id=case.pk, answer="已处理")
    if action == "rate":
        services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved")
    before, status = _counts(), fresh(case).status
    _explode_after_notify(monkeypatch)
    run = {
        "accept": lambda: services.accept_case(actor=w, case_id=case.pk),
        "request_info": lambda: services.request_info(actor=w, case_id=case.pk, question="哪个门？"),
        "escalate": lambda: services.escalate_case(actor=w, case_id=case.pk, reason="需要社区"),
        "refer": lambda: services.refer_case(actor=cw, case_id=case.pk, organisation_id=p["env_org"].pk,
                                             reason="转环保"),
        "cohandle": lambda: services.open_cohandling(actor=cw, case_id=case.pk, organisation_ids=[p["env_org"].pk]),
        "answer": lambda: services.answer_case(actor=w, case_id=case.pk, answer="已处理"),
        "close": lambda: services.close_case(actor=p["community_worker"], case_id=case.pk, outcome="solved"),
        "rate": lambda: services.rate_case(actor=p["resident"], case_id=case.pk, rating="unsatisfied"),
        "merge": lambda: services.merge_case(actor=cw, case_id=other.pk, into_id=case.pk),
    }[action]
    with pytest.raises(RuntimeError):
        run()
    assert _counts() == before
    assert fresh(case).status == status and fresh(other).status == "submitted"


def test_notices_are_written_with_the_event(city, p):
    case = report(p, city)
    assert notices(p["building_head"]) == ["case_new"]
    assert notices(p["grid_worker"]) == []
    services.accept_case(actor=p["building_head"], case_id=case.pk)
    assert notices(p["resident"]) == ["case_accepted"]
    services.answer_case(actor=p["building_head"], case_id=case.pk, answer="已清理")
    assert notices(p["resident"]) == ["case_accepted", "case_answered"]
    # SMS goes to the outbox as pending; in-app notices are delivered at once.
    sms = Notification.objects.get(recipient=p["resident"], kind="case_answered", channel="sms")
    assert sms.status == "pending" and sms.text.startswith(f"[{fresh(case).number}]")

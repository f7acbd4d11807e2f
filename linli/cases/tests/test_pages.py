"""The case pages through the Django test client: who sees which page and which action
forms, out-of-scope users get a 404 in Chinese, bad input gives field errors and writes
nothing, a double submit creates one case, and list pages keep a constant query count."""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from linli.cases import services
from linli.cases.models import Case, CaseEvent, CasePhoto, CaseSupporter, CaseTask
from linli.core.models import IdempotencyRecord
from linli.testing import CASE_CAST

pytestmark = pytest.mark.django_db

NOT_FOUND = "未找到该记录，或不在您的管辖范围内"
TEXT = "楼道里堆满杂物，扶手也坏了"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def p(city):
    return city.people(*CASE_CAST, "zongzhi", "env")


def as_(client, user):
    client.force_login(user)
    return client


def png(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def upload(name="photo.png", data=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data if data is not None else png(), content_type="image/png")


def report(p, city, who="resident", text=TEXT, place=None, **kw):
    return services.submit_case(actor=p[who], text=text, channel="resident", place_id=(place or city.dwelling).pk,
                                category_code=kw.pop("category", "stairwell"), **kw)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def text(response) -> str:
    return response.content.decode()


def field_errors(response, field: str) -> str:
    """The error list next to a field of the page's form (by its html name)."""
    html = text(response)
    m = re.search(r'data-field="%s".*?</div>' % re.escape(field), html, re.S)
    assert m, f"no field {field} on the page"
    return m.group(0)


# ---------------------------------------------------------------- log-in required


@pytest.mark.parametrize("url", ["/cases/", "/cases/new/", "/cases/mine/", "/cases/queue/", "/cases/patrol/",
                                 "/cases/{case}/", "/cases/new/hints/?text=x"])
def test_pages_need_log_in(client, city, p, url):
    case = report(p, city)
    response = client.get(url.format(case=case.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_actions_need_log_in(client, city, p):
    case = report(p, city)
    response = client.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": "需要网格协调"})
    assert response.status_code == 302
    assert fresh(case).level == "building"


# ---------------------------------------------------------------- 反映问题


def test_report_page_offers_the_residents_home_with_the_building_chosen(client, city, p):
    response = as_(client, p["resident"]).get("/cases/new/")
    assert response.status_code == 200
    html = text(response)
    assert "反映问题" in html
    assert re.search(r'<option value="%d" selected>汉都华府二期 1栋</option>' % city.building.pk, html)
    for place in (city.compound, city.unit, city.dwelling):
        assert f'<option value="{place.pk}"' in html
    # nothing outside the resident's home
    assert f'<option value="{city.other_building.pk}"' not in html
    assert 'name="nonce"' in html and "楼道" in html  # the category select


def test_report_creates_the_case_with_photos_and_opens_it(client, city, p):
    c = as_(client, p["resident"])
    response = c.post("/cases/new/", {"text": TEXT, "place": city.building.pk, "category": "", "is_public": "on",
                                      "nonce": "a" * 32, "photos": [upload("a.png"), upload("b.png", png((0, 0, 200)))]})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert (case.reporter, case.place, case.channel, case.is_public) == (p["resident"], city.building, "resident", True)
    assert case.category.code == "stairwell"  # suggested from the text
    assert (case.level, case.handler_place) == ("building", city.building)
    assert CasePhoto.objects.filter(case=case, event__isnull=True).count() == 2
    page = c.get(response["Location"])
    html = text(page)
    assert case.number in html and TEXT in html and "待受理" in html and "楼道" in html
    assert html.count('alt="问题照片"') == 2
    assert "已提交，我们会尽快办理。" in html


@pytest.mark.parametrize("data, field, message", [
    ({"text": ""}, "text", "请描述问题（至少2个字）"),
    ({"text": "坏"}, "text", "请描述问题（至少2个字）"),
    ({"place": "", "lat": "", "lng": ""}, "place", "请选择地点或在地图上标注位置"),
    ({"place": "", "lat": "29.98", "lng": ""}, "lng", "请同时提供经度和纬度"),
    ({"place": "", "lat": "95", "lng": "103"}, "lat", "坐标超出范围"),
    ({"place": "{other}"}, "place", "请从列表中选择地点"),
    ({"category": "no-such"}, "category", "类别无效"),
    ({"photos": "not-an-image"}, "photos", "文件不是有效的图片"),
])
def test_report_bad_input_gives_field_errors_and_writes_nothing(client, city, p, data, field, message):
    post = {"text": TEXT, "place": city.building.pk, "category": "", "nonce": "b" * 32}
    post.update({k: v.format(other=city.other_building.pk) if isinstance(v, str) else v for k, v in data.items()})
    if post.get("photos") == "not-an-image":
        post["photos"] = [upload("ok.png"), upload("bad.png", b"this is not a picture")]
    response = as_(client, p["resident"]).post("/cases/new/", post)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert 'aria-invalid="true"' in text(response) or "field-error" in text(response)
    assert not Case.objects.exists() and not CasePhoto.objects.exists() and not CaseEvent.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    # what was typed is kept
    if field != "text":
        assert TEXT in text(response)


def test_a_double_submit_creates_one_case(client, city, p):
    c = as_(client, p["resident"])
    post = {"text": TEXT, "place": city.building.pk, "category": "", "nonce": "c" * 32}
    first = c.post("/cases/new/", post)
    second = c.post("/cases/new/", post)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"] == f"/cases/{Case.objects.get().pk}/"
    # the same nonce with another text is refused, not a second case
    third = c.post("/cases/new/", {**post, "text": "另一个问题：路灯不亮"})
    assert third.status_code == 422 and "此表单已提交过" in text(third)
    assert Case.objects.count() == 1
    # a fresh nonce is a new case
    c.post("/cases/new/", {**post, "nonce": "d" * 32})
    assert Case.objects.count() == 2


def test_hints_suggest_a_category_and_similar_cases_with_me_too(client, city, p):
    existing = report(p, city, who="neighbour", place=city.building, is_public=True)
    c = as_(client, p["resident"])
    response = c.get("/cases/new/hints/", {"text": "楼道里扶手又坏了", "place": city.building.pk})
    assert response.status_code == 200
    html = text(response)
    assert "系统建议类别" in html and 'data-code="stairwell"' in html
    assert f'data-case="{existing.pk}"' in html and "我也遇到了" in html
    # htmx "me too" swaps in an answer; a second one says so
    answer = c.post(f"/cases/{existing.pk}/me-too/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "已附议" in text(answer)
    assert CaseSupporter.objects.filter(case=existing, user=p["resident"]).exists()
    again = c.post(f"/cases/{existing.pk}/me-too/", HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and "您已经附议过" in text(again)
    html = text(c.get("/cases/new/hints/", {"text": "楼道里扶手又坏了", "place": city.building.pk}))
    assert "您已附议" in html
    # short text: nothing to say
    assert text(c.get("/cases/new/hints/", {"text": "楼"})).strip() == ""


def test_hints_do_not_show_other_peoples_private_cases(client, city, p):
    report(p, city, who="neighbour", place=city.building, is_public=False)
    html = text(as_(client, p["resident"]).get("/cases/new/hints/", {"text": TEXT, "place": city.building.pk}))
    assert "附近已有类似问题" not in html


# ---------------------------------------------------------------- the case page: who sees what


def test_case_page_scope(client, city, p):
    case = report(p, city)
    for who in ("resident", "building_head", "grid_worker", "community_worker"):
        client.force_login(p[who])
        assert client.get(f"/cases/{case.pk}/").status_code == 200, who
    for who in ("other_resident", "other_grid_worker", "neighbour", "zongzhi"):
        client.force_login(p[who])
        response = client.get(f"/cases/{case.pk}/")
        assert response.status_code == 404, who
        assert NOT_FOUND in text(response)
    # out of scope, an action is a 404 too and changes nothing
    response = client.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": "需要网格协调"})
    assert response.status_code == 404 and fresh(case).level == "building"
    assert client.get("/cases/999999/").status_code == 404


def test_public_case_is_seen_by_neighbours_who_may_say_me_too(client, city, p):
    case = report(p, city, is_public=True)
    c = as_(client, p["other_resident"])
    html = text(c.get(f"/cases/{case.pk}/"))
    assert "我也遇到了" in html
    assert 'id="actions"' not in html  # nothing to handle
    assert "李大爷" not in html  # the reporter's name is not shown to others
    response = c.post(f"/cases/{case.pk}/me-too/")
    assert response.status_code == 302
    html = text(c.get(f"/cases/{case.pk}/"))
    assert "您已附议此诉求" in html and 'id="me-too-submit"' not in html


def _action_names(response) -> set[str]:
    return set(re.findall(r'id="action-([a-z-]+)"', text(response)))


def test_action_forms_follow_role_and_status(client, city, p):
    case = report(p, city)
    assert _action_names(as_(client, p["resident"]).get(f"/cases/{case.pk}/")) == {"add-info"}
    head = _action_names(as_(client, p["building_head"]).get(f"/cases/{case.pk}/"))
    assert head == {"accept", "contact", "request-info", "classify", "escalate", "note"}
    worker = _action_names(as_(client, p["grid_worker"]).get(f"/cases/{case.pk}/"))
    assert worker == head  # above the building, with case.handle there
    community = _action_names(as_(client, p["community_worker"]).get(f"/cases/{case.pk}/"))
    assert {"refer", "cohandle", "merge"} <= community
    services.escalate_case(actor=p["building_head"], case_id=case.pk, reason="需要网格协调")
    # now at the grid: the building head only looks (and may not even add a note there)
    assert _action_names(as_(client, p["building_head"]).get(f"/cases/{case.pk}/")) == {"note"}
    services.accept_case(actor=p["grid_worker"], case_id=case.pk)
    worker = _action_names(as_(client, p["grid_worker"]).get(f"/cases/{case.pk}/"))
    assert "answer" in worker and "accept" not in worker
    services.answer_case(actor=p["grid_worker"], case_id=case.pk, answer="已清理")
    assert _action_names(as_(client, p["resident"]).get(f"/cases/{case.pk}/")) == {"close", "add-info"}
    services.close_case(actor=p["resident"], case_id=case.pk, outcome="solved")
    assert _action_names(as_(client, p["resident"]).get(f"/cases/{case.pk}/")) == {"rate"}
    assert "close" not in _action_names(as_(client, p["grid_worker"]).get(f"/cases/{case.pk}/"))


def test_internal_notes_only_for_staff(client, city, p):
    case = report(p, city)
    response = as_(client, p["building_head"]).post(f"/cases/{case.pk}/note/", {"note-text": "先电话问问物业"})
    assert response.status_code == 302
    assert "先电话问问物业" in text(client.get(f"/cases/{case.pk}/"))
    assert "先电话问问物业" not in text(as_(client, p["resident"]).get(f"/cases/{case.pk}/"))


# ---------------------------------------------------------------- actions: errors on the form, nothing written


def test_escalate_needs_a_reason_and_then_goes_up(client, city, p):
    case = report(p, city)
    c = as_(client, p["building_head"])
    response = c.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": "", "escalate-from_level": "building"})
    assert response.status_code == 400
    assert "请填写此项" in field_errors(response, "escalate-reason")
    assert re.search(r'id="action-escalate" open', text(response))
    assert (fresh(case).level, fresh(case).escalated_count) == ("building", 0)
    response = c.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": "坏", "escalate-from_level": "building"})
    assert response.status_code == 400 and "至少2个字" in field_errors(response, "escalate-reason")
    response = c.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": "扶手需要维修资金",
                                                      "escalate-from_level": "building"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/#timeline"
    case = fresh(case)
    assert (case.level, case.handler_place) == ("grid", city.grid)
    html = text(c.get(f"/cases/{case.pk}/"))
    assert "已上报上一级" in html and "扶手需要维修资金" in html and "至网格" in html
    # the building head's stale form: a conflict on the form, not a second escalation
    response = c.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": "再报一次", "escalate-from_level": "building"})
    assert response.status_code == 409 and "此诉求已被他人处理" in text(response)
    assert fresh(case).escalated_count == 1


def test_a_handler_who_is_not_the_handler_gets_the_services_answer(client, city, p):
    case = report(p, city)
    services.escalate_case(actor=p["building_head"], case_id=case.pk, reason="需要网格协调")
    response = as_(client, p["building_head"]).post(f"/cases/{case.pk}/accept/", {"accept-note": ""})
    assert response.status_code == 403 and "此诉求不由您办理" in text(response)
    assert fresh(case).status == "submitted"


def test_wrong_status_is_a_conflict_on_the_form(client, city, p):
    case = report(p, city)
    response = as_(client, p["grid_worker"]).post(f"/cases/{case.pk}/answer/", {"answer-answer": "已处理"})
    assert response.status_code == 409 and "当前状态（待受理）不能执行该操作" in text(response)
    assert fresh(case).status == "submitted"


def test_unknown_action_is_a_404(client, city, p):
    case = report(p, city)
    assert as_(client, p["grid_worker"]).post(f"/cases/{case.pk}/explode/").status_code == 404


def test_the_whole_loop_through_the_pages(client, city, p):
    case = report(p, city)
    head, worker, resident = p["building_head"], p["grid_worker"], p["resident"]
    assert as_(client, head).post(f"/cases/{case.pk}/request-info/",
                                  {"request-info-question": "请问是几楼？"}).status_code == 302
    assert fresh(case).status == "info_requested"
    c = as_(client, resident)
    assert "请问是几楼？" in text(c.get(f"/cases/{case.pk}/"))
    assert c.post(f"/cases/{case.pk}/add-info/", {"add-info-text": "三楼到五楼"}).status_code == 302
    assert fresh(case).status == "submitted"
    c = as_(client, worker)
    assert c.post(f"/cases/{case.pk}/accept/", {"accept-note": ""}).status_code == 302
    assert c.post(f"/cases/{case.pk}/contact/", {"contact-note": "电话联系了"}).status_code == 302
    # a bad result photo: no answer, nothing stored
    response = c.post(f"/cases/{case.pk}/answer/", {"answer-answer": "已清理杂物并更换扶手",
                                                    "answer-photos": [upload("x.png", b"garbage")]})
    assert response.status_code == 400 and "文件不是有效的图片" in field_errors(response, "answer-photos")
    assert fresh(case).status == "accepted" and not CasePhoto.objects.exists()
    response = c.post(f"/cases/{case.pk}/answer/", {"answer-answer": "已清理杂物并更换扶手",
                                                    "answer-photos": [upload("after.png")]})
    assert response.status_code == 302
    answered = CaseEvent.objects.get(case=case, kind="answered")
    assert CasePhoto.objects.get(case=case).event_id == answered.pk
    c = as_(client, resident)
    html = text(c.get(f"/cases/{case.pk}/"))
    assert "已清理杂物并更换扶手" in html and 'alt="办理结果照片"' in html
    response = c.post(f"/cases/{case.pk}/close/", {"close-outcome": "", "close-note": ""})
    assert response.status_code == 400 and "请选择办理结果" in field_errors(response, "close-outcome")
    assert c.post(f"/cases/{case.pk}/close/", {"close-outcome": "solved", "close-note": ""}).status_code == 302
    response = c.post(f"/cases/{case.pk}/rate/", {"rate-rating": "", "rate-solved": "yes"})
    assert response.status_code == 400 and "请选择满意度" in field_errors(response, "rate-rating")
    assert c.post(f"/cases/{case.pk}/rate/", {"rate-rating": "satisfied", "rate-solved": "yes",
                                              "rate-comment": "很及时"}).status_code == 302
    case = fresh(case)
    assert (case.status, case.outcome, case.rating, case.solved_by_reporter) == ("closed", "solved", "satisfied", True)
    html = text(c.get(f"/cases/{case.pk}/"))
    assert "满意：很及时" in html and 'id="actions"' not in html
    # a second rating is refused on the form
    response = c.post(f"/cases/{case.pk}/rate/", {"rate-rating": "basic"})
    assert response.status_code == 409 and "已评价过" in text(response)


def test_refer_cohandle_and_complete_a_task(client, city, p):
    case = report(p, city, category="livestock", text="后山养猪场粪便直排河沟")
    assert fresh(case).level == "street"
    c = as_(client, p["community_worker"])
    html = text(c.get(f"/cases/{case.pk}/"))
    assert "综治中心" in html and "环保所" in html
    response = c.post(f"/cases/{case.pk}/cohandle/", {"cohandle-instruction": "联合整治"})
    assert response.status_code == 400 and "请选择一个或多个职能部门" in field_errors(response, "cohandle-organisation_ids")
    assert not CaseTask.objects.exists()
    response = c.post(f"/cases/{case.pk}/cohandle/", {
        "cohandle-organisation_ids": [p["zongzhi_org"].pk, p["env_org"].pk], "cohandle-instruction": "联合整治",
        "cohandle-days": "5"})
    assert response.status_code == 302 and CaseTask.objects.filter(case=case).count() == 2
    task = CaseTask.objects.get(case=case, organisation=p["env_org"])
    d = as_(client, p["env"])
    html = text(d.get(f"/cases/{case.pk}/"))
    assert f'data-task="{task.pk}"' in html
    response = d.post(f"/cases/{case.pk}/task/", {"task-task_id": task.pk, "task-answer": ""})
    assert response.status_code == 400 and fresh(case).status == "accepted"
    assert d.post(f"/cases/{case.pk}/task/", {"task-task_id": task.pk, "task-answer": "已责令整改"}).status_code == 302
    assert CaseTask.objects.get(pk=task.pk).status == "done"
    # the other department's task is not this one's to complete
    other = CaseTask.objects.get(case=case, organisation=p["zongzhi_org"])
    response = d.post(f"/cases/{case.pk}/task/", {"task-task_id": other.pk, "task-answer": "越权"})
    assert response.status_code == 403 and CaseTask.objects.get(pk=other.pk).status == "open"
    # refer another case to one department
    second = report(p, city, text="小区门口道路塌陷", category="road")
    c = as_(client, p["community_worker"])
    response = c.post(f"/cases/{second.pk}/refer/", {"refer-organisation_id": "", "refer-reason": "需要住建部门"})
    assert response.status_code == 400 and "请选择职能部门" in field_errors(response, "refer-organisation_id")
    response = c.post(f"/cases/{second.pk}/refer/", {"refer-organisation_id": p["zongzhi_org"].pk,
                                                     "refer-reason": "需要综治协调"})
    assert response.status_code == 302
    assert (fresh(second).level, fresh(second).handler_organisation) == ("department", p["zongzhi_org"])
    assert "accept" in _action_names(as_(client, p["zongzhi"]).get(f"/cases/{second.pk}/"))


def test_merge_by_number(client, city, p):
    original = report(p, city)
    duplicate = report(p, city, who="neighbour")
    c = as_(client, p["community_worker"])
    response = c.post(f"/cases/{duplicate.pk}/merge/", {"merge-into": "20000101999999"})
    assert response.status_code == 400 and "未找到该编号的诉求" in field_errors(response, "merge-into")
    response = c.post(f"/cases/{duplicate.pk}/merge/", {"merge-into": duplicate.number})
    assert response.status_code == 400 and "不能合并到自身" in field_errors(response, "merge-into")
    assert fresh(duplicate).status == "submitted"
    assert c.post(f"/cases/{duplicate.pk}/merge/", {"merge-into": original.number}).status_code == 302
    assert (fresh(duplicate).status, fresh(duplicate).merged_into) == ("merged", original)
    assert original.number in text(as_(client, p["neighbour"]).get(f"/cases/{duplicate.pk}/"))


def test_classify_changes_the_category(client, city, p):
    case = report(p, city, text="楼下有人装修太吵了", category="noise")
    c = as_(client, p["building_head"])
    response = c.post(f"/cases/{case.pk}/classify/", {"classify-category": "nonsense"})
    assert response.status_code == 400 and fresh(case).category.code == "noise"
    assert c.post(f"/cases/{case.pk}/classify/", {"classify-category": "stairwell"}).status_code == 302
    assert fresh(case).category.code == "stairwell"


def test_photos_are_served_only_to_those_who_see_the_case(client, city, p):
    case = report(p, city)
    photo = services.attach_photos(actor=p["resident"], case_id=case.pk, images=[png()])[0]
    response = as_(client, p["resident"]).get(f"/cases/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert as_(client, p["other_resident"]).get(f"/cases/photos/{photo.pk}/").status_code == 404
    assert as_(client, p["building_head"]).get(f"/cases/photos/{photo.pk}/").status_code == 200


# ---------------------------------------------------------------- lists


def _many(p, city, n, who="resident"):
    for i in range(n - Case.objects.filter(reporter=p[who]).count()):
        report(p, city, who=who, text=f"楼道杂物第{i}处")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_mine_lists_own_cases_with_constant_queries(client, city, p, django_assert_num_queries):
    report(p, city, who="neighbour", text="别人的诉求不在这里")
    _many(p, city, 3)
    c = as_(client, p["resident"])
    html = text(c.get("/cases/mine/"))
    assert html.count('data-case="') == 3 and "别人的诉求不在这里" not in html
    n = _queries(c, "/cases/mine/")
    _many(p, city, 30)
    with django_assert_num_queries(n):
        response = c.get("/cases/mine/")
    assert text(response).count('data-case="') == 20  # first page
    assert "下一页" in text(response)


def test_queue_sorted_by_deadline_with_overdue_and_due_soon(client, city, p, django_assert_num_queries):
    late = report(p, city, text="楼道灯坏了很久")
    soon = report(p, city, text="单元门关不上")
    later = report(p, city, text="扶手松动")
    report(p, city, who="other_resident", place=city.other_dwelling, text="别的网格的楼道")
    now = timezone.now()
    # test data: move the deadlines (no service sets a deadline by hand)
    Case.objects.filter(pk=late.pk).update(accept_due=now - dt.timedelta(hours=2), finish_due=now + dt.timedelta(days=1))
    Case.objects.filter(pk=soon.pk).update(accept_due=now + dt.timedelta(hours=3), finish_due=now + dt.timedelta(days=2))
    Case.objects.filter(pk=later.pk).update(accept_due=now + dt.timedelta(days=2), finish_due=now + dt.timedelta(days=5))
    c = as_(client, p["building_head"])
    response = c.get("/cases/queue/")
    html = text(response)
    order = [int(x) for x in re.findall(r'<li data-case="(\d+)"', html)]
    assert order == [late.pk, soon.pk, later.pk]
    assert re.search(r'data-case="%d" class="due-overdue"' % late.pk, html)
    assert re.search(r'data-case="%d" class="due-soon"' % soon.pk, html)
    assert re.search(r'data-case="%d" class="">' % later.pk, html)
    assert "已超期" in html and "别的网格的楼道" not in html
    assert re.search(r'id="n-overdue">1<', html) and re.search(r'id="n-soon">1<', html)
    # the grid worker's queue is empty: the cases wait at the building
    assert 'data-case="' not in text(as_(client, p["grid_worker"]).get("/cases/queue/"))
    c = as_(client, p["building_head"])
    n = _queries(c, "/cases/queue/")
    _many(p, city, 30)
    with django_assert_num_queries(n):
        response = c.get("/cases/queue/")
    assert text(response).count('<li data-case="') == 30


def test_staff_list_scope_filters_and_constant_queries(client, city, p, django_assert_num_queries):
    mine = report(p, city, text="楼道杂物")
    report(p, city, who="other_resident", place=city.other_dwelling, text="别的网格的问题")
    services.accept_case(actor=p["building_head"], case_id=mine.pk)
    c = as_(client, p["grid_worker"])
    html = text(c.get("/cases/"))
    assert "诉求列表" in html and "楼道杂物" in html and "别的网格的问题" not in html
    assert "共 1 件" in html
    assert "共 0 件" in text(c.get("/cases/", {"status": "submitted"}))
    assert "共 1 件" in text(c.get("/cases/", {"status": "accepted"}))
    assert "共 1 件" in text(c.get("/cases/", {"category": "stairwell"}))
    assert "共 0 件" in text(c.get("/cases/", {"category": "noise"}))
    assert "共 1 件" in text(c.get("/cases/", {"under": city.compound.pk, "period": "7"}))
    assert "共 0 件" in text(c.get("/cases/", {"overdue": "on"}))
    Case.objects.filter(pk=mine.pk).update(finish_due=timezone.now() - dt.timedelta(hours=1))
    html = text(c.get("/cases/", {"overdue": "on"}))
    assert "共 1 件" in html and "due-overdue" in html
    assert "共 0 件" in text(c.get("/cases/", {"carded": "on"}))
    Case.objects.filter(pk=mine.pk).update(card=2)  # as the deadline sweep would
    html = text(c.get("/cases/", {"carded": "on"}))
    assert "共 1 件" in html and "红牌" in html
    # a place outside the scope is not offered and not applied
    html = text(c.get("/cases/", {"under": city.other_compound.pk}))
    assert "共 1 件" in html and "别的网格的问题" not in html
    community = as_(client, p["community_worker"])
    assert "共 2 件" in text(community.get("/cases/"))
    # residents have their own page
    response = as_(client, p["resident"]).get("/cases/")
    assert response.status_code == 403 and "此页面仅供工作人员使用" in text(response)
    # constant queries as rows grow, filtered or not
    c = as_(client, p["grid_worker"])
    _many(p, city, 3)
    plain, filtered = _queries(c, "/cases/"), _queries(c, f"/cases/?status=submitted&under={city.compound.pk}")
    _many(p, city, 30)
    with django_assert_num_queries(plain):
        assert "下一页" in text(c.get("/cases/"))
    with django_assert_num_queries(filtered):
        c.get(f"/cases/?status=submitted&under={city.compound.pk}")


def test_department_staff_see_the_list_of_what_was_referred(client, city, p):
    case = report(p, city, text="小区门口道路塌陷", category="road")
    services.refer_case(actor=p["community_worker"], case_id=case.pk, organisation_id=p["zongzhi_org"].pk,
                        reason="需要综治协调")
    response = as_(client, p["zongzhi"]).get("/cases/")
    assert response.status_code == 200 and "小区门口道路塌陷" in text(response)
    assert "小区门口道路塌陷" in text(client.get("/cases/queue/"))


# ---------------------------------------------------------------- quick patrol entry


def test_patrol_page_for_grid_workers_and_building_heads_only(client, city, p):
    for who in ("grid_worker", "building_head"):
        response = as_(client, p[who]).get("/cases/patrol/")
        assert response.status_code == 200 and "巡查登记" in text(response), who
    html = text(as_(client, p["building_head"]).get("/cases/patrol/"))
    assert re.search(r'<option value="%d" selected>' % city.building.pk, html)  # the only place: chosen
    for who in ("resident", "zongzhi"):
        response = as_(client, p[who]).get("/cases/patrol/")
        assert response.status_code == 403, who
        assert "只有网格员、楼栋长等工作人员可以登记" in text(response)


def test_patrol_creates_one_case_per_nonce(client, city, p):
    c = as_(client, p["grid_worker"])
    post = {"place": city.compound.pk, "text": "5栋门口井盖松动", "channel": "patrol", "category": "",
            "nonce": "e" * 32, "photos": [upload()]}
    first = c.post("/cases/patrol/", post)
    post["photos"] = [upload()]
    second = c.post("/cases/patrol/", post)
    case = Case.objects.get()
    assert first["Location"] == second["Location"] == f"/cases/{case.pk}/"
    assert (case.channel, case.entered_by, case.reporter, case.category.code) == (
        "patrol", p["grid_worker"], None, "manhole")
    assert CasePhoto.objects.filter(case=case).count() == 1
    c.post("/cases/patrol/", {**post, "nonce": "f" * 32, "channel": "visit", "text": "独居老人需要帮扶",
                              "photos": []})
    assert Case.objects.filter(channel="visit").count() == 1


@pytest.mark.parametrize("data, field, message", [
    ({"place": ""}, "place", "请选择地点"),
    ({"place": "{other}"}, "place", "请从列表中选择地点"),
    ({"text": ""}, "text", "请描述问题（至少2个字）"),
    ({"channel": "api"}, "channel", "来源渠道无效"),
    ({"channel": "hotline", "contact_phone": "12345"}, "contact_phone", "手机号码格式不正确"),
])
def test_patrol_bad_input_writes_nothing(client, city, p, data, field, message):
    post = {"place": city.compound.pk, "text": "井盖松动", "channel": "patrol", "nonce": "1" * 32}
    post.update({k: v.format(other=city.other_compound.pk) for k, v in data.items()})
    response = as_(client, p["grid_worker"]).post("/cases/patrol/", post)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert not Case.objects.exists() and not IdempotencyRecord.objects.exists()


def test_hotline_entry_records_the_contact_masked(client, city, p):
    c = as_(client, p["community_worker"])
    post = {"place": city.compound.pk, "text": "12345转来：小区门口垃圾三天没人清运", "channel": "hotline",
            "contact_name": "杨宝琼", "contact_phone": "139 0000 1234", "nonce": "9" * 32}
    response = c.post("/cases/patrol/", post)
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/"
    assert (case.channel, case.reporter, case.entered_by, case.contact_name) == (
        "hotline", None, p["community_worker"], "杨宝琼")
    assert case.contact_phone_masked == "139****1234" and "13900001234" not in case.contact_phone_enc
    page = text(c.get(f"/cases/{case.pk}/"))
    assert "13900001234" not in page


def test_english_case_page(client, city, p):
    case = report(p, city)
    c = as_(client, p["building_head"])
    response = c.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = text(response)
    assert case.number in page
    # The page is in English: headings, the deadline's label and the action titles.
    assert "Timeline" in page and "Accept by" in page and "Escalate to the next level" in page
    assert "办理记录" not in page and "上报上一级" not in page

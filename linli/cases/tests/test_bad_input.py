"""Every bad input is a clear 4xx (Invalid with the field and a Chinese message, NotFound,
Conflict for the wrong status) and nothing is half-written."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser

from linli.accounts.models import Organisation
from linli.cases import services
from linli.cases.models import Case, CaseEvent, CasePhoto, CaseSupporter, CaseTask, Category
from linli.core.audit import AuditEntry
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.notify.models import Notification

CJK = re.compile(r"[\u4e00-\u9fff]")
SQUARE = {"type": "Polygon", "coordinates": [[[103.0, 30.0], [103.01, 30.0], [103.01, 30.01], [103.0, 30.01],
                                              [103.0, 30.0]]]}


def snapshot():
    return (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count(), CaseTask.objects.count(),
            CaseSupporter.objects.count(), CasePhoto.objects.count(), AuditEntry.objects.count(),
            sorted(Case.objects.values_list("pk", "status", "level", "rating", "reopened_count")))


def expect(exc_type, fn, field=None, code=None):
    """`fn` raises `exc_type` (with `field`/`code`) and writes nothing."""
    before = snapshot()
    with pytest.raises(exc_type) as info:
        fn()
    err = info.value
    if field is not None:
        fields = {e["field"] for e in err.as_list()}
        assert field in fields, err.as_list()
    if code is not None:
        assert code in {e["code"] for e in err.as_list()}, err.as_list()
    for e in err.as_list():
        assert CJK.search(e["message"]), e  # a message the user can read
    assert snapshot() == before
    return err


@pytest.fixture
def p(city):
    people = {
        "resident": city.user_with("resident", at=city.dwelling),
        "neighbour": city.user_with("resident", at=city.dwelling),
        "worker": city.user_with("grid_worker", at=city.grid),
        "community": city.user_with("community_worker", at=city.community),
        "dept": city.user_with("department_staff", at=city.street),
    }
    people["org"] = Organisation.objects.get(staff__user=people["dept"])
    return people


def submit(p, city, **kw):
    args = {"actor": p["resident"], "text": "小区门口车辆乱停乱放", "channel": "resident", "place_id": city.dwelling.pk}
    args.update(kw)
    return services.submit_case(**args)


# ---------------------------------------------------------------- submit_case


@pytest.mark.parametrize("kw,field,code", [
    ({"text": ""}, "text", "required"),
    ({"text": "   \n  "}, "text", "required"),
    ({"text": "坏"}, "text", "required"),
    ({"text": "字" * 2001}, "text", "too_long"),
    ({"channel": "pigeon"}, "channel", "invalid_choice"),
    ({"channel": ""}, "channel", "invalid_choice"),
    ({"category_code": "no-such-category"}, "category", "invalid_choice"),
    ({"place_id": 10**9}, "place_id", "not_found"),
    ({"place_id": None}, "place_id", "required"),
    ({"place_id": None, "lat": 91, "lng": 103}, "lat", "coordinate_range"),
    ({"place_id": None, "lat": -90.5, "lng": 103}, "lat", "coordinate_range"),
    ({"place_id": None, "lat": 30, "lng": 180.01}, "lng", "coordinate_range"),
    ({"place_id": None, "lat": 30, "lng": -181}, "lng", "coordinate_range"),
    ({"place_id": None, "lat": "abc", "lng": 103}, "lat", "coordinate_range"),
    ({"place_id": None, "lat": "NaN", "lng": 103}, "lat", "coordinate_range"),
    ({"place_id": None, "lat": 30, "lng": "Infinity"}, "lng", "coordinate_range"),
    ({"place_id": None, "lat": 30.005}, "lng", "required"),
    ({"lat": 999, "lng": 103}, "lat", "coordinate_range"),  # stored with a place, so checked too
    ({"contact_phone": "123"}, "contact_phone", "phone_format"),
    ({"contact_phone": "1380013800a"}, "contact_phone", "phone_format"),
    ({"contact_name": "张" * 51}, "contact_name", "too_long"),
    ({"priority": 9}, "priority", "invalid_choice"),
])
def test_submit_bad_input(city, p, kw, field, code):
    expect(Invalid, lambda: submit(p, city, **kw), field, code)


def test_submit_inactive_category(city, p):
    Category.objects.filter(code="parking").update(is_active=False)
    expect(Invalid, lambda: submit(p, city, category_code="parking"), "category", "invalid_choice")


def test_submit_reports_every_field_at_once(city, p):
    err = expect(Invalid, lambda: submit(p, city, text="", channel="x", place_id=10**9, contact_phone="1"))
    assert {e["field"] for e in err.as_list()} >= {"text", "channel", "place_id", "contact_phone"}


def test_point_outside_every_grid(city, p):
    from linli.places.models import Place

    Place.objects.filter(pk=city.grid.pk).update(boundary=SQUARE)
    expect(Invalid, lambda: submit(p, city, place_id=None, lat=29.5, lng=103.005), "lat", "outside_grids")
    case = submit(p, city, place_id=None, lat="30.005", lng="103.005")
    assert case.place == city.grid and str(case.lat) == "30.005000"


def test_point_in_a_compound_inside_a_grid_picks_the_compound(city, p):
    from linli.places.models import Place

    Place.objects.filter(pk=city.grid.pk).update(boundary=SQUARE)
    inner = {"type": "Polygon", "coordinates": [[[103.002, 30.002], [103.004, 30.002], [103.004, 30.004],
                                                 [103.002, 30.002]]]}
    Place.objects.filter(pk=city.compound.pk).update(boundary=inner)
    assert submit(p, city, place_id=None, lat=30.0025, lng=103.0035).place == city.compound
    assert submit(p, city, place_id=None, lat=30.008, lng=103.001).place == city.grid


def test_staff_channel_needs_the_intake_verb(city, p):
    expect(NotFound, lambda: submit(p, city, channel="hotline"))
    expect(NotFound, lambda: submit(p, city, on_behalf=True))
    # A grid worker may file by phone only in their grid.
    expect(NotFound, lambda: submit(p, city, actor=p["worker"], channel="phone", place_id=city.other_dwelling.pk))


def test_anonymous_cannot_submit(city, p):
    expect(Forbidden, lambda: submit(p, city, actor=AnonymousUser()))


# ---------------------------------------------------------------- the actions


@pytest.fixture
def states(city, p):
    """A case in each status, at the grid (handled by p["worker"])."""
    w = p["worker"]
    made = {}
    made["submitted"] = submit(p, city)
    made["accepted"] = submit(p, city)
    services.accept_case(actor=w, case_id=made["accepted"].pk)
    made["info_requested"] = submit(p, city)
    services.request_info(actor=w, case_id=made["info_requested"].pk, question="哪个门？")
    made["answered"] = submit(p, city)
    services.accept_case(actor=w, case_id=made["answered"].pk)
    services.answer_case(actor=w, case_id=made["answered"].pk, answer="已处理")
    made["closed"] = submit(p, city)
    services.accept_case(actor=w, case_id=made["closed"].pk)
    services.answer_case(actor=w, case_id=made["closed"].pk, answer="已处理")
    services.close_case(actor=p["community"], case_id=made["closed"].pk, outcome="solved")
    made["merged"] = submit(p, city, actor=p["neighbour"])
    services.merge_case(actor=p["community"], case_id=made["merged"].pk, into_id=made["submitted"].pk)
    return {k: c.pk for k, c in made.items()}


LONG = "字" * 2001


def actions(p, s):
    """(name, callable, field, code) for bad input on each action."""
    w, c, r = p["worker"], p["community"], p["resident"]
    return [
        ("accept note", lambda: services.accept_case(actor=w, case_id=s["submitted"], note=LONG), "note", "too_long"),
        ("request_info empty", lambda: services.request_info(actor=w, case_id=s["accepted"], question=""),
         "question", "required"),
        ("request_info long", lambda: services.request_info(actor=w, case_id=s["accepted"], question=LONG),
         "question", "too_long"),
        ("add_info empty", lambda: services.add_info(actor=r, case_id=s["info_requested"], text=" "), "text",
         "required"),
        ("add_info long", lambda: services.add_info(actor=r, case_id=s["info_requested"], text=LONG), "text",
         "too_long"),
        ("escalate empty", lambda: services.escalate_case(actor=w, case_id=s["accepted"], reason=""), "reason",
         "required"),
        ("escalate long", lambda: services.escalate_case(actor=w, case_id=s["accepted"], reason=LONG), "reason",
         "too_long"),
        ("refer empty", lambda: services.refer_case(actor=c, case_id=s["accepted"], organisation_id=p["org"].pk,
                                                    reason=""), "reason", "required"),
        ("refer no org", lambda: services.refer_case(actor=c, case_id=s["accepted"], organisation_id=10**9,
                                                     reason="转办"), "organisation_id", "organisation_required"),
        ("cohandle none", lambda: services.open_cohandling(actor=c, case_id=s["accepted"], organisation_ids=[]),
         "organisation_ids", "organisation_required"),
        ("cohandle unknown", lambda: services.open_cohandling(actor=c, case_id=s["accepted"],
                                                              organisation_ids=[p["org"].pk, 10**9]),
         "organisation_ids", "organisation_required"),
        ("cohandle days 0", lambda: services.open_cohandling(actor=c, case_id=s["accepted"],
                                                             organisation_ids=[p["org"].pk], days=0),
         "days", "days_range"),
        ("cohandle days 366", lambda: services.open_cohandling(actor=c, case_id=s["accepted"],
                                                               organisation_ids=[p["org"].pk], days=366),
         "days", "days_range"),
        ("cohandle instruction", lambda: services.open_cohandling(actor=c, case_id=s["accepted"],
                                                                  organisation_ids=[p["org"].pk],
                                                                  instruction="字" * 501),
         "instruction", "too_long"),
        ("note empty", lambda: services.add_note(actor=w, case_id=s["accepted"], text=""), "text", "required"),
        ("contact long", lambda: services.record_contact(actor=w, case_id=s["accepted"], note=LONG), "note",
         "too_long"),
        ("answer empty", lambda: services.answer_case(actor=w, case_id=s["accepted"], answer=""), "answer",
         "required"),
        ("answer long", lambda: services.answer_case(actor=w, case_id=s["accepted"], answer=LONG), "answer",
         "too_long"),
        ("close bogus", lambda: services.close_case(actor=p["community"], case_id=s["answered"], outcome="bogus"), "outcome",
         "invalid_choice"),
        ("close empty", lambda: services.close_case(actor=p["community"], case_id=s["answered"], outcome=""), "outcome",
         "invalid_choice"),
        ("close note long", lambda: services.close_case(actor=p["community"], case_id=s["answered"], outcome="solved", note=LONG),
         "note", "too_long"),
        ("close cannot", lambda: services.close_case(actor=p["community"], case_id=s["answered"], outcome="cannot"), "note",
         "required"),
        ("rate bogus", lambda: services.rate_case(actor=r, case_id=s["closed"], rating="meh"), "rating",
         "invalid_choice"),
        ("rate comment", lambda: services.rate_case(actor=r, case_id=s["closed"], rating="satisfied",
                                                    comment="评" * 501), "comment", "too_long"),
        ("merge self", lambda: services.merge_case(actor=c, case_id=s["accepted"], into_id=s["accepted"]),
         "into_id", "merge_self"),
        ("merge note", lambda: services.merge_case(actor=c, case_id=s["accepted"], into_id=s["submitted"],
                                                   note=LONG), "note", "too_long"),
        ("photos none", lambda: services.attach_photos(actor=r, case_id=s["accepted"], images=[]), "photos",
         "photo_required"),
        ("photos junk", lambda: services.attach_photos(actor=r, case_id=s["accepted"], images=[b"not an image"]),
         "photos.0", "photo_invalid"),
        ("photos event", lambda: services.attach_photos(actor=w, case_id=s["accepted"], images=[b"x"],
                                                        event_id=10**9), "event_id", "not_found"),
    ]


def test_action_bad_input(city, p, states):
    for name, fn, field, code in actions(p, states):
        expect(Invalid, fn, field, code)


@pytest.mark.parametrize("status,action", [
    ("accepted", "accept"), ("answered", "accept"), ("closed", "accept"), ("merged", "accept"),
    ("submitted", "answer"), ("answered", "answer"), ("info_requested", "answer"),
    ("submitted", "close"), ("accepted", "close"), ("closed", "close"),
    ("submitted", "rate"), ("answered", "rate"),
    ("answered", "request_info"), ("info_requested", "request_info"), ("closed", "request_info"),
    ("answered", "escalate"), ("closed", "escalate"), ("merged", "escalate"),
    ("answered", "refer"), ("closed", "refer"),
    ("answered", "cohandle"), ("closed", "cohandle"),
    ("closed", "add_info"), ("merged", "add_info"),
    ("closed", "me_too"), ("merged", "me_too"),
    ("closed", "merge"), ("merged", "merge"),
])
def test_wrong_status_is_a_conflict(city, p, states, status, action):
    w, c, r, n = p["worker"], p["community"], p["resident"], p["neighbour"]
    cid = states[status]
    Case.objects.filter(pk=cid).update(is_public=True)  # so a neighbour may me-too
    target = states["accepted"] if status != "accepted" else states["submitted"]
    run = {
        "accept": lambda: services.accept_case(actor=w, case_id=cid),
        "answer": lambda: services.answer_case(actor=w, case_id=cid, answer="已处理"),
        "close": lambda: services.close_case(actor=w, case_id=cid, outcome="solved"),
        "rate": lambda: services.rate_case(actor=r, case_id=cid, rating="satisfied"),
        "request_info": lambda: services.request_info(actor=w, case_id=cid, question="请补充"),
        "escalate": lambda: services.escalate_case(actor=w, case_id=cid, reason="上报"),
        "refer": lambda: services.refer_case(actor=c, case_id=cid, organisation_id=p["org"].pk, reason="转办"),
        "cohandle": lambda: services.open_cohandling(actor=c, case_id=cid, organisation_ids=[p["org"].pk]),
        "add_info": lambda: services.add_info(actor=r, case_id=cid, text="补充一下"),
        "me_too": lambda: services.me_too(actor=city.user_with("resident", at=city.other_dwelling), case_id=cid),
        "merge": lambda: services.merge_case(actor=c, case_id=cid, into_id=target),
    }[action]
    if action == "me_too":
        fn = run
        supporter_count = CaseSupporter.objects.count()
        with pytest.raises(Conflict):
            fn()
        assert CaseSupporter.objects.count() == supporter_count
        return
    if status == "merged" and action == "add_info":
        run = lambda: services.add_info(actor=n, case_id=cid, text="补充一下")  # noqa: E731
    err = expect(Conflict, run)
    assert err.code in ("wrong_status", "merged_target")


@pytest.mark.parametrize("action", ["accept", "answer", "close", "rate", "escalate", "me_too", "merge", "note",
                                    "add_info", "contact", "photos"])
def test_unknown_case_is_not_found(city, p, states, action):
    w, c, r = p["worker"], p["community"], p["resident"]
    missing = 10**9
    run = {
        "accept": lambda: services.accept_case(actor=w, case_id=missing),
        "answer": lambda: services.answer_case(actor=w, case_id=missing, answer="已处理"),
        "close": lambda: services.close_case(actor=w, case_id=missing, outcome="solved"),
        "rate": lambda: services.rate_case(actor=r, case_id=missing, rating="satisfied"),
        "escalate": lambda: services.escalate_case(actor=w, case_id=missing, reason="上报"),
        "me_too": lambda: services.me_too(actor=r, case_id=missing),
        "merge": lambda: services.merge_case(actor=c, case_id=missing, into_id=states["accepted"]),
        "note": lambda: services.add_note(actor=w, case_id=missing, text="备注"),
        "add_info": lambda: services.add_info(actor=r, case_id=missing, text="补充"),
        "contact": lambda: services.record_contact(actor=w, case_id=missing),
        "photos": lambda: services.attach_photos(actor=r, case_id=missing, images=[b"x"]),
    }[action]
    expect(NotFound, run, code="not_found")


def test_unknown_task_is_not_found(city, p):
    expect(NotFound, lambda: services.complete_task(actor=p["dept"], task_id=10**9, answer="已完成"))


def test_task_answer_is_checked(city, p, states):
    [task] = services.open_cohandling(actor=p["community"], case_id=states["accepted"],
                                      organisation_ids=[p["org"].pk])
    expect(Invalid, lambda: services.complete_task(actor=p["dept"], task_id=task.pk, answer=""), "answer", "required")
    assert CaseTask.objects.get(pk=task.pk).status == "open"


def test_rating_someone_elses_case_is_refused(city, p, states):
    expect(Forbidden, lambda: services.rate_case(actor=p["neighbour"], case_id=states["closed"], rating="satisfied"))


def test_nobodys_case_is_not_the_anonymous_users_own(city, p):
    """A case filed by staff has no reporter account: an anonymous actor (pk None) is not
    its reporter and may neither close it nor add to it."""
    case = services.submit_case(actor=p["worker"], text="老人电话反映门口乱停车", channel="phone",
                                place_id=city.dwelling.pk, category_code="parking")
    services.accept_case(actor=p["worker"], case_id=case.pk)
    services.answer_case(actor=p["worker"], case_id=case.pk, answer="已修好")
    anon = AnonymousUser()
    expect((Forbidden, NotFound), lambda: services.close_case(actor=anon, case_id=case.pk, outcome="solved"))
    expect((Forbidden, NotFound), lambda: services.add_info(actor=anon, case_id=case.pk, text="匿名补充信息"))
    expect((Forbidden, NotFound), lambda: services.attach_photos(actor=anon, case_id=case.pk, images=[b"x"]))

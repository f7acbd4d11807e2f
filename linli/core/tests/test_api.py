"""The JSON API: each endpoint's happy path and scope, the error shape and its language,
nothing half-written after a refused create, the OpenAPI schema, and constant query
counts for lists."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from linli.accounts.models import RoleAssignment
from linli.core import pii
from linli.core.actors import SYSTEM
from linli.core.models import AuditEntry
from linli.places import services as place_services
from linli.places.models import Dwelling, Household, Ownership, Place, Resident
from linli.testing import api_headers, next_id_number, next_phone

pytestmark = pytest.mark.django_db

API = "/api/v1"


class Api:
    """A client for one user (token auth); answers are (status, json)."""

    def __init__(self, user=None, **headers):
        self.client = Client()
        self.headers = {**(api_headers(user) if user is not None else {}), **headers}

    def _do(self, method, path, body=None, **headers):
        kwargs = {**self.headers, **headers}
        if body is not None:
            kwargs["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        r = getattr(self.client, method)(API + path, **kwargs)
        self.last = r
        return r.status_code, (r.json() if r.content and r["Content-Type"].startswith("application/json") else None)

    def get(self, path, **h):
        return self._do("get", path, **h)

    def post(self, path, body=None, **h):
        return self._do("post", path, body, **h)

    def patch(self, path, body=None, **h):
        return self._do("patch", path, body, **h)

    def delete(self, path, **h):
        return self._do("delete", path, **h)


def fields(answer) -> dict:
    return {e["field"]: e for e in answer["errors"]}


def assert_error_shape(answer):
    assert set(answer) == {"errors"} and answer["errors"]
    for e in answer["errors"]:
        assert set(e) == {"field", "message", "code"}
        assert isinstance(e["message"], str) and e["message"]


@pytest.fixture
def official(city):
    return city.user_with("street_official", at=city.street, name="街道张主任")


@pytest.fixture
def worker(city):
    return city.user_with("grid_worker", at=city.grid, name="网格员小李")


@pytest.fixture
def as_official(official):
    return Api(official)


@pytest.fixture
def as_worker(worker):
    return Api(worker)


def resident_body(city, **extra):
    return {"household_id": city.household.pk, "name": "赵敏", "id_number": next_id_number(),
            "phone": next_phone(), "relation": "spouse", "care_tags": ["disabled"], **extra}


# ---------------------------------------------------------------- places


def test_roots_are_where_roles_are_held(city, as_worker):
    status, body = as_worker.get("/places")
    assert status == 200
    assert [row["place"]["id"] for row in body] == [city.grid.pk]
    assert body[0]["households"] == 1 and body[0]["residents"] == 1
    assert body[0]["care_tags"] == {"elderly_alone": 1}


def test_get_place_in_and_out_of_scope(city, as_worker):
    assert as_worker.get(f"/places/{city.compound.pk}")[0] == 200
    for outside in (city.other_grid, city.community, city.other_dwelling):
        status, body = as_worker.get(f"/places/{outside.pk}")
        assert status == 404, outside
        assert body["errors"][0]["code"] == "not_found"
        assert body["errors"][0]["message"] == "未找到该记录，或不在您的管辖范围内"


def test_children_with_counts_and_pages(city, as_official):
    status, body = as_official.get(f"/places/{city.community.pk}/children")
    assert status == 200
    names = [row["place"]["name"] for row in body["items"]]
    assert names == ["第一网格", "第二网格", "社区公寓1号"]
    assert body["count"] == 3
    assert [row["residents"] for row in body["items"]] == [1, 1, 1]
    status, body = as_official.get(f"/places/{city.community.pk}/children?limit=1&offset=1")
    assert [row["place"]["name"] for row in body["items"]] == ["第二网格"]
    assert (body["count"], body["limit"], body["offset"]) == (3, 1, 1)
    status, body = as_official.get(f"/places/{city.community.pk}/children?limit=1000")
    assert status == 422 and fields(body)["limit"]["message"] == "应不大于100"


def test_children_outside_scope_not_found(city, as_worker):
    assert as_worker.get(f"/places/{city.community.pk}/children")[0] == 404


def test_create_place_and_scope(city, as_worker, as_official):
    body = {"parent_id": city.community.pk, "kind": "grid", "name": "第三网格", "lat": 29.9876543219,
            "boundary": {"type": "Polygon", "coordinates": [[[103.0, 29.9], [103.1, 29.9], [103.1, 30.0],
                                                              [103.0, 29.9]]]}}
    # A grid worker may not add places (nor see the community to add under).
    assert as_worker.post("/places", body)[0] == 404
    status, answer = as_official.post("/places", body)
    assert status == 201, answer
    assert answer["kind"] == "grid" and answer["parent_id"] == city.community.pk
    assert answer["lat"] == pytest.approx(29.987654)
    place = Place.objects.get(pk=answer["id"])
    assert place.path.startswith(city.community.path)
    assert AuditEntry.objects.filter(kind="place.create", target_id=str(place.pk)).count() == 1
    # Same name again under the same parent: a conflict, not a 500.
    status, answer = as_official.post("/places", body)
    assert status == 409 and fields(answer)["name"]["code"] == "duplicate_name"


def test_create_place_rejects_bad_geometry_and_kind(city, as_official):
    status, answer = as_official.post("/places", {"parent_id": city.grid.pk, "kind": "compound", "name": "小区",
                                                  "boundary": {"type": "Point", "coordinates": [1, 2]}})
    assert status == 422 and "boundary" in fields(answer)
    status, answer = as_official.post("/places", {"parent_id": city.grid.pk, "kind": "compound", "name": "小区",
                                                  "boundary": {"type": "Polygon",
                                                               "coordinates": [[[1, 2], [3, 4], [5, 6], [7, 8]]]}})
    assert status == 400 and fields(answer)["boundary"]["code"] == "boundary_geojson"
    status, answer = as_official.post("/places", {"parent_id": city.grid.pk, "kind": "galaxy", "name": "小区"})
    assert status == 400 and fields(answer)["kind"]["code"] == "kind_not_found"
    status, answer = as_official.post("/places", {"parent_id": city.grid.pk, "kind": "community", "name": "小区"})
    assert status == 400 and fields(answer)["parent"]["code"] == "kind_order"
    status, answer = as_official.post("/places", '{"parent_id": 1, "kind": "compound", "name": "y", "lat": NaN}')
    assert status == 422 and fields(answer)["lat"]["code"] == "finite_number"
    assert not Place.objects.filter(name="小区").exists()


def test_update_place(city, as_official, as_worker):
    status, answer = as_official.patch(f"/places/{city.compound.pk}", {"name": "汉都华府三期", "code": "510100",
                                                                       "lat": 30.0, "lng": 103.0})
    assert status == 200, answer
    assert (answer["name"], answer["code"], answer["lat"], answer["lng"]) == ("汉都华府三期", "510100", 30.0, 103.0)
    status, answer = as_official.patch(f"/places/{city.compound.pk}", {"lat": None})
    assert status == 200 and answer["lat"] is None and answer["name"] == "汉都华府三期"
    status, answer = as_official.patch(f"/places/{city.compound.pk}", {"name": None})
    assert status == 422 and "name" in fields(answer)
    # A grid worker may look at the compound but not change it.
    status, answer = as_worker.patch(f"/places/{city.compound.pk}", {"name": "x"})
    assert status == 403 and answer["errors"][0]["code"] == "forbidden"
    assert as_worker.patch(f"/places/{city.other_compound.pk}", {"name": "x"})[0] == 404
    assert Place.objects.get(pk=city.other_compound.pk).name == "绿洲路126号大院"


def test_move_place(city, as_official):
    status, answer = as_official.post(f"/places/{city.compound.pk}/move", {"new_parent_id": city.other_grid.pk})
    assert status == 200, answer
    assert answer["parent_id"] == city.other_grid.pk
    city.resident.refresh_from_db()
    assert city.resident.path.startswith(Place.objects.get(pk=city.other_grid.pk).path)
    status, answer = as_official.post(f"/places/{city.other_grid.pk}/move", {"new_parent_id": city.compound.pk})
    assert status == 400 and fields(answer)["new_parent_id"]["code"] in ("move_into_self", "kind_order")


def test_huge_and_bad_ids_are_4xx(as_official):
    for path in ("/places/9223372036854775808", "/places/99999999999999999999999999", "/places/0",
                 "/places/-1", "/places/abc", "/residents/18446744073709551616", "/households/1e3"):
        status, answer = as_official.get(path)
        assert status == 422, path
        assert_error_shape(answer)
        assert answer["errors"][0]["field"] in ("place_id", "resident_id", "household_id")
    status, answer = as_official.get("/places/9223372036854775807")
    assert status == 404
    status, answer = as_official.post("/households", {"dwelling_id": 2**64})
    assert status == 422 and fields(answer)["dwelling_id"]["code"] == "less_than_equal"


# ---------------------------------------------------------------- households, residents, dwellings


def test_household_create_get_members(city, as_worker):
    status, answer = as_worker.post("/households", {"dwelling_id": city.dwelling.pk, "tenure": "rented"})
    assert status == 201, answer
    assert answer["dwelling_name"] == "101" and answer["tenure"] == "rented"
    status, answer = as_worker.get(f"/households/{city.household.pk}")
    assert status == 200 and answer["head_id"] == city.resident.pk
    status, members = as_worker.get(f"/households/{city.household.pk}/members")
    assert status == 200
    assert [m["name"] for m in members] == ["李大爷"]
    assert "*" in members[0]["id_number"] and "*" in members[0]["phone"]
    assert as_worker.get(f"/households/{city.other_household.pk}")[0] == 404
    assert as_worker.get(f"/households/{city.other_household.pk}/members")[0] == 404


def test_household_refuses_unknown_tenure_and_out_of_scope_dwelling(city, as_worker):
    before = Household.objects.count()
    status, answer = as_worker.post("/households", {"dwelling_id": city.dwelling.pk, "tenure": "squatting"})
    assert status == 422 and fields(answer)["tenure"]["message"].startswith("取值无效")
    status, answer = as_worker.post("/households", {"dwelling_id": city.other_dwelling.pk})
    assert status == 404
    status, answer = as_worker.post("/households", {"dwelling_id": city.building.pk})
    assert status == 400 and fields(answer)["dwelling_id"]["code"] == "not_a_dwelling"
    assert Household.objects.count() == before


def test_create_resident_and_reveal(city, as_worker):
    body = resident_body(city)
    status, answer = as_worker.post("/residents", body)
    assert status == 201, answer
    resident = Resident.objects.get(pk=answer["id"])
    assert answer["care_tags"] == ["disabled"] and answer["relation"] == "spouse"
    assert body["id_number"] not in json.dumps(answer)
    assert answer["id_number"] == resident.id_number_masked
    status, got = as_worker.get(f"/residents/{resident.pk}")
    assert status == 200 and got == answer
    status, answer = as_worker.post(f"/residents/{resident.pk}/reveal", {"reason": "入户核实低保"})
    assert status == 200 and answer == {"id_number": body["id_number"], "phone": body["phone"]}
    entry = AuditEntry.objects.get(kind="resident.unmask", target_id=str(resident.pk))
    assert entry.note == "入户核实低保"
    status, answer = as_worker.post(f"/residents/{resident.pk}/reveal", {"reason": " "})
    assert status == 400 and fields(answer)["reason"]["message"] == "请填写查看原因"


def test_resident_out_of_scope(city, as_worker):
    assert as_worker.get(f"/residents/{city.other_resident.pk}")[0] == 404
    assert as_worker.post(f"/residents/{city.other_resident.pk}/reveal", {"reason": "好奇"})[0] == 404
    status, _ = as_worker.patch(f"/residents/{city.other_resident.pk}", {"name": "改名"})
    assert status == 404
    status, _ = as_worker.post("/residents", resident_body(city, household_id=city.other_household.pk))
    assert status == 404
    assert Resident.objects.get(pk=city.other_resident.pk).name == "王云川"
    assert not AuditEntry.objects.filter(kind="resident.unmask").exists()


def test_building_head_sees_masked_but_cannot_reveal(city):
    """The building head reads the resident with the ID number and phone masked (prefix and
    check digit; 3 + 4 digits), never the clear values or the exact birth date; asking to
    reveal is refused in Chinese, shows nothing and writes no unmask audit entry."""
    resident = city.resident
    clear_id, clear_phone = pii.decrypt(resident.id_number_enc), pii.decrypt(resident.phone_enc)
    head = Api(city.user_with("building_head", at=city.building))
    status, answer = head.get(f"/residents/{resident.pk}")
    assert status == 200 and answer["name"] == "李大爷"
    assert answer["id_number"] == clear_id[:3] + "*" * 14 + clear_id[17]
    assert answer["phone"] == clear_phone[:3] + "****" + clear_phone[7:]
    assert answer["birth_date"] is None and answer["birth_year"] == 1980
    body = head.last.content.decode()
    assert clear_id not in body and clear_phone not in body and clear_id[6:14] not in body
    unmasks = AuditEntry.objects.filter(kind="resident.unmask").count()
    status, answer = head.post(f"/residents/{resident.pk}/reveal", {"reason": "看看情况核实"})
    assert status == 403
    assert answer == {"errors": [{"field": None, "message": "您没有权限执行此操作", "code": "forbidden"}]}
    body = head.last.content.decode()
    assert clear_id not in body and clear_phone not in body
    assert AuditEntry.objects.filter(kind="resident.unmask").count() == unmasks == 0
    # The same request by a grid worker (who may reveal) is what writes the entry.
    status, answer = Api(city.person("grid_worker")).post(f"/residents/{resident.pk}/reveal",
                                                          {"reason": "看看情况核实"})
    assert status == 200 and answer == {"id_number": clear_id, "phone": clear_phone}
    assert AuditEntry.objects.filter(kind="resident.unmask", target_id=str(resident.pk)).count() == 1


def test_failed_resident_create_leaves_nothing(city, as_worker):
    """One bad field of several: every field's message comes back, no row, no audit entry."""
    residents, audits = Resident.objects.count(), AuditEntry.objects.count()
    body = resident_body(city, id_number="51180219800517001X", phone="12345")
    status, answer = as_worker.post("/residents", body, HTTP_IDEMPOTENCY_KEY="bad-1")
    assert status == 400
    assert_error_shape(answer)
    errors = fields(answer)
    assert errors["id_number"]["message"] == "身份证号校验位不正确"
    assert errors["phone"]["message"] == "手机号码格式不正确（应为11位大陆手机号）"
    assert Resident.objects.count() == residents
    assert AuditEntry.objects.count() == audits
    # The refused request stored no answer: fixing the body and retrying with the key works.
    status, answer = as_worker.post("/residents", resident_body(city), HTTP_IDEMPOTENCY_KEY="bad-1")
    assert status == 201


def test_schema_errors_are_chinese_and_field_level(city, as_worker):
    status, answer = as_worker.post("/residents", {"household_id": "一", "name": "x" * 51, "lives_here": "maybe",
                                                   "care_tags": "disabled", "birth_date": "1990-13-45"})
    assert status == 422
    assert_error_shape(answer)
    errors = fields(answer)
    assert errors["household_id"]["message"] == "应为整数"
    assert errors["name"]["message"] == "不能超过50个字符"
    assert errors["lives_here"]["message"] == "应为是或否"
    assert errors["care_tags"]["message"] == "应为列表"
    assert errors["birth_date"]["message"] == "日期格式应为 YYYY-MM-DD"
    status, answer = as_worker.post("/residents", {"name": "x"})
    assert fields(answer)["household_id"]["message"] == "此项必填"


@pytest.mark.parametrize("body, content_type", [("not json", "application/json"), ("{", "application/json"),
                                                ("a=1&b=2", "application/x-www-form-urlencoded"),
                                                (b"\xff\xfe", "application/json")])
def test_body_that_is_not_json(as_worker, body, content_type):
    r = as_worker.client.post(API + "/residents", data=body, content_type=content_type, **as_worker.headers)
    assert r.status_code == 400
    assert r.json() == {"errors": [{"field": None, "message": "请求内容不是有效的 JSON", "code": "json_invalid"}]}


def test_wrong_json_shapes(as_worker):
    for body in ("[]", "1", "null", '"text"'):
        r = as_worker.client.post(API + "/residents", data=body, content_type="application/json",
                                  **as_worker.headers)
        assert r.status_code in (400, 422), body
        assert_error_shape(r.json())
    status, answer = as_worker.post("/residents", "")
    assert status == 422 and answer["errors"][0]["code"] == "body_missing"


def test_huge_strings_and_control_characters(city, as_worker):
    status, answer = as_worker.post("/residents", resident_body(city, name="张" * 100_000))
    assert status == 422 and fields(answer)["name"]["code"] == "string_too_long"
    status, answer = as_worker.post("/residents", resident_body(city, name="张\x00三"))
    assert status == 422 and fields(answer)["name"]["message"] == "不能包含控制字符"
    status, answer = as_worker.post(f"/residents/{city.resident.pk}/reveal", {"reason": "核实\x00"})
    assert status == 422
    assert not Resident.objects.filter(name__startswith="张").exists()


def test_update_resident(city, as_worker):
    status, answer = as_worker.patch(f"/residents/{city.resident.pk}", {"name": "李大爷爷", "care_tags": ["veteran"]})
    assert status == 200, answer
    assert answer["name"] == "李大爷爷" and answer["care_tags"] == ["veteran"]
    entry = AuditEntry.objects.filter(kind="resident.update").latest("id")
    assert sorted(entry.data["fields"]) == ["care_tags", "name"]
    status, answer = as_worker.patch(f"/residents/{city.resident.pk}", {"gender": "X", "relation": "boss"})
    assert status == 422 and set(fields(answer)) == {"gender", "relation"}
    status, answer = as_worker.patch(f"/residents/{city.resident.pk}", {"phone": "110", "name": "新名字"})
    assert status == 400 and fields(answer)["phone"]["code"] == "phone_format"
    assert Resident.objects.get(pk=city.resident.pk).name == "李大爷爷"


def test_dwelling_area_and_owners(city, as_worker):
    status, answer = as_worker.patch(f"/dwellings/{city.dwelling.pk}", {"floor_area": "89.5"})
    assert status == 200, answer
    assert answer["floor_area"] == "89.50"
    assert Dwelling.objects.get(pk=city.dwelling.pk).floor_area == pytest.approx(89.5)
    for bad in (0, -3, 100000, "NaN", "1e400", "大"):
        status, answer = as_worker.patch(f"/dwellings/{city.dwelling.pk}", {"floor_area": bad})
        assert status == 422, bad
        assert "floor_area" in fields(answer)
    status, answer = as_worker.post(f"/dwellings/{city.dwelling.pk}/owners",
                                    {"owner_id": city.resident.pk, "share": "0.5"})
    assert status == 201, answer
    assert answer["owner_name"] == "李大爷" and answer["share"] == "0.5000"
    status, answer = as_worker.post(f"/dwellings/{city.dwelling.pk}/owners", {"owner_id": city.resident.pk})
    assert status == 409
    status, answer = as_worker.get(f"/dwellings/{city.dwelling.pk}")
    assert status == 200 and [o["owner_id"] for o in answer["owners"]] == [city.resident.pk]
    # Outside the grid: neither the dwelling nor an owner from there.
    assert as_worker.get(f"/dwellings/{city.other_dwelling.pk}")[0] == 404
    assert as_worker.patch(f"/dwellings/{city.other_dwelling.pk}", {"floor_area": 50})[0] == 404
    status, _ = as_worker.post(f"/dwellings/{city.dwelling.pk}/owners", {"owner_id": city.other_resident.pk})
    assert status == 404
    assert as_worker.get(f"/dwellings/{city.building.pk}")[0] == 404
    assert Ownership.objects.count() == 1


def test_care_tags(as_worker):
    status, answer = as_worker.get("/care-tags")
    assert status == 200 and {"code": "elderly_alone", "name": "独居老人"} in answer


# ---------------------------------------------------------------- roles


def test_assign_and_list_roles(city, official, as_official, as_worker):
    newcomer = city.user_with("volunteer", at=city.grid, name="新网格员")
    body = {"user_id": newcomer.pk, "role": "grid_worker", "place_id": city.other_grid.pk, "title": "专职网格员"}
    status, answer = as_official.post("/roles", body)
    assert status == 201, answer
    assert answer["role_label"] == "网格员" and answer["place_name"] == "第二网格"
    assert as_official.post("/roles", body)[1]["errors"][0]["code"] == "duplicate_role"
    # A grid worker holds no role.manage: refused, and nothing assigned.
    status, answer = as_worker.post("/roles", {**body, "role": "street_official", "place_id": city.grid.pk})
    # scope.require answers 404 here: there is no "role.view" verb to tell it the grid is visible.
    assert status in (403, 404)
    status, answer = as_official.post("/roles", {**body, "role": "emperor"})
    assert status == 422 and fields(answer)["role"]["code"] == "literal_error"
    status, answer = as_official.post("/roles", {**body, "place_id": city.district.pk, "role": "volunteer"})
    assert status == 404
    assert not RoleAssignment.objects.filter(user=newcomer, role="street_official").exists()
    status, answer = as_official.get(f"/roles?place_id={city.other_grid.pk}")
    assert status == 200 and [r["user_name"] for r in answer["items"]] == ["新网格员"]
    status, answer = as_official.get("/roles?limit=2")
    assert status == 200 and len(answer["items"]) == 2 and answer["count"] >= 4
    assert as_worker.get("/roles")[1]["items"] == []


def test_department_staff_needs_jurisdiction_in_scope(city):
    from linli.accounts.models import Organisation

    secretary = Api(city.user_with("community_secretary", at=city.community))
    empty = Organisation.objects.create(kind="department", name="无辖区部门")
    user = city.user_with("volunteer", at=city.grid)
    status, answer = secretary.post("/roles", {"user_id": user.pk, "role": "department_staff",
                                               "organisation_id": empty.pk})
    assert status == 403
    empty.jurisdiction.add(city.grid)
    status, answer = secretary.post("/roles", {"user_id": user.pk, "role": "department_staff",
                                               "organisation_id": empty.pk})
    assert status == 201, answer


# ---------------------------------------------------------------- authentication and language


def test_no_credentials_is_401_for_reads_and_writes(city):
    anon = Api()
    for method, path in (("get", "/places"), ("post", "/residents"), ("get", f"/residents/{city.resident.pk}"),
                         ("delete", "/auth/token")):
        status, answer = getattr(anon, method)(path)
        assert status == 401, path
        assert answer == {"errors": [{"field": None, "message": "请先登录", "code": "unauthenticated"}]}
    assert anon.last["WWW-Authenticate"] == "Bearer"


def test_english_with_accept_language(city, as_worker):
    status, answer = as_worker.get(f"/places/{city.other_grid.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert status == 404
    assert as_worker.last["Content-Language"] == "en"
    with translation.override("en"):
        expected = gettext("未找到该记录，或不在您的管辖范围内")
    assert answer["errors"][0]["message"] == expected
    status, answer = as_worker.get(f"/places/{city.other_grid.pk}")
    assert as_worker.last["Content-Language"] == "zh-hans"
    assert answer["errors"][0]["message"] == "未找到该记录，或不在您的管辖范围内"
    status, answer = as_worker.post("/residents", {"name": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    with translation.override("en"):
        assert fields(answer)["household_id"]["message"] == gettext("此项必填")


# ---------------------------------------------------------------- OpenAPI


def test_openapi_schema_documents_errors():
    r = Client().get(API + "/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    assert "ErrorsOut" in schema["components"]["schemas"]
    paths = schema["paths"]
    for path in ("/api/v1/places", "/api/v1/places/{place_id}/children", "/api/v1/residents",
                 "/api/v1/residents/{resident_id}/reveal", "/api/v1/dwellings/{dwelling_id}/owners",
                 "/api/v1/roles", "/api/v1/auth/token", "/api/v1/auth/me", "/api/v1/care-tags"):
        assert path in paths, path
    for path, operations in paths.items():
        for method, op in operations.items():
            for status in ("404", "422"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorsOut"), (path, method)
    create = paths["/api/v1/residents"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    place_id = paths["/api/v1/places/{place_id}"]["get"]["parameters"][0]["schema"]
    assert place_id["minimum"] == 1 and place_id["maximum"] == 2**63 - 1


# ---------------------------------------------------------------- query counts


def _count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_rows(city, official):
    client = Api(official)
    client.get("/auth/me")  # the token's first use records last_used_at; count after it
    tag = ["elderly_alone"]

    def grow(n):
        have = Place.objects.filter(parent=city.building).count()
        for i in range(have, n):
            u = place_services.create_place(actor=SYSTEM, parent_id=city.building.pk, kind_code="unit",
                                            name=f"{i + 2}单元")
            d = place_services.create_place(actor=SYSTEM, parent_id=u.pk, kind_code="dwelling", name="101")
            h = place_services.create_household(actor=SYSTEM, dwelling_id=d.pk)
            place_services.create_resident(actor=SYSTEM, household_id=unit_household.pk, name=f"成员{i}",
                                           gender="F", care_tags=tag)
            place_services.create_resident(actor=SYSTEM, household_id=h.pk, name=f"住户{i}", gender="M")
            city.user_with("volunteer", at=u, name=f"志愿者{i}")

    unit_household = city.household
    counts = {}
    for n in (3, 30):
        grow(n)
        counts[n] = (
            _count_queries(lambda: client.get(f"/places/{city.building.pk}/children?limit=100")),
            _count_queries(lambda: client.get(f"/households/{unit_household.pk}/members")),
            _count_queries(lambda: client.get(f"/roles?place_id={city.building.pk}&limit=100")),
            _count_queries(lambda: client.get("/places")),
        )
    _, page = client.get(f"/places/{city.building.pk}/children?limit=100")
    assert page["count"] == 30
    assert counts[3] == counts[30], counts

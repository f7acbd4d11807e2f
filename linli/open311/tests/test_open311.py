"""Open311 GeoReport v2: answers validated against the specification's JSON Schemas
(../shared/open311/) and exercised with the `georeport` client from PyPI."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from linli.accounts.services import issue_api_token
from linli.cases import services as case_services
from linli.cases.models import Case

SCHEMAS = Path(settings.BASE_DIR).parent / "shared" / "open311"
BOX = {"type": "Polygon", "coordinates": [[[103.0, 29.98], [103.01, 29.98], [103.01, 29.99], [103.0, 29.99],
                                           [103.0, 29.98]]]}


def _validator(name: str) -> Draft7Validator:
    registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        if path.name == "swagger.json":
            continue
        registry = registry.with_resource(path.name, Resource.from_contents(
            json.loads(path.read_text()), default_specification=__import__("referencing.jsonschema").jsonschema.DRAFT7))
    return Draft7Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)


@pytest.fixture
def o311(city):
    city.grid.boundary = BOX
    city.grid.save(update_fields=["boundary"])
    integrator = city.user_with("street_official", at=city.street, name="12345热线接口")
    resident = city.user_with("resident", at=city.dwelling)
    public = case_services.submit_case(actor=resident, text="小区门口井盖破损很危险", channel="resident", category_code="manhole",
                                       place_id=city.dwelling.pk, is_public=True)
    private = case_services.submit_case(actor=resident, text="邻居家漏水到我家", channel="resident",
                                        place_id=city.dwelling.pk)
    return {"key": issue_api_token(user=integrator, name="open311", kind="open311"), "public": public, "private": private}


def test_services_and_definition_match_the_schemas(client, o311):
    r = client.get("/open311/v2/services.json")
    assert r.status_code == 200
    data = r.json()
    _validator("services.json").validate(data)
    assert {"service_code": "manhole", "service_name": "井盖"}.items() <= next(
        s for s in data if s["service_code"] == "manhole").items()
    r = client.get("/open311/v2/services/manhole.json")
    _validator("service-definition.json").validate(r.json())
    assert client.get("/open311/v2/services/nope.json").status_code == 404


def test_requests_list_only_public_and_validates(client, o311):
    r = client.get("/open311/v2/requests.json")
    data = r.json()
    _validator("requests.json").validate(data)
    assert [d["service_request_id"] for d in data] == [o311["public"].number]
    assert client.get(f"/open311/v2/requests/{o311['private'].number}.json").status_code == 404
    one = client.get(f"/open311/v2/requests/{o311['public'].number}.json").json()
    _validator("requests.json").validate(one)


def test_filters_and_paging(client, o311):
    assert client.get("/open311/v2/requests.json?status=closed").json() == []
    assert len(client.get("/open311/v2/requests.json?status=open&service_code=manhole").json()) == 1
    assert client.get("/open311/v2/requests.json?service_code=parking").json() == []
    assert len(client.get("/open311/v2/requests.json?page=1&page_size=1").json()) == 1
    assert client.get("/open311/v2/requests.json?page=2&page_size=1").json() == []
    for bad in ("page=0", "page_size=x", "start_date=yesterday", "status=maybe",
                "start_date=2026-12-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"):
        r = client.get(f"/open311/v2/requests.json?{bad}")
        assert r.status_code == 400, bad
        assert set(r.json()[0]) == {"code", "description"}


def test_post_resolves_lat_long_to_the_grid(client, o311, city):
    r = client.post("/open311/v2/requests.json", {"api_key": o311["key"], "service_code": "streetlight",
                                                   "lat": "29.985", "long": "103.005", "description": "路灯不亮了",
                                                   "first_name": "大爷", "last_name": "李", "phone": "13912345678"})
    assert r.status_code == 201, r.content
    number = r.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.place == city.grid and case.channel == "open311" and case.is_public
    assert case.contact_phone_masked == "139****5678" and case.reporter is None
    # `lon` is accepted as well as `long`.
    r = client.post("/open311/v2/requests.json", {"api_key": o311["key"], "service_code": "streetlight",
                                                   "lat": "29.985", "lon": "103.005", "description": "又一个路灯不亮"})
    assert r.status_code == 201
    tok = client.get(f"/open311/v2/tokens/{number}.json").json()
    assert tok == [{"service_request_id": number, "token": number}]


@pytest.mark.parametrize("data, status", [
    ({"service_code": "streetlight", "lat": "29.985", "long": "103.005", "description": "路灯坏"}, 403),
    ({"api_key": "wrong", "service_code": "streetlight", "lat": "29.985", "long": "103.005"}, 403),
    ({"service_code": "nope", "lat": "29.985", "long": "103.005", "description": "路灯坏"}, 404),
    ({"service_code": "streetlight", "description": "路灯坏"}, 400),
    ({"service_code": "streetlight", "lat": "abc", "long": "103.005", "description": "路灯坏"}, 400),
    ({"service_code": "streetlight", "lat": "10.0", "long": "10.0", "description": "路灯坏"}, 400),
    ({"service_code": "streetlight", "lat": "29.985", "long": "103.005", "description": ""}, 400),
    ({"service_code": "streetlight", "lat": "29.985", "long": "103.005", "description": "路灯坏", "phone": "12"}, 400),
])
def test_post_errors(client, o311, data, status):
    if "api_key" not in data and status != 403:
        data = {**data, "api_key": o311["key"]}
    before = Case.objects.count()
    r = client.post("/open311/v2/requests.json", data)
    assert r.status_code == status, r.content
    assert all(set(e) == {"code", "description"} and e["description"] for e in r.json())
    assert Case.objects.count() == before


def test_xml(client, o311):
    root = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert root.tag == "services" and root.find("service/service_code") is not None
    root = ET.fromstring(client.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == o311["public"].number
    root = ET.fromstring(client.get("/open311/v2/services/nope.xml").content)
    assert root.tag == "errors" and root.find("error/code").text == "404"
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.find("endpoints/endpoint/specification") is not None
    assert client.get("/open311/v2/services.csv").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_georeport_client(live_server, city):
    from georeport import GeoReport

    city.grid.boundary = BOX
    city.grid.save(update_fields=["boundary"])
    integrator = city.user_with("street_official", at=city.street)
    key = issue_api_token(user=integrator, name="open311", kind="open311")
    client = GeoReport(live_server.url + "/open311/v2/", api_key=key)
    services = client.get_service_list()
    assert any(s["service_code"] == "garbage" for s in services)
    # The client reads only; it posts through `requests`, as it does internally.
    import requests

    created = requests.post(live_server.url + "/open311/v2/requests.json", timeout=10, data={
        "api_key": key, "service_code": "garbage", "lat": 29.985, "long": 103.005,
        "description": "垃圾房好几天没人清运了"})
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    fetched = client.get_service_request(number)
    assert fetched["service_code"] == "garbage" and fetched["status"] == "open"
    listed = client.get_service_requests(service_code="garbage", status="open")
    assert [r["service_request_id"] for r in listed] == [number]
    xml_client = GeoReport(live_server.url + "/open311/v2/", api_key=key, output_format="xml")
    assert any(s["service_code"] == "garbage" for s in xml_client.get_service_list())
    assert xml_client.get_service_request(number)["service_request_id"] == number

"""The staff import page through the Django test client: log-in required, the place picker
limited to where the user may import, the template download, a good upload, a file with
bad rows (the Chinese error table, nothing written), a bad or missing file (a clear Chinese
error, never a 500), dry run, and scope."""

import io
import re

import pytest
from django.urls import include, path, reverse
from openpyxl import load_workbook

from linli import urls as root_urls
from linli.core.models import AuditEntry
from linli.places.models import Place, Resident
from linli.places.tests.test_import import csv_bytes, good_rows, xlsx_bytes

# Until linli/urls.py includes linli.places.import_urls, these tests add it themselves.
_included = any(getattr(p, "namespace", None) == "importing" for p in root_urls.urlpatterns)
urlpatterns = [*root_urls.urlpatterns, *([] if _included else [path("", include("linli.places.import_urls"))])]
handler404 = root_urls.handler404

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def upload(name: str, data: bytes):
    f = io.BytesIO(data)
    f.name = name
    return f


@pytest.fixture
def grid_head(city):
    return city.user_with("grid_head", at=city.grid, name="刘网格长")


@pytest.fixture
def head_client(client, grid_head):
    client.force_login(grid_head)
    return client


def _text(response) -> str:
    return response.content.decode()


def test_page_needs_log_in(client, city):
    for url in (reverse("importing:import"), reverse("importing:template")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_picker_lists_only_places_where_the_user_may_import(head_client, city):
    response = head_client.get(reverse("importing:import"))
    assert response.status_code == 200
    text = _text(response)
    assert "导入人口数据" in text
    assert f'value="{city.grid.pk}" selected' in text or f'value="{city.grid.pk}"' in text
    assert f'value="{city.compound.pk}"' in text
    assert f'value="{city.other_grid.pk}"' not in text and f'value="{city.community.pk}"' not in text
    # buildings and below are not import targets
    assert f'value="{city.building.pk}"' not in text


def test_a_user_without_import_rights_is_told_so(client, city):
    client.force_login(city.user_with("grid_worker", at=city.grid))
    response = client.get(reverse("importing:import"))
    assert response.status_code == 403
    assert "您没有导入人口数据的权限" in _text(response)
    # the refusal without the form: no file input, no place picker, no column list
    assert 'type="file"' not in _text(response) and 'name="place"' not in _text(response)


@pytest.mark.parametrize("role, at", [("resident", "dwelling"), ("volunteer", "compound"), ("grid_worker", "grid")])
def test_those_without_the_right_see_only_the_refusal(client, city, role, at):
    client.force_login(city.user_with(role, at=getattr(city, at)))
    html = _text(client.get(reverse("importing:import")))
    assert "您没有导入人口数据的权限" in html and "<form" not in html.split("<main>")[1]
    assert 'id="nav-import"' not in html


def test_template_download(head_client):
    response = head_client.get(reverse("importing:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[1]][:4] == ["姓名", "性别", "身份证号", "联系电话"]
    assert ws.max_row == 2


def test_good_upload_imports_and_shows_counts(head_client, city, grid_head):
    response = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "file": upload("人口.xlsx", xlsx_bytes(good_rows()))})
    assert response.status_code == 200, _text(response)
    text = _text(response)
    assert "导入成功" in text and 'id="n-created">6<' in text
    assert Resident.objects.filter(name="张建国", path__startswith=city.grid.path).exists()
    entry = AuditEntry.objects.get(kind="people.import")
    assert entry.actor_id == grid_head.pk and entry.data["source"] == "人口.xlsx"
    # again: nothing changes
    response = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "file": upload("人口.xlsx", xlsx_bytes(good_rows()))})
    assert 'id="n-unchanged">6<' in _text(response) and 'id="n-created">0<' in _text(response)


def test_dry_run_writes_nothing(head_client, city):
    response = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "dry_run": "1", "file": upload("people.csv", csv_bytes(good_rows(), "gbk"))})
    assert response.status_code == 200
    assert "检查通过，尚未写入" in _text(response)
    assert not Place.objects.filter(name="锦绣家园").exists()


def test_bad_rows_are_listed_in_chinese_and_nothing_written(head_client, city):
    rows = good_rows()
    rows[0]["身份证号"] = rows[0]["身份证号"][:-1] + ("0" if rows[0]["身份证号"][-1] != "0" else "1")
    rows[3]["联系电话"] = "12345"
    response = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "file": upload("人口.xlsx", xlsx_bytes(rows))})
    assert response.status_code == 400
    text = _text(response)
    assert "文件有错误，未导入任何数据" in text
    assert "第2行" in text and "身份证号校验位不正确" in text
    assert "第5行" in text and "手机号码格式不正确" in text
    assert "共 6 行，其中 2 行有问题，共 2 处错误" in text
    assert not Place.objects.filter(name="锦绣家园").exists()
    assert not AuditEntry.objects.filter(kind="people.import").exists()


@pytest.mark.parametrize(("data", "message"), [
    (None, "请选择要导入的文件"),
    (upload("a.xlsx", b"this is not a spreadsheet"), "无法读取该 Excel 文件"),
    (upload("a.pdf", b"%PDF-1.4"), "只支持 .xlsx 或 .csv 文件"),
    (upload("a.xls", b"\xd0\xcf\x11\xe0junk"), "另存为 .xlsx"),
    (upload("a.csv", "备注\nx\n".encode("gbk")), "找不到表头"),
    (upload("a.csv", b""), "文件是空的"),
])
def test_a_bad_or_missing_file_gets_a_clear_error(head_client, city, data, message):
    payload = {"place": city.grid.pk}
    if data is not None:
        payload["file"] = data
    response = head_client.post(reverse("importing:import"), payload)
    assert response.status_code == 400
    assert message in _text(response)


def test_a_missing_place_is_a_form_error(head_client, city):
    response = head_client.post(reverse("importing:import"), {"file": upload("a.csv", csv_bytes(good_rows()))})
    assert response.status_code == 400 and "请选择导入到哪个地点" in _text(response)


def test_another_grid_is_out_of_scope(head_client, city):
    response = head_client.post(reverse("importing:import"), {
        "place": city.other_grid.pk, "file": upload("a.csv", csv_bytes(good_rows()))})
    assert response.status_code in (403, 404)
    assert "不在您的管辖范围内" in _text(response) or "没有权限" in _text(response)
    assert not Place.objects.filter(name="锦绣家园").exists()


def test_a_building_is_not_an_import_target(head_client, city):
    response = head_client.post(reverse("importing:import"), {
        "place": city.building.pk, "file": upload("a.csv", csv_bytes(good_rows()))})
    assert response.status_code == 400
    assert "只能导入到小区或其上级地点" in _text(response)


def test_in_english_the_columns_have_english_names_and_chinese_headers_still_import(head_client, city):
    """English mode: the column list, the error report and the missing-column message name the
    columns in English (with the headers a file may carry); a file with Chinese headers imports."""
    page = _text(head_client.get(reverse("importing:import"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Room *" in page and "Relation to the head" in page and "room" in page
    assert "房号 *" not in page

    rows = good_rows()
    rows[3]["联系电话"] = "12345"
    response = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "file": upload("people.xlsx", xlsx_bytes(rows))}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    cells = re.findall(r'<td class="col-column">([^<]*)</td>', response.content.decode())
    assert cells == ["Mobile"]

    missing = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "file": upload("a.csv", "姓名,身份证号\n张三,1\n".encode())}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Required columns missing: Room (房号 or room)" in _text(missing)
    chinese = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "file": upload("a.csv", "姓名,身份证号\n张三,1\n".encode())})
    assert "缺少必填列：房号" in _text(chinese)

    imported = head_client.post(reverse("importing:import"), {
        "place": city.grid.pk, "file": upload("people.xlsx", xlsx_bytes(good_rows()))}, HTTP_ACCEPT_LANGUAGE="en")
    assert imported.status_code == 200
    assert Resident.objects.filter(name="张建国").exists()

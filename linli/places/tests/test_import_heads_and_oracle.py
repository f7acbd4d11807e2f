"""Issue 11 §7: one household head against the residents already stored (a second 户主 is a
row error in the dry run unless the same file hands over explicitly); issue 10 §8: a number
registered outside the chosen place is "cannot be imported here", logged for the supervisor."""

from __future__ import annotations

import json

import pytest

from linli.core import pii
from linli.core.actors import SYSTEM
from linli.core.identity import make_id_number
from linli.core.models import AuditEntry
from linli.places.importing import COLUMNS, import_people
from linli.places.models import Household, Resident
from linli.testing import api_headers

NEW_HEAD_ID = make_id_number("511802", __import__("datetime").date(1970, 1, 2), 321)


def row(**cells):
    out = dict.fromkeys(COLUMNS, "")
    out.update(cells)
    return out


def head_row(**extra):
    return row(姓名="新户主", 身份证号=NEW_HEAD_ID, 小区="汉都华府二期", 楼栋="1栋", 单元="1单元", 房号="101",
               与户主关系="户主", **extra)


def heads(city):
    return list(Resident.objects.filter(household=city.household, relation="head").values_list("name", flat=True))


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_second_head_is_a_row_error_and_nothing_is_written(city, dry_run):
    assert heads(city) == ["李大爷"]
    report = import_people(actor=SYSTEM, rows=[head_row()], under_place_id=city.grid.pk, dry_run=dry_run)
    assert [(e.row, e.column) for e in report.errors] == [(2, "与户主关系")]
    assert "已有户主（李大爷）" in report.errors[0].message
    assert heads(city) == ["李大爷"] and not Resident.objects.filter(name="新户主").exists()


def test_a_hand_over_in_the_same_file_leaves_one_head(city):
    rows = [head_row(),
            row(姓名="李大爷", 身份证号=pii.decrypt(Resident.objects.get(pk=city.resident.pk).id_number_enc), 小区="汉都华府二期",
                楼栋="1栋", 单元="1单元", 房号="101", 与户主关系="父母")]
    dry = import_people(actor=SYSTEM, rows=rows, under_place_id=city.grid.pk, dry_run=True)
    assert dry.errors == [] and dry.updated_households == 1
    report = import_people(actor=SYSTEM, rows=rows, under_place_id=city.grid.pk)
    assert report.errors == []
    assert heads(city) == ["新户主"]
    household = Household.objects.get(pk=city.household.pk)
    assert household.head.name == "新户主"
    assert Resident.objects.get(pk=city.resident.pk).relation == "parent"


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_number_registered_elsewhere_is_not_confirmed_and_is_logged(city, dry_run):
    foreign = pii.decrypt(Resident.objects.get(pk=city.other_resident.pk).id_number_enc)  # in the other grid
    rows = [row(姓名="王云川", 身份证号=foreign, 小区="汉都华府二期", 楼栋="1栋", 单元="1单元", 房号="102",
                与户主关系="户主")]
    worker = city.user_with("grid_head", at=city.grid)
    report = import_people(actor=worker, rows=rows, under_place_id=city.grid.pk, dry_run=dry_run)
    message = report.errors[0].message
    assert "不能导入到所选地点" in message and "以外" not in message and "已登记" not in message
    entry = AuditEntry.objects.get(kind="people.import_foreign_id")
    assert entry.actor_id == worker.pk and entry.data["rows"] == [2] and foreign not in json.dumps(entry.data)


def test_patching_a_foreign_number_does_not_say_duplicate(client, city):
    worker = city.user_with("grid_worker", at=city.grid)
    foreign = pii.decrypt(Resident.objects.get(pk=city.other_resident.pk).id_number_enc)
    r = client.patch(f"/api/v1/residents/{city.resident.pk}", json.dumps({"id_number": foreign}),
                     content_type="application/json", **api_headers(worker))
    assert r.status_code in (400, 422)
    err = r.json()["errors"][0]
    assert err["code"] == "id_number_unavailable" and "已登记" not in err["message"]

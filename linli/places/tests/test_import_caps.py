"""Issue 10 §6: a tiny .xlsx whose rows each have one cell in the last column (XFD) used to be
padded to 16,384 columns per row (2.5 GB for 80 KB). Only the first MAX_COLUMNS columns are
read; too many columns or rows are refused with a message; a zip bomb is refused unread."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from linli.core.errors import Invalid
from linli.places import importing
from linli.places.importing import COLUMNS, MAX_COLUMNS, read_table


def xlsx(rows: int, *, far_col: int | None = None, extra_col: int | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for r in range(rows):
        ws.append(["张三", "", "锦绣家园", "1栋", "1单元", f"{r + 1}"])
        if far_col:
            ws.cell(row=r + 2, column=far_col, value="x")
        if extra_col:
            ws.cell(row=r + 2, column=extra_col, value="备注")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_one_cell_in_the_last_column_costs_nothing():
    data = xlsx(3000, far_col=16384)
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        rows = read_table(io.BytesIO(data), "people.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == 3000
    assert peak < 60 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_a_value_past_the_column_cap_is_refused_with_a_message():
    with pytest.raises(Invalid) as info:
        read_table(io.BytesIO(xlsx(3, extra_col=MAX_COLUMNS + 1)), "people.xlsx")
    assert info.value.code == "too_many_columns" and "最多60列" in info.value.message
    csv_text = ",".join(list(COLUMNS) + [""] * 50 + ["x"]) + "\n"
    with pytest.raises(Invalid) as info:
        read_table(io.BytesIO(csv_text.encode()), "people.csv")
    assert info.value.code == "too_many_columns"


def test_too_many_rows_are_refused_while_reading(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 50)
    with pytest.raises(Invalid) as info:
        read_table(io.BytesIO(xlsx(200)), "people.xlsx")
    assert info.value.code == "too_many_rows" and "50" in info.value.message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(importing, "MAX_XLSX_UNCOMPRESSED", 1_000_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * 5_000_000)
    with pytest.raises(Invalid) as info:
        read_table(io.BytesIO(out.getvalue()), "people.xlsx")
    assert info.value.code == "file_too_large"

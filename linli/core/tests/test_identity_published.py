"""ID numbers (GB 11643-1999) checked against numbers published outside linli, not against
numbers made by linli's own check-code function: a wrong weight or check-code table in
linli.core.identity fails here, where it would pass the round-trip properties."""

import datetime as dt

import pytest
from django.utils import translation

from linli.core.errors import Invalid
from linli.core.identity import parse_id_number

# (number, birth date, sex) as published. The first two are the standard's own examples
# (GB 11643-1999); 53010219200508011X and 34052419800101001X are the worked examples most
# tutorials on the check code use; the rest are valid numbers from public validators' test
# suites and from worked 15-to-18-digit conversion tables. Between them every one of the
# eleven check characters occurs, so no row of the check-code table goes unexamined.
PUBLISHED = [
    ("11010519491231002X", dt.date(1949, 12, 31), "F"),
    ("440524188001010014", dt.date(1880, 1, 1), "M"),
    ("53010219200508011X", dt.date(1920, 5, 8), "M"),
    ("34052419800101001X", dt.date(1980, 1, 1), "M"),
    ("620102195603025028", dt.date(1956, 3, 2), "F"),
    ("410881197906055527", dt.date(1979, 6, 5), "F"),
    ("632801197908170036", dt.date(1979, 8, 17), "M"),
    ("310109198002147295", dt.date(1980, 2, 14), "M"),
    ("34262219840209049X", dt.date(1984, 2, 9), "M"),
    ("440301198802281133", dt.date(1988, 2, 28), "M"),
    ("440301199808085541", dt.date(1998, 8, 8), "F"),
    ("110203198811120340", dt.date(1988, 11, 12), "F"),
    ("440308199901101512", dt.date(1999, 1, 10), "M"),
    ("371521198411051559", dt.date(1984, 11, 5), "M"),
]
IDS = [p[0] for p in PUBLISHED]


def test_published_numbers_cover_every_check_character():
    assert {n[17] for n in IDS} == set("0123456789X")


@pytest.mark.parametrize("number,birth,sex", PUBLISHED, ids=IDS)
def test_published_number_parses_with_its_birth_date_and_sex(number, birth, sex):
    assert parse_id_number(number) == (number, birth, sex)


@pytest.mark.parametrize("number", [n for n in IDS if n.endswith("X")])
def test_published_number_with_lower_case_x_parses(number):
    assert parse_id_number(number.lower(), field="id_number")[0] == number


@pytest.mark.parametrize("number", IDS)
def test_published_number_with_any_other_check_character_is_rejected(number):
    """Every one of the ten wrong check characters is refused, on the field, in both languages."""
    for wrong in "0123456789X":
        if wrong == number[17]:
            continue
        with pytest.raises(Invalid) as exc:
            parse_id_number(number[:17] + wrong, field="id_number")
        assert exc.value.code == "id_checksum"
        assert exc.value.as_list() == [{"field": "id_number", "message": "身份证号校验位不正确",
                                        "code": "id_checksum"}]
        with translation.override("en"):
            english = exc.value.as_list()[0]["message"]
        assert english == "The ID number's check digit is wrong"


def test_field_name_travels_with_the_checksum_error():
    with pytest.raises(Invalid) as exc:
        parse_id_number("110105194912310021", field="members-0-id_number")
    assert exc.value.field == "members-0-id_number"

"""Checks on Chinese identity data: the resident ID number (GB 11643-1999) and mainland
mobile numbers. Messages are translatable; the caller attaches the field."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from .errors import Invalid

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CODES = "10X98765432"
# ASCII digits only: \d would also accept Arabic-Indic, Devanagari … digits.
MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
ID_RE = re.compile(r"[1-9][0-9]{16}[0-9X]")


def _compact(value) -> str:
    """Full-width input (１３８…, what an IME in 全角 mode types) folded to ASCII, spaces removed."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def id_check_code(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CODES[total % 11]


def parse_id_number(value: str, *, field: str = "id_number") -> tuple[str, dt.date, str]:
    """Return (normalised number, birth date, gender 'M'/'F') or raise Invalid."""
    number = _compact(value).upper()
    if len(number) != 18:
        raise Invalid(_("身份证号应为18位"), code="id_length", field=field)
    if not ID_RE.fullmatch(number):
        raise Invalid(_("身份证号格式不正确"), code="id_format", field=field)
    if id_check_code(number[:17]) != number[17]:
        raise Invalid(_("身份证号校验位不正确"), code="id_checksum", field=field)
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise Invalid(_("身份证号中的出生日期无效"), code="id_birth_date", field=field) from None
    if birth.year < 1880 or birth > dt.date.today():
        raise Invalid(_("身份证号中的出生日期无效"), code="id_birth_date", field=field)
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return number, birth, gender


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A valid ID number (for demo data and tests): 6-digit region, birth date, 3-digit
    sequence whose parity gives the gender, then the check code."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_code(first17)


def validate_mobile(value: str, *, field: str = "phone") -> str:
    number = _compact(value)
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_RE.fullmatch(number):
        raise Invalid(_("手机号码格式不正确（应为11位大陆手机号）"), code="phone_format", field=field)
    return number

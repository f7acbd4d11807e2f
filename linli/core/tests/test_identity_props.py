"""Properties of the ID-number (GB 11643-1999) and mobile checks in linli.core.identity,
over generated input rather than a handful of examples."""

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from linli.core.errors import Invalid
from linli.core.identity import id_check_code, make_id_number, parse_id_number, validate_mobile

PROPS = settings(max_examples=300, deadline=None, database=None)

DIGITS = "0123456789"
regions = st.from_regex(r"\A[1-9][0-9]{5}\Z", fullmatch=True)
births = st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date.today())
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def id_numbers(draw):
    return make_id_number(draw(regions), draw(births), draw(sequences))


def rejected(number: str) -> bool:
    try:
        parse_id_number(number)
    except Invalid:
        return True
    return False


# ---------------------------------------------------------------- ID numbers


@PROPS
@given(region=regions, birth=births, sequence=sequences)
def test_made_number_round_trips_through_validation(region, birth, sequence):
    number = make_id_number(region, birth, sequence)
    assert len(number) == 18
    parsed, parsed_birth, gender = parse_id_number(number)
    assert parsed == number
    assert parsed_birth == birth  # the birth date read from the number is the one used
    assert number[:6] == region
    assert gender == ("M" if sequence % 2 else "F")  # odd sequence: male (GB 11643 §5.3)


@PROPS
@given(number=id_numbers(), spaced=st.booleans())
def test_lower_case_x_and_spaces_are_normalised(number, spaced):
    typed = number.lower()
    if spaced:
        typed = f" {typed[:6]} {typed[6:14]} {typed[14:]} "
    assert parse_id_number(typed)[0] == number


@PROPS
@given(number=id_numbers(), data=st.data())
def test_any_single_character_change_is_rejected(number, data):
    pos = data.draw(st.integers(min_value=0, max_value=17), label="position")
    alphabet = DIGITS + "X" if pos == 17 else DIGITS
    new = data.draw(st.sampled_from(alphabet).filter(lambda c: c != number[pos]), label="new char")
    assert rejected(number[:pos] + new + number[pos + 1:])


@PROPS
@given(number=id_numbers(), pos=st.integers(min_value=0, max_value=16))
def test_any_adjacent_transposition_is_rejected(number, pos):
    assume(number[pos] != number[pos + 1])
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2:]
    assert rejected(swapped)


@PROPS
@given(first17=st.from_regex(r"\A[1-9][0-9]{16}\Z", fullmatch=True))
def test_exactly_one_check_character_fits(first17):
    fitting = [c for c in DIGITS + "X" if id_check_code(first17) == c]
    assert len(fitting) == 1


@PROPS
@given(number=id_numbers(), cut=st.integers(min_value=0, max_value=17))
def test_wrong_length_is_rejected_with_its_own_code(number, cut):
    with pytest.raises(Invalid) as short:
        parse_id_number(number[:cut])
    assert short.value.code == "id_length"
    with pytest.raises(Invalid) as long:
        parse_id_number(number + number[cut])
    assert long.value.code == "id_length"


@PROPS
@given(region=regions, birth=st.dates(min_value=dt.date.today() + dt.timedelta(days=1),
                                      max_value=dt.date(9999, 12, 31)), sequence=sequences)
def test_birth_date_in_the_future_is_rejected(region, birth, sequence):
    with pytest.raises(Invalid) as exc:
        parse_id_number(make_id_number(region, birth, sequence))
    assert exc.value.code == "id_birth_date"


@PROPS
@given(region=regions, ymd=st.tuples(st.integers(1900, 2020), st.integers(0, 99), st.integers(0, 99)),
       sequence=sequences)
def test_impossible_calendar_dates_are_rejected(region, ymd, sequence):
    year, month, day = ymd
    try:
        dt.date(year, month, day)
        assume(False)  # a real date: covered by the round trip
    except ValueError:
        pass
    first17 = f"{region}{year:04d}{month:02d}{day:02d}{sequence:03d}"
    with pytest.raises(Invalid) as exc:
        parse_id_number(first17 + id_check_code(first17))
    assert exc.value.code == "id_birth_date"


# ---------------------------------------------------------------- mobile numbers


@PROPS
@given(number=st.text(alphabet=DIGITS, min_size=11, max_size=11))
@example(number="13800138000")
@example(number="12800138000")
@example(number="19912345678")
@example(number="10000000000")
def test_mobile_accepts_exactly_the_mainland_prefixes(number):
    """11 digits starting 13–19 are mainland mobiles; nothing else is."""
    valid = number[0] == "1" and number[1] in "3456789"
    try:
        assert validate_mobile(number) == number
        accepted = True
    except Invalid as exc:
        assert exc.code == "phone_format"
        accepted = False
    assert accepted == valid


@PROPS
@given(number=st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True), spaces=st.booleans())
def test_mobile_country_code_and_spaces_are_stripped(number, spaces):
    typed = f"+86 {number[:3]} {number[3:7]} {number[7:]}" if spaces else "+86" + number
    assert validate_mobile(typed) == number


@PROPS
@given(number=st.text(alphabet=DIGITS, max_size=20).filter(lambda s: len(s) != 11))
def test_mobile_of_any_other_length_is_rejected(number):
    with pytest.raises(Invalid):
        validate_mobile(number)


# ---------------------------------------------------------------- non-ASCII digits

ASCII_MOBILE = re.compile(r"[0-9]{11}")
ASCII_ID = re.compile(r"[0-9]{17}[0-9X]")
# Digits of other scripts: full-width (what a Chinese IME types in 全角 mode), Arabic-Indic,
# Devanagari, mathematical bold …
FOREIGN_DIGITS = {v: [c for c in map(chr, range(0x80, 0x10000))
                     if unicodedata.category(c) == "Nd" and unicodedata.digit(c, -1) == v] for v in range(10)}
foreign_digits = st.sampled_from(sorted(c for cs in FOREIGN_DIGITS.values() for c in cs))



@settings(max_examples=200, deadline=None, database=None)
@given(number=st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True), data=st.data())
def test_mobile_with_non_ascii_digits_is_rejected_or_folded_to_ascii(number, data):
    pos = data.draw(st.integers(min_value=2, max_value=10), label="position")
    typed = number[:pos] + data.draw(foreign_digits, label="digit") + number[pos + 1:]
    try:
        result = validate_mobile(typed)
    except Invalid:
        return
    assert ASCII_MOBILE.fullmatch(result), f"accepted {typed!r} as {result!r}"


@settings(max_examples=200, deadline=None, database=None)
@given(number=id_numbers(), data=st.data())
def test_id_number_with_non_ascii_digits_is_rejected_or_folded_to_ascii(number, data):
    pos = data.draw(st.integers(min_value=1, max_value=16), label="position")
    # The same digit value in another script, so the check code still fits.
    same = st.sampled_from(FOREIGN_DIGITS[int(number[pos])])
    typed = number[:pos] + data.draw(same, label="digit") + number[pos + 1:]
    try:
        result = parse_id_number(typed)[0]
    except Invalid:
        return
    assert ASCII_ID.fullmatch(result), f"accepted {typed!r} as {result!r}"

"""Properties of personal-data handling in linli.core.pii: ciphertext round-trips, the keyed
look-up hash is stable, and masks reveal no more than the documented characters
(510***********1234, 138****5678) for input of any length."""

import datetime as dt
import hashlib

import pytest
from cryptography.fernet import InvalidToken
from hypothesis import example, given, settings
from hypothesis import strategies as st

from linli.core import pii
from linli.core.identity import make_id_number
from linli.places.models import Resident

PROPS = settings(max_examples=200, deadline=None, database=None)

# Any Unicode text hypothesis can make (no lone surrogates: they are not encodable text).
texts = st.text(min_size=1, max_size=200)
numbers = st.text(alphabet="0123456789X", min_size=0, max_size=40)


@PROPS
@given(value=texts)
@example(value="李大爷 511802198005170126 ☎ 138 0013 8000")
@example(value="\x00")
@example(value="😀" * 50)
def test_encrypt_decrypt_round_trips_any_text(value):
    token = pii.encrypt(value)
    assert token and token != value
    if len(value) >= 8:  # shorter strings occur in random base64 by chance
        assert value not in token
    assert pii.decrypt(token) == value


@PROPS
@given(value=texts)
def test_encryption_is_randomised(value):
    """Two encryptions of one value differ, so equal ciphertexts never reveal equal values."""
    assert pii.encrypt(value) != pii.encrypt(value)


def test_empty_value_stays_empty():
    assert pii.encrypt("") == ""
    assert pii.decrypt("") == ""
    assert pii.lookup_hash("") == ""


@PROPS
@given(value=texts)
def test_tampered_ciphertext_is_refused(value):
    token = pii.encrypt(value)
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(InvalidToken):
        pii.decrypt(flipped)


@PROPS
@given(value=texts)
def test_lookup_hash_is_stable_and_keyed(value):
    first = pii.lookup_hash(value)
    assert first == pii.lookup_hash(value) == pii.lookup_hash(str(value))
    if first:
        assert len(first) == 64 and int(first, 16) >= 0
        # Keyed: not the bare SHA-256 of the value a guesser could compute.
        assert first != hashlib.sha256(pii.normalise(value).encode()).hexdigest()


@PROPS
@given(a=texts, b=texts)
def test_lookup_hash_equal_exactly_when_normalised_values_are_equal(a, b):
    same = pii.normalise(a) == pii.normalise(b)
    if not pii.normalise(a) or not pii.normalise(b):
        return  # blank values have no hash
    assert (pii.lookup_hash(a) == pii.lookup_hash(b)) == same


@PROPS
@given(number=st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True))
def test_lookup_hash_ignores_spacing_and_case(number):
    spaced = f" {number[:3]} {number[3:7]}\t{number[7:]} "
    assert pii.lookup_hash(spaced) == pii.lookup_hash(number)
    id_number = make_id_number("511802", dt.date(1990, 1, 2), int(number[-3:]))
    assert pii.lookup_hash(id_number.lower()) == pii.lookup_hash(id_number)


def _assert_masked(value: str, masked: str, tail: int = 4) -> None:
    """Only the first three and the last `tail` characters are shown (four for phones; one,
    the check digit, for ID numbers: issue 10 §1); everything between is '*'."""
    norm = pii.normalise(value)
    assert len(masked) == len(norm)
    if len(norm) <= 7:
        assert masked == "*" * len(norm)  # too short to show anything and still hide the rest
        return
    assert masked[:3] == norm[:3]
    assert masked[-tail:] == norm[-tail:]
    assert set(masked[3:-tail]) == {"*"}
    shown = [i for i, c in enumerate(masked) if c != "*"]
    assert all(i < 3 or i >= len(norm) - tail for i in shown)


@PROPS
@given(value=numbers | texts)
@example(value="511802198005170126")
@example(value="51180219800517012x")
@example(value="13800138000")
@example(value="12345678")
@example(value="1234567")
def test_masks_reveal_at_most_prefix_and_last_four(value):
    _assert_masked(value, pii.mask_id_number(value), tail=1)
    _assert_masked(value, pii.mask_phone(value))


def test_documented_mask_shapes():
    assert pii.mask_id_number("510123199001011234") == "510**************4"  # issue 10 §1
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_phone("138 1234 5678") == "138****5678"


@PROPS
@given(birth=st.dates(min_value=dt.date(1900, 1, 1),
                      max_value=dt.date(2020, 12, 31)),
       sequence=st.integers(0, 999), phone=st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True))
def test_resident_columns_hold_only_ciphertext_hash_and_mask(birth, sequence, phone):
    """What Resident.set_* put in each column: the raw number appears in none of them, the
    masked column fits its field, and only decrypt gives the number back."""
    number = make_id_number("510123", birth, sequence)
    r = Resident()
    r.set_id_number(number)
    r.set_phone(phone)
    for column in ("id_number_enc", "id_number_hash", "id_number_masked", "phone_enc", "phone_hash",
                   "phone_masked"):
        stored = getattr(r, column)
        assert number not in stored and phone not in stored, column
        assert number[6:14] not in stored, f"{column} shows the birth date"
    assert r.id_number_masked == number[:3] + "*" * 14 + number[-1:]
    assert r.phone_masked == phone[:3] + "****" + phone[-4:]
    assert len(r.id_number_masked) <= Resident._meta.get_field("id_number_masked").max_length
    assert len(r.phone_masked) <= Resident._meta.get_field("phone_masked").max_length
    assert pii.decrypt(r.id_number_enc) == number and pii.decrypt(r.phone_enc) == phone
    assert r.id_number_hash == pii.lookup_hash(number) and r.phone_hash == pii.lookup_hash(phone)

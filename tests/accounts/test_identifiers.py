import datetime

import pytest
from django.core.exceptions import ValidationError

from huzhou_craftsman.accounts import identifiers
from tests.factories import make_resident_id, make_uscc


@pytest.mark.parametrize("raw", ["91330502MA2B3C4D58", "91330502ma2b3c4d58", " 9133-0502MA2B 3C4D58 "])
def test_uscc_is_normalised_and_accepted(raw):
    assert identifiers.normalise_uscc(raw) == "91330502MA2B3C4D58"
    identifiers.validate_uscc(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("91330502MA2B3C4D5", "应为 18 位"),
        ("91330502MA2B3C4D59", "校验未通过"),
        ("", "应为 18 位"),
    ],
)
def test_invalid_uscc_is_refused_with_a_clear_message(raw, message):
    with pytest.raises(ValidationError) as error:
        identifiers.validate_uscc(raw)
    assert message in error.value.messages[0]


def test_generated_codes_are_valid():
    for seq in range(20):
        identifiers.validate_uscc(make_uscc(seq))


@pytest.mark.parametrize("region", ["330502", "330503", "330521", "330522", "330523"])
def test_huzhou_resident_ids_pass_even_where_stdnum_region_table_would_fail(region):
    number = make_resident_id(7, region=region, birth="19900101")
    identifiers.validate_resident_id(number)
    assert identifiers.resident_id_birth_date(number) == datetime.date(1990, 1, 1)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("33050219900101001", "length"),
        ("3305021990010100A1", "format"),
        ("330502199002300011", "birth_date"),
    ],
)
def test_malformed_resident_ids_are_refused(number, code):
    with pytest.raises(ValidationError) as error:
        identifiers.validate_resident_id(number)
    assert error.value.code == code


def test_resident_id_with_wrong_check_digit_is_refused():
    good = make_resident_id(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        identifiers.validate_resident_id(bad)
    assert "校验位" in error.value.messages[0]


def test_resident_id_born_in_the_future_is_refused():
    number = make_resident_id(1, birth="20300101")
    with pytest.raises(ValidationError) as error:
        identifiers.validate_resident_id(number, today=datetime.date(2026, 11, 25))
    assert error.value.code == "birth_date"


def test_lower_case_x_is_normalised():
    number = next(n for n in (make_resident_id(i) for i in range(200)) if n.endswith("X"))
    identifiers.validate_resident_id(number.lower())


@pytest.mark.parametrize(
    ("func", "value", "masked"),
    [
        (identifiers.mask_resident_id, "330521199001017711", "330521********7711"),
        (identifiers.mask_bank_account, "33050161627000001234", "****************1234"),
        (identifiers.mask_mobile, "13905721234", "139****1234"),
        (identifiers.mask_resident_id, "", ""),
    ],
)
def test_masking(func, value, masked):
    assert func(value) == masked


@pytest.mark.parametrize(("value", "ok"), [("13905721234", True), ("1390572123", False), ("23905721234", False)])
def test_mobile(value, ok):
    if ok:
        identifiers.validate_mobile(value)
    else:
        with pytest.raises(ValidationError):
            identifiers.validate_mobile(value)


def test_cnaps_must_be_twelve_digits():
    identifiers.validate_cnaps("105336000012")
    with pytest.raises(ValidationError, match="12 位"):
        identifiers.validate_cnaps("10533600001")


def test_bank_account_luhn_is_only_a_warning():
    corporate = "33050161627000001234"
    identifiers.validate_bank_account(corporate)  # accepted although it fails Luhn
    assert identifiers.bank_account_luhn_ok(corporate) is False
    assert identifiers.bank_account_luhn_ok("6222021202041701419") is True

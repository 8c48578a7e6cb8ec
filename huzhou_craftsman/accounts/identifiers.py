"""Chinese identifiers: validate, normalise and mask them.

Resident ID numbers follow GB 11643 and Unified Social Credit Codes GB 32100. python-stdnum does the
checksums; its resident-ID *region* check is not used because its historic table rejects real Huzhou
numbers (330502/330503 for some birth years, python-stdnum issue #442).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

# ASCII digits only: a full-width digit typed in a Chinese input method must not reach a bank file.
_RESIDENT_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
_CNAPS_RE = re.compile(r"^[0-9]{12}$")
_ACCOUNT_RE = re.compile(r"^[0-9]{8,32}$")


def normalise_uscc(value: str) -> str:
    """Return the code upper-cased without spaces or hyphens."""
    return uscc.compact(value or "").upper()


def validate_uscc(value: str) -> None:
    """Refuse anything that is not a valid 18-character Unified Social Credit Code."""
    code = normalise_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位（当前 %(n)s 位），请对照营业执照填写。"),
            params={"n": len(code)},
            code="length",
        )
    try:
        uscc.validate(code)
    except StdnumError:
        raise ValidationError(
            _("统一社会信用代码“%(code)s”校验未通过（格式或校验位不正确），请对照营业执照核对。"),
            params={"code": code},
            code="invalid",
        ) from None


def normalise_resident_id(value: str) -> str:
    """Return the ID number without spaces, with an upper-case check character."""
    return re.sub(r"\s", "", value or "").upper()


def resident_id_birth_date(value: str) -> datetime.date:
    """Return the birth date encoded in a (normalised) resident ID number."""
    return ric.get_birth_date(normalise_resident_id(value))


def validate_resident_id(value: str, *, today: datetime.date | None = None) -> None:
    """Check length, format, birth date (real, not in the future) and checksum of a resident ID number."""
    number = normalise_resident_id(value)
    if len(number) != 18:
        raise ValidationError(_("身份证号应为 18 位（当前 %(n)s 位）。"), params={"n": len(number)}, code="length")
    if not _RESIDENT_ID_RE.match(number):
        raise ValidationError(_("身份证号只能由 17 位数字和 1 位数字或 X 组成。"), code="format")
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError(_("身份证号中的出生日期（第 7–14 位）不是有效日期。"), code="birth_date") from None
    if birth > (today or datetime.date.today()) or birth.year < 1900:
        raise ValidationError(
            _("身份证号中的出生日期 %(d)s 不合理。"), params={"d": birth.isoformat()}, code="birth_date"
        )
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError(_("身份证号校验位不正确，请核对最后一位。"), code="checksum")


def validate_mobile(value: str) -> None:
    """Accept an 11-digit mainland mobile number."""
    if not _MOBILE_RE.match(value or ""):
        raise ValidationError(_("请输入 11 位手机号码（1 开头）。"), code="mobile")


def validate_cnaps(value: str) -> None:
    """Accept a 12-digit CNAPS bank code (联行号), needed for cross-bank payments."""
    if not _CNAPS_RE.match(value or ""):
        raise ValidationError(_("开户行联行号应为 12 位数字。"), code="cnaps")


def normalise_bank_account(value: str) -> str:
    """Return the account number without spaces or hyphens."""
    return re.sub(r"[\s-]", "", value or "")


def validate_bank_account(value: str) -> None:
    """Accept 8 to 32 digits (corporate accounts are long and fail Luhn, so Luhn is only a warning)."""
    if not _ACCOUNT_RE.match(normalise_bank_account(value)):
        raise ValidationError(_("银行账号应为 8–32 位数字。"), code="bank_account")


def bank_account_luhn_ok(value: str) -> bool:
    """Tell whether the account passes the Luhn check (a warning for card numbers, never an error)."""
    return luhn.is_valid(normalise_bank_account(value))


def non_gbk_characters(text: str) -> list[str]:
    """Return the distinct characters of the text that GBK cannot encode (生僻字 such as 𠮷 or 䶮), in order.

    Many bank systems still read GBK: a name with such a character is refused or garbled there, and the bank's rule
    is to write it with a homophone or pinyin as agreed with the bank, or to pay that person by another channel.
    """
    text = text or ""
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        pass
    else:
        return []
    found = []
    for character in dict.fromkeys(text):
        try:
            character.encode("gbk")
        except UnicodeEncodeError:
            found.append(character)
    return found


def mask_resident_id(value: str) -> str:
    """Show the first six and last four characters: 330521********7711."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_bank_account(value: str) -> str:
    """Show only the last four digits of an account number."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 4) + value[-4:]


def mask_mobile(value: str) -> str:
    """Show the first three and last four digits of a mobile number."""
    if not value or len(value) < 7:
        return "*" * len(value or "")
    return value[:3] + "****" + value[-4:]

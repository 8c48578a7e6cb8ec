"""The apprentice roster (§9): the XLSX template the portal provides, and reading it back row by row."""

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from huzhou_craftsman.accounts import identifiers
from huzhou_craftsman.exports import xlsx_append

COLUMNS = ["姓名", "身份证号", "培训工种", "劳动合同期限（月）", "备案培训期限（月）", "培训开始年月", "培训结束年月"]
MAX_ROWS = 5000
MAX_MONTHS = 120


@dataclass(frozen=True)
class RosterRow:
    row_number: int
    name: str
    resident_id: str
    occupation: str
    contract_months: int
    filed_months: int
    start_month: datetime.date
    end_month: datetime.date

    @property
    def trained_months(self) -> int:
        """The months of actual training, start and end month included."""
        return (self.end_month.year - self.start_month.year) * 12 + self.end_month.month - self.start_month.month + 1


def parse_month(value) -> datetime.date | None:
    """Read "2026-03", "2026/3", "2026年3月" or a spreadsheet date as the first day of that month."""
    if isinstance(value, datetime.datetime | datetime.date):
        return datetime.date(value.year, value.month, 1)
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", _text(value))
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return datetime.date(int(match[1]), int(match[2]), 1)


def roster_template() -> bytes:
    """Return the XLSX template: one header row, the ID column formatted as text."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "学徒名册"
    xlsx_append(sheet, COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for column, width in zip("ABCDEFG", (12, 24, 20, 18, 18, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width
    for row in range(2, 502):
        sheet[f"B{row}"].number_format = "@"  # text: Excel must not turn an ID number into 3.30521E+17
        sheet[f"F{row}"].number_format = "@"
        sheet[f"G{row}"].number_format = "@"
    notes = workbook.create_sheet("填写说明")
    for line in (
        "每行一名学徒；第一行为表头，请勿修改。",
        "身份证号请按文本格式填写 18 位号码。",
        "期限均以整月计：劳动合同期限须满 12 个月；实际培训期限超过备案期限的部分不予补贴。",
        "培训开始年月、培训结束年月按“2026-03”格式填写，含首尾两个月；同一学徒的同一月份只能申领一次。",
    ):
        xlsx_append(notes, [line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def _months(value, label: str, errors: list, row: int) -> int:
    text = _text(value)
    if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > MAX_MONTHS:
        errors.append(
            _("第 %(row)s 行：%(label)s“%(value)s”应为 0–%(max)s 的整数。")
            % {"row": row, "label": label, "value": text, "max": MAX_MONTHS}
        )
        return 0
    return int(text)


def check_rows(raw_rows) -> list[RosterRow]:
    """Check every row (number, cells) and return them, or raise one ValidationError listing every bad row."""
    errors, rows, seen = [], [], {}
    for row_number, cells in raw_rows:
        cells = list(cells) + [None] * (len(COLUMNS) - len(cells))
        if all(_text(c) == "" for c in cells[: len(COLUMNS)]):
            continue
        name, resident_id, occupation = (_text(c) for c in cells[:3])
        if not name:
            errors.append(_("第 %(row)s 行：姓名不能为空。") % {"row": row_number})
        if isinstance(cells[1], int | float):
            errors.append(
                _("第 %(row)s 行：身份证号被表格存成了数字，请将该列设为文本后重新填写。") % {"row": row_number}
            )
        else:
            resident_id = identifiers.normalise_resident_id(resident_id)
            try:
                identifiers.validate_resident_id(resident_id)
            except ValidationError as error:
                errors.append(_("第 %(row)s 行：%(msg)s") % {"row": row_number, "msg": error.messages[0]})
            else:
                if resident_id in seen:
                    errors.append(
                        _("第 %(row)s 行：身份证号与第 %(first)s 行重复。")
                        % {"row": row_number, "first": seen[resident_id]}
                    )
                seen.setdefault(resident_id, row_number)
        if not occupation:
            errors.append(_("第 %(row)s 行：培训工种不能为空。") % {"row": row_number})
        months = [_months(cells[i], COLUMNS[i], errors, row_number) for i in (3, 4)]
        start, end = parse_month(cells[5]), parse_month(cells[6])
        for value, label in ((start, COLUMNS[5]), (end, COLUMNS[6])):
            if value is None:
                errors.append(
                    _("第 %(row)s 行：%(label)s应为“2026-03”格式的年月。") % {"row": row_number, "label": label}
                )
        if start and end and end < start:
            errors.append(_("第 %(row)s 行：培训结束年月早于开始年月。") % {"row": row_number})
            end = start
        start = start or datetime.date(2000, 1, 1)
        end = end or start
        rows.append(RosterRow(row_number, name, resident_id, occupation, *months, start, end))
        if rows[-1].trained_months > MAX_MONTHS:
            errors.append(_("第 %(row)s 行：培训期限超过 %(max)s 个月。") % {"row": row_number, "max": MAX_MONTHS})
        if len(rows) > MAX_ROWS:
            raise ValidationError(_("名册超过 %(max)s 行，请分批申报。") % {"max": MAX_ROWS})
    if not rows and not errors:
        errors.append(_("名册中没有学徒。"))
    if errors:
        raise ValidationError(errors)
    return rows


def read_roster(upload) -> list[RosterRow]:
    """Read an uploaded XLSX roster; a file that is not a readable XLSX gets one clear error."""
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    # SyntaxError covers xml.etree's ParseError and lxml's XMLSyntaxError (openpyxl parses with lxml when present).
    except (InvalidFileException, zipfile.BadZipFile, SyntaxError, KeyError, ValueError, OSError):
        raise ValidationError(_("无法读取该文件：请使用平台提供的 XLSX 模板（Excel 2007 及以上格式）。")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(c) for c in next(rows, ())][: len(COLUMNS)]
        if header != COLUMNS:
            raise ValidationError(_("表头与模板不一致：第一行应为 %(cols)s。") % {"cols": "、".join(COLUMNS)})
        try:
            return check_rows((number, cells) for number, cells in enumerate(rows, start=2))
        except ValidationError as error:
            # The numbers are those Excel shows at the left of the sheet (row 1 is the header), not the 序号 of
            # the roster on the application page, which counts apprentices from 1.
            raise ValidationError(
                [_("以下“第 N 行”指 Excel 表格左侧的行号（第 1 行为表头）。"), *error.messages]
            ) from None
    except (SyntaxError, KeyError, ValueError, TypeError, IndexError):
        # The zip was intact but a sheet inside it is damaged (read-only mode parses the XML lazily).
        raise ValidationError(_("文件内容已损坏，无法读取：请用平台提供的 XLSX 模板重新填写。")) from None
    finally:
        workbook.close()

"""Reading an official list's XLSX: one template per kind, and every row checked (IDs, USCCs, catalogue codes)
with every error reported at once. Rows are read and checked one at a time. Nothing here writes to the database."""

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from huzhou_craftsman.accounts import identifiers
from huzhou_craftsman.exports import xlsx_append
from subsidies import rules

from .catalogue import CompetitionTrade
from .official_lists import ListKind
from .schemes import registry
from .schemes.base import normalise_document_number
from .schemes.competition import ROLES
from .schemes.craftsman_title import IN_HUZHOU_BASIS, PROVINCIAL_TITLES

MAX_ROWS = 20000
PERSON = ["姓名", "身份证号", "工作单位", "统一社会信用代码"]
COLUMNS = {
    ListKind.PROVINCIAL_TITLES: [*PERSON, "省级称号", "获评年度", "直接认定条件"],
    ListKind.COMPETITION_RESULTS: [*PERSON, "赛事名称", "竞赛项目", "成绩", "获奖身份"],
    ListKind.NATIONAL_SQUAD: [*PERSON, "赛事名称", "竞赛项目", "获奖身份"],
    ListKind.STUDIO_BASE_RATINGS: [
        "单位名称",
        "统一社会信用代码",
        "级别",
        "工作室名称",
        "负责人姓名",
        "负责人身份证号",
    ],
}
NOTES = {
    ListKind.PROVINCIAL_TITLES: "省级称号填：浙江大工匠、浙江杰出工匠、浙江工匠、浙江青年工匠；直接认定条件填：在湖申报入选、市外全职引进。",
    ListKind.COMPETITION_RESULTS: "赛事名称、竞赛项目须与赛事目录一致；成绩填：金牌、银牌、铜牌、优胜奖；获奖身份填：选手、带队教练。",
    ListKind.NATIONAL_SQUAD: "赛事名称为赛事目录中的“世界技能大赛国家集训队”赛事；获奖身份填：选手、带队教练。",
    ListKind.STUDIO_BASE_RATINGS: "级别按计发批次的类别填写（如 国家级高技能人才培训基地、省级技能大师工作室）；工作室须填写名称。",
}
# Roles a list can carry; an expert team (with its member list) is paid through an application, not a list.
LIST_ROLES = ("contestant", "coach")


@dataclass(frozen=True, slots=True)
class ListRow:
    """One checked row. ``key`` is its identity within the source document."""

    row_number: int
    key: str
    name: str
    resident_id: str
    organisation_name: str
    uscc: str
    level: str = ""
    provincial_title: str = ""
    in_huzhou_basis: str = ""
    title_year: int | None = None
    trade_id: int | None = None
    role: str = ""
    studio_name: str = ""


def template(kind: str) -> bytes:
    """Return the XLSX template of a list kind: one header row, ID and code columns formatted as text."""
    columns = COLUMNS[ListKind(kind)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    xlsx_append(sheet, columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
        sheet.column_dimensions[cell.column_letter].width = 22
    text_columns = [i for i, name in enumerate(columns) if name.endswith(("身份证号", "统一社会信用代码"))]
    for row in range(2, 1002):
        for index in text_columns:
            sheet.cell(row=row, column=index + 1).number_format = "@"  # Excel must not turn an ID into 3.3E+17
    notes = workbook.create_sheet("填写说明")
    for line in (
        "每行一条；第一行为表头，请勿修改。",
        "身份证号、统一社会信用代码请按文本格式填写。",
        NOTES[ListKind(kind)],
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


def _choices(mapping) -> dict[str, str]:
    """Code or Chinese name → code (the file is written in Chinese whatever the importer's language)."""
    with translation.override("zh-hans"):
        found = {str(label): code for code, label in mapping}
    return {**found, **{code: code for code, _label in mapping}}


def read_rows(upload, kind: str) -> Iterator[tuple[int, list]]:
    """Open an uploaded XLSX and check its header now; return the rows after it, (Excel row number, cells), read one
    at a time as they are asked for (openpyxl read-only: the workbook is never held whole in memory)."""
    columns = COLUMNS[ListKind(kind)]
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, SyntaxError, KeyError, ValueError, OSError):
        raise ValidationError(_("无法读取该文件：请使用平台提供的 XLSX 模板（Excel 2007 及以上格式）。")) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [_text(c) for c in next(rows, ())][: len(columns)]
    except (SyntaxError, KeyError, ValueError, TypeError, IndexError):
        workbook.close()
        raise ValidationError(_("文件内容已损坏，无法读取：请用平台提供的 XLSX 模板重新填写。")) from None
    if header != columns:
        workbook.close()
        raise ValidationError(_("表头与模板不一致：第一行应为 %(cols)s。") % {"cols": "、".join(columns)})
    return _data_rows(workbook, rows, len(columns))


def _data_rows(workbook, rows, width: int) -> Iterator[tuple[int, list]]:
    try:
        found = 0
        for number, cells in enumerate(rows, start=2):
            cells = list(cells[:width]) + [None] * (width - len(cells))
            if any(_text(c) for c in cells):
                found += 1
                if found > MAX_ROWS:
                    raise ValidationError(_("名单超过 %(max)s 行，请拆分后导入。") % {"max": MAX_ROWS})
                yield number, cells
    except (SyntaxError, KeyError, ValueError, TypeError, IndexError):
        raise ValidationError(_("文件内容已损坏，无法读取：请用平台提供的 XLSX 模板重新填写。")) from None
    finally:
        workbook.close()


class RowChecker:
    """Checks one row at a time and collects every error of every row; a row's problems never hide the next row's.

    It holds nothing per row: what needs the other rows (a row repeated, one ID under two names) is found by the
    import against what it has already written (``official_list_services``), so memory does not grow with the list.
    """

    USCC_MEMO = 5000  # distinct USCCs remembered as checked; a list names few organisations many times

    def __init__(self, kind: str, scheme: str):
        self.kind, self.scheme = ListKind(kind), scheme
        self.errors: list[tuple[int, str]] = []
        self.provincial = _choices(PROVINCIAL_TITLES.items())
        self.basis = _choices([c for c in IN_HUZHOU_BASIS if c[0] != "none"])
        self.roles = _choices([(code, ROLES[code]) for code in LIST_ROLES])
        self.levels = _choices(registry.get(scheme).levels.items())
        self.trades: dict[tuple[str, str], tuple[int, str]] = {}
        self.editions: set[str] = set()  # catalogue editions whose trades are loaded
        self.usccs: dict[str, tuple[str, str]] = {}  # as written → (normalised, problem)

    def error(self, row: int, message: str) -> None:
        self.errors.append((row, _("第 %(row)s 行：%(msg)s") % {"row": row, "msg": message}))

    def messages(self) -> list[str]:
        """Every error, in the order of the rows."""
        return [message for _row, message in sorted(self.errors, key=lambda error: error[0])]

    def check(self, number: int, cells: list) -> ListRow | None:
        """The checked row, or None (its errors recorded)."""
        return _check_row(self, number, cells)

    def resident_id(self, row: int, value, label: str = "身份证号", *, required: bool = True) -> str:
        if isinstance(value, int | float):
            self.error(row, _("%(label)s被表格存成了数字，请将该列设为文本后重新填写。") % {"label": label})
            return ""
        text = identifiers.normalise_resident_id(_text(value))
        if not text and not required:
            return ""
        try:
            identifiers.validate_resident_id(text)
        except ValidationError as error:
            self.error(row, f"{label}：{error.messages[0]}" if text else _("%(label)s不能为空。") % {"label": label})
            return ""
        return text

    def uscc(self, row: int, value, *, required: bool) -> str:
        raw = _text(value)
        # A list names few organisations many times: each code as written is normalised and checked once.
        found = self.usccs.get(raw)
        if found is None:
            if len(self.usccs) >= self.USCC_MEMO:
                self.usccs.clear()
            text, problem = identifiers.normalise_uscc(raw), ""
            if text:
                try:
                    identifiers.validate_uscc(text)
                except ValidationError as error:
                    problem = error.messages[0]
            found = self.usccs[raw] = (text, problem)
        text, problem = found
        if not text:
            if required:
                self.error(row, _("统一社会信用代码不能为空。"))
            return ""
        if problem:
            self.error(row, problem)
            return ""
        return text

    def code(self, row: int, value, table: dict, label: str) -> str:
        text = _text(value)
        if text not in table:
            allowed = "、".join(k for k, v in table.items() if k != v) or "、".join(table)
            self.error(row, _("%(label)s“%(value)s”不在可选范围内（%(allowed)s）。")
                       % {"label": label, "value": text, "allowed": allowed})  # fmt: skip
            return ""
        return table[text]

    def trade(self, row: int, edition_name, trade_name) -> int | None:
        edition, trade = _text(edition_name), _text(trade_name)
        if edition not in self.editions:  # each edition's trades read from the catalogue once
            self.editions.add(edition)
            self._load_trades(edition)
        found = self.trades.get((edition, trade))
        if found is None:
            self.error(
                row, _("赛事“%(e)s”的竞赛项目“%(t)s”不在赛事目录中，请先在目录中登记。") % {"e": edition, "t": trade}
            )
            return None
        trade_id, competition = found
        squad = self.kind == ListKind.NATIONAL_SQUAD
        if squad != (competition == "world_skills_national_team"):
            self.error(row, _("赛事“%(e)s”与名单类别“%(kind)s”不符。") % {"e": edition, "kind": self.kind.label})
            return None
        return trade_id

    def _load_trades(self, edition: str) -> None:
        for pk, name, code, competition in CompetitionTrade.objects.filter(edition__name=edition).values_list(
            "pk", "name", "code", "edition__competition"
        ):
            self.trades[(edition, name)] = (pk, competition)
            if code:
                self.trades.setdefault((edition, code), (pk, competition))


def _check_row(c: RowChecker, number: int, cells: list) -> ListRow | None:
    before = len(c.errors)
    if c.kind == ListKind.STUDIO_BASE_RATINGS:
        org_name, uscc = _text(cells[0]), c.uscc(number, cells[1], required=True)
        level = c.code(number, cells[2], c.levels, "级别")
        studio = _text(cells[3])
        if registry.get(c.scheme).opens_studio and not studio:  # a studio is named; a base is not
            c.error(number, _("工作室名称不能为空。"))
        name = _text(cells[4])
        resident_id = c.resident_id(number, cells[5], "负责人身份证号", required=False)
        if bool(name) != bool(resident_id) and len(c.errors) == before:
            c.error(number, _("负责人姓名和身份证号须同时填写或同时留空。"))
        if not org_name:
            c.error(number, _("单位名称不能为空。"))
        key = f"{uscc}:{level}:{normalise_document_number(studio)}"
        if len(c.errors) > before:
            return None
        return ListRow(number, key, name, resident_id, org_name, uscc, level=level, studio_name=studio)
    name, resident_id = _text(cells[0]), c.resident_id(number, cells[1])
    org_name = _text(cells[2])
    # A person with no organisation in the list (moved away, between jobs) is kept and listed for the bureau.
    uscc = c.uscc(number, cells[3], required=False)
    if not name:
        c.error(number, _("姓名不能为空。"))
    fields = {}
    if c.kind == ListKind.PROVINCIAL_TITLES:
        fields["provincial_title"] = c.code(number, cells[4], c.provincial, "省级称号")
        year = _text(cells[5])
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            c.error(number, _("获评年度“%(v)s”应为四位年份。") % {"v": year})
        else:
            fields["title_year"] = int(year)
        fields["in_huzhou_basis"] = c.code(number, cells[6], c.basis, "直接认定条件")
        fields["level"] = rules.DIRECT_RECOGNITION.get(fields["provincial_title"], "")
        key = f"{resident_id}:{fields['provincial_title']}"
    else:
        fields["trade_id"] = c.trade(number, cells[4], cells[5])
        if c.kind == ListKind.COMPETITION_RESULTS:
            results = {k: v for k, v in c.levels.items() if v != "selected"}
            fields["level"], role_cell = c.code(number, cells[6], results, "成绩"), cells[7]
        else:
            fields["level"], role_cell = "selected", cells[6]
        fields["role"] = c.code(number, role_cell, c.roles, "获奖身份")
        key = f"{resident_id}:{fields['trade_id']}:{fields['role']}"
    if len(c.errors) > before:
        return None
    return ListRow(number, key, name, resident_id, org_name, uscc, **fields)

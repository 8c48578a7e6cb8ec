"""Bank files: a payment batch as the files a bank imports (CSV and XLSX, streamed), and the bank's result file.

The layouts (代发 for persons, 批量转账 for organisations, and why a batch gives two files) are in
``bank_layouts``; this module writes them. Encodings: UTF-8 with a BOM (for Excel), GB18030 (every character,
including rare name characters), and true GBK for older bank systems — strict, so a name GBK cannot carry is found
by ``non_gbk_lines`` before export and the GBK file is refused until it is dealt with (never silently replaced).
"""

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from huzhou_craftsman.accounts.identifiers import non_gbk_characters
from huzhou_craftsman.exports import safe_row, safe_text, xlsx_append, xlsx_row

from .bank_layouts import (
    LAYOUT_FOR_KIND,
    LAYOUTS,  # noqa: F401 - the registry, where callers look for it
    TEXT_FIELDS,
    BankLayout,
    FileTotals,
    Payer,
)
from .payment_models import PaymentBatch, PaymentLine

# file format -> encoding of the file; the codecs are strict: nothing is silently replaced.
CSV_ENCODINGS = {"csv": "utf-8-sig", "csv-gb18030": "gb18030", "csv-gbk": "gbk"}
FILE_FORMATS = ("xlsx", *CSV_ENCODINGS)
CHUNK = 2000


def _live_lines(batch: PaymentBatch, layout: BankLayout):
    return batch.lines.exclude(state=PaymentLine.State.CANCELLED).filter(payee_kind=layout.payee_kind)


def _lines(batch: PaymentBatch, layout: BankLayout, fields: tuple[str, ...] = ()) -> Iterator:
    # The lines carry their own payee snapshot: no joins, light named tuples, never all rows in memory at once.
    lines = _live_lines(batch, layout).order_by("line_number")
    return lines.values_list(*(fields or layout.fields), named=True).iterator(chunk_size=5000)


def file_totals(batch: PaymentBatch, layout: BankLayout) -> FileTotals:
    """The control totals of one file (笔数, 总金额), from one aggregate query."""
    totals = _live_lines(batch, layout).aggregate(count=Count("pk"), total=Sum("amount", default=Decimal("0.00")))
    return FileTotals(totals["count"], totals["total"])


def batch_files(batch: PaymentBatch) -> list[tuple[BankLayout, FileTotals]]:
    """The files a batch is exported as — one per kind of payee it holds — with their totals, from one query."""
    rows = (
        batch.lines.exclude(state=PaymentLine.State.CANCELLED)
        .values("payee_kind")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by()
    )
    found = {row["payee_kind"]: FileTotals(row["count"], row["total"]) for row in rows}
    return [(layout, found[kind]) for kind, layout in LAYOUT_FOR_KIND.items() if kind in found]


def _head(batch: PaymentBatch, layout: BankLayout, payer: Payer, bom: bool) -> str:
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(safe_row(row) for row in layout.control_record(batch, payer, file_totals(batch, layout)))
    writer.writerow(layout.columns)
    return buffer.getvalue()


def csv_rows(
    batch: PaymentBatch, layout: BankLayout, *, encoding="utf-8-sig", use_copy: bool = True, payer: Payer | None = None
) -> Iterator[bytes]:
    """Yield one file of the batch as CSV: the control record, the column headings, then one row per line.

    ``encoding`` is "utf-8-sig" (with a BOM, for Excel), "gb18030" or "gbk" (strict: check ``non_gbk_lines``
    first). On PostgreSQL the rows are produced by ``COPY … TO STDOUT WITH (FORMAT csv)`` — the database's own CSV
    writer, several times faster than formatting rows in Python — spooled to a temporary file (memory stays small)
    and streamed from there, re-encoded by Python's codec when the file is not UTF-8; other layouts and databases
    format the rows in Python. Both give the same bytes.
    """
    codec = {"utf-8-sig": "utf-8"}.get(encoding, encoding)
    payer = payer or Payer.from_settings()
    yield _head(batch, layout, payer, bom=encoding == "utf-8-sig").encode(codec)
    select = layout.copy_select(batch, payer) if use_copy and connection.vendor == "postgresql" else None
    if select is not None:
        body = _copy_body(batch, layout, *select)
        if codec == "utf-8":
            yield from body
        else:
            decoder = codecs.getincrementaldecoder("utf-8")()
            for chunk in body:
                yield decoder.decode(chunk).encode(codec)
            yield decoder.decode(b"", final=True).encode(codec)
        return
    buffer = io.StringIO()
    for number, line in enumerate(_lines(batch, layout), start=1):
        buffer.write(",".join(_copy_csv_field(cell) for cell in layout.row(number, batch, line, payer)) + "\n")
        if number % CHUNK == 0:  # a few thousand rows per chunk: few generator steps, little memory
            yield buffer.getvalue().encode(codec)
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode(codec)


def _copy_csv_field(value) -> str:
    """One cell the way PostgreSQL's COPY (FORMAT csv) writes it: text made safe, empty text as an empty cell,
    quoted when it holds a comma, a quote or a line break (Python's csv module would leave a lone CR unquoted)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    value = safe_text(value)
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _copy_body(batch: PaymentBatch, layout: BankLayout, select: str, params: list) -> Iterator[bytes]:
    # The SELECT list is the layout's own code (column names, no user input); every value is a parameter.
    sql = (
        f"COPY (SELECT {select} FROM subsidies_paymentline"  # noqa: S608
        " WHERE batch_id = %s AND state <> %s AND payee_kind = %s ORDER BY line_number)"
        " TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"
    )
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
        with connection.cursor() as cursor:
            query = cursor.mogrify(sql, [*params, batch.pk, PaymentLine.State.CANCELLED, layout.payee_kind])
            cursor.copy_expert(query.decode() if isinstance(query, bytes) else query, spool)
        spool.seek(0)
        yield from iter(lambda: spool.read(1 << 16), b"")


def write_xlsx(batch: PaymentBatch, target, layout: BankLayout, payer: Payer | None = None) -> None:
    """Write one file of the batch as XLSX with openpyxl's write-only mode, row by row.

    Account, ID and CNAPS numbers are text cells (type "s"), never numbers that Excel would round to 6.22202E+18;
    no text cell is a formula; amounts and totals are numbers with two decimals.
    """
    payer = payer or Payer.from_settings()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(batch.number)
    for row in layout.control_record(batch, payer, file_totals(batch, layout)):
        xlsx_append(sheet, row)
    xlsx_append(sheet, layout.columns)
    for number, line in enumerate(_lines(batch, layout), start=1):
        sheet.append(xlsx_row(layout.row(number, batch, line, payer)))  # every text cell made safe, once
    workbook.save(target)


# --- GBK: names the encoding cannot carry, found before export -------------------------------------------------------


@dataclass(frozen=True)
class EncodingProblem:
    number: int  # 序号 in the file (0: the control record)
    account_name: str
    characters: list[str]


def non_gbk_lines(batch: PaymentBatch, layout: BankLayout, payer: Payer | None = None) -> list[EncodingProblem]:
    """List the lines of one file (and its control record) with characters outside GBK, in file order."""
    payer = payer or Payer.from_settings()
    problems = []
    control = "\x1f".join(str(c) for row in layout.control_record(batch, payer, FileTotals(0, Decimal(0))) for c in row)
    if characters := non_gbk_characters(control):
        problems.append(EncodingProblem(0, payer.account_name, characters))
    purpose_characters = non_gbk_characters(batch.purpose)
    for number, line in enumerate(_lines(batch, layout, TEXT_FIELDS), start=1):
        characters = non_gbk_characters("\x1f".join(getattr(line, field) for field in TEXT_FIELDS))
        if characters or purpose_characters:
            problems.append(EncodingProblem(number, line.account_name, [*characters, *purpose_characters]))
    return problems


GBK_ADVICE = gettext_lazy(
    "处理办法：按开户银行的规定，请收款人到银行确认预留户名中该字的写法（银行通常以同音字或拼音代替），更正收款信息后"
    "退回并重新编制批次；或改为导出 GB18030 / UTF-8 文件交银行（须银行系统支持），由银行单独处理这些款项。"
)


def gbk_refusal(problems: list[EncodingProblem], limit: int = 20) -> str:
    """A clear message listing the lines that keep a GBK file from being written."""
    listed = "；".join(
        (_("付款户名“%(name)s”（%(chars)s）") if p.number == 0 else _("第 %(n)s 笔 %(name)s（%(chars)s）"))
        % {"n": p.number, "name": p.account_name, "chars": "、".join(p.characters)}
        for p in problems[:limit]
    )
    more = _("等共 %(n)s 笔") % {"n": len(problems)} if len(problems) > limit else ""
    return _("GBK 文件无法导出：以下收款信息含 GBK 编码无法表示的字符（生僻字）：%(list)s%(more)s。") % {
        "list": listed,
        "more": more,
    } + str(GBK_ADVICE)


# --- The bank's result file (回盘) --------------------------------------------------------------------------------

RESULT_COLUMNS = ("收款账号", "金额", "结果", "失败原因")
PAID_WORDS = {"成功", "已成功", "success", "ok", "0000"}
FAILED_WORDS = {"失败", "fail", "failed", "退票"}


@dataclass(frozen=True)
class ResultRow:
    row_number: int
    account_number: str
    amount: Decimal | None
    paid: bool | None  # None: the result word is not understood
    failure_reason: str


def result_template() -> bytes:
    """Return the XLSX template banks fill in (or that finance staff copy a bank's result into)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "银行回盘"
    xlsx_append(sheet, RESULT_COLUMNS)
    for row in range(2, 1002):
        sheet[f"A{row}"].number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()[:1000]


def _result_row(number: int, cells: list) -> ResultRow:
    cells = [*cells, None, None, None, None][:4]
    account, amount_text, result, reason = (_cell(c) for c in cells)
    try:
        amount = Decimal(amount_text.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        amount = None
    word = result.lower()
    paid = True if word in PAID_WORDS else False if word in FAILED_WORDS else None
    return ResultRow(number, account.replace(" ", ""), amount, paid, reason)


def read_results(upload, file_name: str) -> list[ResultRow]:
    """Read a result file (XLSX, or CSV in UTF-8 or GBK); a file that cannot be read gets one clear error."""
    if file_name.lower().endswith(".csv"):
        raw = upload.read()
        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError(_("无法识别回盘文件的编码（支持 UTF-8 和 GBK）。"))
        try:
            rows: Iterable = list(csv.reader(io.StringIO(text.replace("\x00", ""))))
        except csv.Error:
            raise ValidationError(_("回盘文件不是有效的 CSV（某一格过长或引号不配对）。")) from None
    else:
        try:
            workbook = load_workbook(upload, read_only=True, data_only=True)
            rows = list(workbook.worksheets[0].iter_rows(values_only=True))
            workbook.close()
        except (InvalidFileException, zipfile.BadZipFile, SyntaxError, KeyError, ValueError, TypeError, OSError):
            raise ValidationError(_("无法读取回盘文件：请使用平台提供的 XLSX 模板或 CSV 文件。")) from None
    rows = iter(rows)
    header = tuple(_cell(c) for c in next(rows, ()))[:4]
    if header != RESULT_COLUMNS:
        raise ValidationError(_("回盘文件表头应为：%(cols)s。") % {"cols": "、".join(RESULT_COLUMNS)})
    return [_result_row(n, list(cells)) for n, cells in enumerate(rows, start=2) if any(_cell(c) for c in cells)]


def batch_summary_pdf(batch: PaymentBatch) -> bytes:
    """The batch summary for signature: count, total in figures and in uppercase, maker, checker, per district."""
    from django.conf import settings
    from django.db.models import Count, Sum
    from django.template.loader import render_to_string
    from django.utils import timezone

    from .documents.pdf import html_to_pdf
    from .documents.render import amount_figures, amount_in_words, chinese_date

    live = batch.lines.exclude(state=PaymentLine.State.CANCELLED)
    by_district = (
        live.values("instalment__award__organisation__district__name")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("instalment__award__organisation__district__name")
    )
    html = render_to_string(
        "finance/batch_summary.html",
        {
            "batch": batch,
            "office": settings.ISSUING_OFFICE,
            "total_figures": amount_figures(batch.total),
            "total_words": amount_in_words(batch.total),
            "created": f"{timezone.localtime(batch.created_at):%Y-%m-%d %H:%M}",
            "checked": f"{timezone.localtime(batch.checked_at):%Y-%m-%d %H:%M}" if batch.checked_at else "",
            "by_district": [
                [r["instalment__award__organisation__district__name"], r["n"], amount_figures(r["amount"])]
                for r in by_district
            ],
            "today": chinese_date(timezone.localdate()),
        },
    )
    return html_to_pdf(html)


# --- Large batches: written once by a Celery worker, then streamed from disk ---------------------------------------

EXPORT_SUFFIX = {"xlsx": "xlsx", "csv": "csv", "csv-gbk": "gbk.csv", "csv-gb18030": "gb18030.csv"}


def export_path(batch: PaymentBatch, layout: BankLayout, file_format: str):
    """Where a large batch's export lives: its lines never change once approved, so the file is written once."""
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / "exports" / f"{batch.number}-{layout.code}.{EXPORT_SUFFIX[file_format]}"


def export_write(batch: PaymentBatch, layout: BankLayout, file_format: str) -> None:
    """Write the export to its path through a temporary file, so a reader never sees half a file."""
    import os
    import tempfile

    if file_format == "csv-gbk" and (problems := non_gbk_lines(batch, layout)):
        raise ValidationError(gbk_refusal(problems))
    target = export_path(batch, layout, file_format)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as sink:
            if file_format == "xlsx":
                write_xlsx(batch, sink, layout)
            else:
                for chunk in csv_rows(batch, layout, encoding=CSV_ENCODINGS[file_format]):
                    sink.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise

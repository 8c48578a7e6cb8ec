"""Bank files: the generic 代发 layout for payment batches (CSV and XLSX, streamed) and the bank's result file.

A bank with its own layout is one small subclass of ``BankLayout`` registered in ``LAYOUTS``.
"""

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .payment_models import PaymentBatch, PaymentLine


class BankLayout:
    """The generic payroll-style (代发) layout: a header row, one row per line, and a trailer with count and total."""

    code = "generic"
    name = _("通用代发格式")
    columns = ("收款账号", "收款户名", "开户行", "联行号", "金额", "用途", "备注")

    def row(self, batch: PaymentBatch, line) -> list:
        """One line as cell values: text for account numbers and codes, a Decimal amount with two places."""
        return [line.account_number, line.account_name, line.bank_name, line.cnaps_code, line.amount, batch.purpose,
                line.note]  # fmt: skip

    def trailer(self, batch: PaymentBatch) -> list:
        return ["合计", f"{batch.line_count}笔", "", "", batch.total, batch.number, ""]


LAYOUTS = {layout.code: layout for layout in (BankLayout(),)}


LINE_FIELDS = ("line_number", "account_number", "account_name", "bank_name", "cnaps_code", "amount", "note")
CHUNK = 2000


def _lines(batch: PaymentBatch) -> Iterator:
    # The lines carry their own payee snapshot: no joins, light named tuples, never all rows in memory at once.
    return (
        batch.lines.exclude(state=PaymentLine.State.CANCELLED)
        .order_by("line_number")
        .values_list(*LINE_FIELDS, named=True)
        .iterator(chunk_size=5000)
    )


def csv_rows(
    batch: PaymentBatch, layout: BankLayout = LAYOUTS["generic"], *, encoding="utf-8-sig", use_copy: bool = True
) -> Iterator[bytes]:
    """Yield the batch as CSV, encoded (UTF-8 with BOM for Excel, or GBK for older bank systems).

    On PostgreSQL the generic layout's body is produced by ``COPY … TO STDOUT WITH (FORMAT csv)`` — the database's
    own CSV writer, several times faster than formatting rows in Python — spooled to a temporary file (memory stays
    small) and streamed from there; other layouts and databases format the rows in Python. Both give the same bytes.
    """
    # GB18030 encodes every GBK character with GBK's own bytes and can also carry rare name characters (生僻字).
    codec = "gb18030" if encoding == "gbk" else "utf-8"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if encoding == "utf-8-sig":
        buffer.write("\ufeff")
    writer.writerow(layout.columns)
    if use_copy and connection.vendor == "postgresql" and type(layout) is BankLayout:
        yield buffer.getvalue().encode(codec)
        buffer.seek(0)
        buffer.truncate()
        yield from _copy_body(batch, "GB18030" if codec == "gb18030" else "UTF8")
    else:
        for number, line in enumerate(_lines(batch), start=1):
            writer.writerow(layout.row(batch, line))
            if number % CHUNK == 0:  # a few thousand rows per chunk: few generator steps, little memory
                yield buffer.getvalue().encode(codec)
                buffer.seek(0)
                buffer.truncate()
    writer.writerow(layout.trailer(batch))
    yield buffer.getvalue().encode(codec)


_COPY_SQL = (
    "COPY (SELECT account_number, account_name, bank_name, cnaps_code, amount, %s, note"
    " FROM subsidies_paymentline WHERE batch_id = %s AND state <> %s ORDER BY line_number)"
    " TO STDOUT WITH (FORMAT csv, ENCODING %s)"
)


def _copy_body(batch: PaymentBatch, db_encoding: str) -> Iterator[bytes]:
    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
        with connection.cursor() as cursor:
            sql = cursor.mogrify(_COPY_SQL, [batch.purpose, batch.pk, PaymentLine.State.CANCELLED, db_encoding])
            cursor.copy_expert(sql.decode() if isinstance(sql, bytes) else sql, spool)
        spool.seek(0)
        yield from iter(lambda: spool.read(1 << 16), b"")


def write_xlsx(batch: PaymentBatch, target, layout: BankLayout = LAYOUTS["generic"]) -> None:
    """Write the batch as XLSX with openpyxl's write-only mode, row by row.

    Account numbers and CNAPS codes are written as strings, so they are text cells (type "s"), never numbers that
    Excel would round to 6.22202E+18; amounts are numbers with two decimals.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(batch.number)
    sheet.append(list(layout.columns))
    for line in _lines(batch):
        sheet.append(layout.row(batch, line))
    sheet.append(layout.trailer(batch))
    workbook.save(target)


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
    sheet.append(list(RESULT_COLUMNS))
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

EXPORT_SUFFIX = {"xlsx": "xlsx", "csv": "csv", "csv-gbk": "gbk.csv"}


def export_path(batch: PaymentBatch, file_format: str):
    """Where a large batch's export lives: its lines never change once approved, so the file is written once."""
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / "exports" / f"{batch.number}.{EXPORT_SUFFIX[file_format]}"


def export_write(batch: PaymentBatch, file_format: str) -> None:
    """Write the export to its path through a temporary file, so a reader never sees half a file."""
    import os
    import tempfile

    target = export_path(batch, file_format)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as sink:
            if file_format == "xlsx":
                write_xlsx(batch, sink)
            else:
                for chunk in csv_rows(batch, encoding="gbk" if file_format == "csv-gbk" else "utf-8-sig"):
                    sink.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise

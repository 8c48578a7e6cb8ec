"""No export cell starts a formula (OWASP CSV injection): the helper, then every CSV/XLSX the portal writes."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from huzhou_craftsman import exports
from huzhou_craftsman.accounts.models import District
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.accounts.services import audit_record
from subsidies import bank_files, payments, reconciliation
from subsidies.bank_layouts import LAYOUTS
from subsidies.models import PaymentLine
from tests.conftest import login
from tests.factories import make_award, make_user

FORMULA = '=HYPERLINK("http://x","点击")'
HOSTILE = [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=", "-"]
hostile_text = st.builds(lambda p, rest: p + rest, st.sampled_from(["", *exports.FORMULA_PREFIXES]), st.text())


def starts_a_formula(value) -> bool:
    return isinstance(value, str) and value[:1] in exports.FORMULA_PREFIXES


@given(st.lists(hostile_text, min_size=1, max_size=8))
def test_no_safe_cell_starts_a_formula_and_xlsx_cells_are_strings(texts):
    assert not any(starts_a_formula(exports.safe_cell(t)) for t in texts)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("x")
    exports.xlsx_append(sheet, texts)
    buffer = io.BytesIO()
    workbook.save(buffer)
    (row,) = load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows()
    assert all(cell.data_type == "s" or cell.value is None for cell in row)
    assert not any(starts_a_formula(cell.value) for cell in row)


def test_text_is_quoted_and_numbers_stay_numbers():
    assert exports.safe_row([FORMULA, "-5", Decimal("-5.00"), 3, None, "张三"]) == [
        "'" + FORMULA, "'-5", Decimal("-5.00"), 3, None, "张三",
    ]  # fmt: skip
    assert exports.xlsx_row(["#N/A", "a\x01b"]) == ["'#N/A", "ab"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", [*HOSTILE, "", "张三", "'=已加引号"])
def test_the_sql_expression_gives_the_same_text_as_python(text):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {exports.sql_safe_text('t')} FROM (SELECT %s::text AS t) AS given", [text])
        assert cursor.fetchone()[0] == exports.safe_text(text)


@pytest.fixture
def hostile_batch(db):
    """An approved batch whose payees have hostile names, one per dangerous prefix, persons and organisations."""
    for _ in HOSTILE:
        make_award(total="1000.00", instalments=("1000.00",))
    maker, checker = make_user(Role.FINANCE_MAKER), make_user(Role.FINANCE_CHECKER)
    batch = payments.batch_create(
        instalment_ids=list(payments.instalments_due().values_list("pk", flat=True)), by=maker
    )
    for line, name in zip(batch.lines.order_by("line_number"), HOSTILE, strict=True):
        kind = "personal" if line.line_number % 2 else "corporate"
        PaymentLine.objects.filter(pk=line.pk).update(account_name=name, note=name, payee_kind=kind)
    payments.batch_approve(batch=batch, by=checker)
    return batch


def test_every_bank_file_neutralises_hostile_payee_names(hostile_batch):
    for layout in LAYOUTS.values():
        for encoding in ("utf-8-sig", "gb18030"):
            for use_copy in (True, False):
                raw = b"".join(bank_files.csv_rows(hostile_batch, layout, encoding=encoding, use_copy=use_copy))
                rows = list(csv.reader(io.StringIO(raw.decode(encoding))))[3:]
                assert rows and all(r[2].startswith("'") for r in rows), (layout.code, encoding, use_copy)
                assert not any(starts_a_formula(cell) for row in rows for cell in row)
        buffer = io.BytesIO()
        bank_files.write_xlsx(hostile_batch, buffer, layout)
        sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
        names = [sheet.cell(row=r, column=3) for r in range(4, sheet.max_row + 1)]
        assert names and all(c.data_type == "s" and c.value.startswith("'") for c in names)
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    formula_line = [r for r in read_transfer_or_payroll(hostile_batch) if "HYPERLINK" in r[2]]
    assert formula_line[0][2] == "'" + FORMULA


def read_transfer_or_payroll(batch):
    rows = []
    for layout in LAYOUTS.values():
        raw = b"".join(bank_files.csv_rows(batch, layout))
        rows += list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[3:]
    return rows


@pytest.mark.django_db
def test_the_audit_csv_neutralises_free_text_reasons(client):
    auditor = make_user(Role.AUDITOR)
    for reason in HOSTILE:
        audit_record(action="test.hostile", actor=auditor, reason=reason)
    login(client, auditor)
    response = client.get(reverse("audit-events-export"), {"action": "test.hostile"})
    header, *rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    reason = header.index("理由")
    assert sorted(r[reason] for r in rows) == sorted("'" + r for r in HOSTILE)
    assert not any(starts_a_formula(cell) for row in rows for cell in row)


@pytest.mark.django_db
def test_the_dashboard_exports_neutralise_a_hostile_district_name(client):
    District.objects.filter(code="wuxing").update(name=FORMULA)
    make_award(total="1000.00", instalments=("1000.00",))
    login(client, make_user(Role.AUDITOR))
    since = "?window=since"  # the award is approved today, after the policy window (the default)
    body = client.get(reverse("dashboard-export", args=["csv"]) + since).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'" + FORMULA in cells and not any(starts_a_formula(c) for c in cells)
    response = client.get(reverse("dashboard-export", args=["xlsx"]) + since)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert any(c.value == "'" + FORMULA and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for c in cells)


def test_reconciliation_and_templates_hold_no_formula_cells(hostile_batch):
    from applications.roster import roster_template

    buffer = io.BytesIO()
    reconciliation.write_xlsx(reconciliation.build(), buffer)
    for content in (buffer.getvalue(), roster_template(), bank_files.result_template()):
        workbook = load_workbook(io.BytesIO(content))
        cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
        assert cells and not any(c.data_type == "f" for c in cells)
        assert all(c.data_type in ("s", "n") for c in cells)

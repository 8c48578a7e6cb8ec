"""Bank files a bank imports: 代发 for persons and 批量转账 for organisations, a control record at the top and no total
row among the payments, 序号 1..n, 汇路 from the CNAPS bank code, and a true GBK file (names it cannot carry listed
and the file refused)."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from huzhou_craftsman.accounts.identifiers import non_gbk_characters
from huzhou_craftsman.accounts.models import AuditEvent, BankAccount
from huzhou_craftsman.accounts.roles import Role
from subsidies import bank_files, payments
from subsidies.bank_layouts import LAYOUTS, route
from subsidies.models import PaymentLine
from tests.conftest import login
from tests.factories import make_award, make_user, pdf_upload

pytestmark = pytest.mark.django_db

PAYROLL, TRANSFER = LAYOUTS["payroll"], LAYOUTS["transfer"]
PERSON_ID = "33050219800101001X"


@pytest.fixture
def batch(db):
    """An approved batch of three lines: two organisations and one person (set the way the payee work will)."""
    make_award(total="200000.00", instalments=("100000.00", "100000.00"))
    make_award(total="10000.00", instalments=("10000.00",))
    make_award(total="2916.67", instalments=("2916.67",), scheme="apprenticeship", level="")
    maker, checker = make_user(Role.FINANCE_MAKER), make_user(Role.FINANCE_CHECKER)
    ids = list(payments.instalments_due().values_list("pk", flat=True))
    batch = payments.batch_create(instalment_ids=ids, by=maker)
    assert set(batch.lines.values_list("payee_kind", flat=True)) == {"corporate"}  # what batch_create fills today
    PaymentLine.objects.filter(batch=batch, line_number=2).update(
        payee_kind="personal", payee_id_type="01", payee_id_number=PERSON_ID, account_name="王小明",
        account_number="6222021202041701419", bank_name="中国工商银行湖州分行", cnaps_code="102336000015",
    )  # fmt: skip
    payments.batch_approve(batch=batch, by=checker)
    batch.maker = maker
    return batch


def read_csv(batch, layout, encoding="utf-8-sig", use_copy=True) -> list[list[str]]:
    raw = b"".join(bank_files.csv_rows(batch, layout, encoding=encoding, use_copy=use_copy))
    return list(csv.reader(io.StringIO(raw.decode(encoding))))


def read_xlsx(batch, layout) -> list[tuple]:
    buffer = io.BytesIO()
    bank_files.write_xlsx(batch, buffer, layout)
    return list(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=True))


def test_a_batch_gives_one_file_per_kind_of_payee_with_its_own_totals(batch):
    files = {layout.code: totals for layout, totals in bank_files.batch_files(batch)}
    assert files == {
        "payroll": bank_files.FileTotals(1, Decimal("10000.00")),
        "transfer": bank_files.FileTotals(2, Decimal("102916.67")),
    }
    assert sum(t.total for t in files.values()) == batch.total


def test_the_payroll_file_has_the_exact_control_record_and_the_persons_id(batch, settings):
    rows = read_csv(batch, PAYROLL)
    assert rows[0] == ["批次号", "付款账号", "付款户名", "付款行联行号", "总笔数", "总金额", "业务类型"]
    assert rows[1] == [batch.number, settings.PAYER_ACCOUNT_NUMBER, settings.PAYER_ACCOUNT_NAME,
                       settings.PAYER_BANK_CNAPS, "1", "10000.00", "代发（对私）"]  # fmt: skip
    assert rows[2] == ["序号", "收款人账号", "收款人姓名", "证件类型", "证件号码", "金额", "开户行", "联行号", "汇路",
                       "用途", "备注"]  # fmt: skip
    (line,) = rows[3:]
    assert line[:9] == ["1", "6222021202041701419", "王小明", "01", PERSON_ID, "10000.00", "中国工商银行湖州分行",
                        "102336000015", "跨行"]  # fmt: skip
    assert line[9] == batch.purpose


def test_the_transfer_file_numbers_its_rows_and_holds_no_total_row(batch):
    for rows in (read_csv(batch, TRANSFER), [[str(c) for c in r] for r in read_xlsx(batch, TRANSFER)]):
        data = rows[3:]
        assert [r[0] for r in data] == ["1", "2"]  # 序号 of this file, not the batch's line numbers
        assert not any("合计" in cell for row in data for cell in row)
        assert rows[1][4] == str(len(data)) and Decimal(rows[1][5]) == sum(Decimal(r[6]) for r in data)
        assert {r[5] for r in data} == {"同行"}  # the factory's organisations bank with the payer's bank (105…)


def test_the_xlsx_keeps_numbers_as_text_and_amounts_as_numbers(batch):
    buffer = io.BytesIO()
    bank_files.write_xlsx(batch, buffer, PAYROLL)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [sheet.cell(row=4, column=c).data_type for c in (2, 3, 4, 5, 8)] == ["s"] * 5
    assert sheet.cell(row=4, column=5).value == PERSON_ID
    assert sheet.cell(row=4, column=6).data_type == "n" and Decimal(str(sheet.cell(row=4, column=6).value)) == 10000
    assert sheet.cell(row=2, column=6).data_type == "n"  # the control total


@pytest.mark.parametrize(
    ("payee", "expected"),
    [("105336000012", "同行"), ("105100000017", "同行"), ("102336000015", "跨行"), ("10533600001", "跨行"),
     ("", "跨行"), ("1053360000123", "跨行")],
)  # fmt: skip
def test_route_compares_the_bank_codes_of_the_cnaps_numbers(payee, expected):
    assert route("105336000012", payee) == expected


def test_the_route_follows_the_payers_bank_from_settings(batch, settings):
    settings.PAYER_BANK_CNAPS = "102336000015"
    assert read_csv(batch, PAYROLL)[3][8] == "同行"
    assert {r[5] for r in read_csv(batch, TRANSFER)[3:]} == {"跨行"}
    assert read_csv(batch, TRANSFER, use_copy=False) == read_csv(batch, TRANSFER)


def test_non_gbk_characters_lists_each_rare_character_once():
    assert non_gbk_characters("张𠮷䶮张𠮷") == ["𠮷", "䶮"]
    assert non_gbk_characters("湖州市吴兴区王小明") == []
    assert non_gbk_characters("") == []


def test_a_gbk_file_is_refused_while_a_name_gbk_cannot_carry_remains_and_the_refusal_is_audited(batch):
    PaymentLine.objects.filter(batch=batch, line_number=3).update(account_name="湖州𠮷䶮工艺有限公司")
    problems = bank_files.non_gbk_lines(batch, TRANSFER)
    assert [(p.number, p.characters) for p in problems] == [(2, ["𠮷", "䶮"])]
    with pytest.raises(ValidationError, match="GBK 文件无法导出") as refused:
        payments.batch_record_export(batch=batch, by=batch.maker, file_format="csv-gbk", layout="transfer")
    assert "第 2 笔 湖州𠮷䶮工艺有限公司（𠮷、䶮）" in refused.value.messages[0]
    assert "同音字或拼音" in refused.value.messages[0]
    batch.refresh_from_db()
    assert batch.state == "approved"  # nothing exported
    event = AuditEvent.objects.get(action="batch.export_refused")
    assert event.data["lines"] == [2] and event.data["layout"] == "transfer"
    # the persons' file has no such name: its GBK file is written and decodes with the strict codec
    payments.batch_record_export(batch=batch, by=batch.maker, file_format="csv-gbk", layout="payroll")
    assert read_csv(batch, PAYROLL, encoding="gbk")[3][2] == "王小明"
    # GB18030 carries every character
    assert read_csv(batch, TRANSFER, encoding="gb18030")[-1][2] == "湖州𠮷䶮工艺有限公司"


def test_the_gbk_file_is_true_gbk(batch):
    PaymentLine.objects.filter(batch=batch, line_number=1).update(account_name="浙江省湖州市镕铖锻造有限公司")
    raw = b"".join(bank_files.csv_rows(batch, TRANSFER, encoding="gbk"))
    text = raw.decode("gbk")  # strict
    assert "浙江省湖州市镕铖锻造有限公司" in text and raw == text.encode("gbk")


def test_the_finance_page_offers_both_files_lists_gbk_problems_and_masks_the_id(client, batch):
    PaymentLine.objects.filter(batch=batch, line_number=2).update(account_name="王𠮷")
    login(client, batch.maker)
    page = client.get(reverse("finance-batch", args=[batch.pk])).content.decode()
    assert 'data-testid="bank-file-payroll"' in page and 'data-testid="bank-file-transfer"' in page
    assert 'data-testid="gbk-problems-payroll"' in page and "第 1 笔" in page and "𠮷" in page
    assert 'data-testid="gbk-problems-transfer"' not in page
    assert PERSON_ID not in page and "330502********001X" in page
    response = client.post(reverse("finance-batch-export", args=[batch.pk, "csv-gbk"]), {"layout": "payroll"},
                           follow=True)  # fmt: skip
    assert "GBK 文件无法导出" in response.content.decode()
    response = client.post(reverse("finance-batch-export", args=[batch.pk, "csv"]), {"layout": "payroll"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert PERSON_ID in body  # the bank file is the one place with the full ID number
    assert response["Content-Disposition"] == f'attachment; filename="{batch.number}-payroll.csv"'


def test_a_name_outside_gbk_is_saved_with_a_warning_in_the_bank_details_form(client):
    enterprise = make_user(Role.ENTERPRISE)
    organisation = enterprise.organisation
    login(client, enterprise)
    response = client.post(
        reverse("organisation-bank", args=[organisation.pk]),
        {"bank_account_name": "湖州𠮷祥工艺有限公司", "bank_account_number": "33050161627000001234",
         "bank_name": "中国建设银行湖州分行", "bank_cnaps_code": "105336000012", "reason": "更名",
         "proof": pdf_upload()},
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert "不在 GBK 字符集内" in page and "𠮷" in page
    # A warning, not a refusal: the change is proposed (and waits for the district's verification).
    proposed = BankAccount.objects.get(organisation=organisation, state="pending")
    assert proposed.account_name == "湖州𠮷祥工艺有限公司"

"""Bank file layouts: what a bank's import program reads, one shape per kind of payee.

A batch may hold payments to persons and to organisations. Banks take them through two different products with
different mandatory columns — 代发 (payroll to persons, 对私: the payee's ID type and number are required and the
bank checks the name against them) and 批量转账 (transfers to organisations, 对公) — and refuse a file that mixes
them. So a batch is exported as **two files**, split by each line's ``payee_kind`` snapshot: persons in the 代发
file, organisations in the 批量转账 file, offered as two downloads. Finance never chooses a file per line: the
split is decided by the line itself, so a person's award cannot leave through the 对公 file (or the reverse) by a
wrong click.

Every file starts with a **control record** (批次号, 付款账号, 付款户名, 付款行联行号, 总笔数, 总金额, 业务类型) on
its first two rows — labels, then values — then the column headings, then one row per payment with 序号 1..n.
There is never a total row among the payments. The totals are those of the file (persons or organisations), from
one aggregate query, and equal the sum of its rows.

A bank with its own shape is one small subclass (other column order, other 证件类型 codes, other labels) registered
in ``LAYOUTS``; ``copy_select`` returns ``None`` for it unless it also gives the SQL for the database's CSV writer.
"""

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from huzhou_craftsman.exports import safe_text, sql_safe_text

from .payment_models import PaymentBatch, PaymentLine

SAME_BANK, OTHER_BANK = "同行", "跨行"
_CNAPS = re.compile(r"[0-9]{12}")


def sql_bank_text(expression: str) -> str:
    """A text cell in SQL: formula characters quoted (``sql_safe_text``); an empty text becomes NULL, which COPY
    writes as an empty cell (an empty string it would write as ``""``)."""
    return f"NULLIF({sql_safe_text(expression)}, '')"


@dataclass(frozen=True)
class Payer:
    """The bureau's paying account, from settings (PAYER_*)."""

    account_number: str
    account_name: str
    bank_name: str
    cnaps_code: str

    @classmethod
    def from_settings(cls) -> "Payer":
        return cls(settings.PAYER_ACCOUNT_NUMBER, settings.PAYER_ACCOUNT_NAME, settings.PAYER_BANK_NAME,
                   settings.PAYER_BANK_CNAPS)  # fmt: skip


@functools.lru_cache(maxsize=4096)  # a batch names few banks: one answer per code
def route(payer_cnaps: str, payee_cnaps: str) -> str:
    """汇路: 同行 when the payee's 12-character CNAPS code starts with the payer's bank code (the first three digits
    of the payer's 12-digit code), else 跨行. (Payee codes are checked to be 12 digits where they are entered.)"""
    if _CNAPS.fullmatch(payer_cnaps or "") and len(payee_cnaps or "") == 12 and payee_cnaps[:3] == payer_cnaps[:3]:
        return SAME_BANK
    return OTHER_BANK


def sql_route(payer_cnaps: str) -> tuple[str, list]:
    """The same as ``route`` in PostgreSQL, for the payer's code; returns the expression and its parameters."""
    if not _CNAPS.fullmatch(payer_cnaps or ""):
        return f"'{OTHER_BANK}'", []
    return (
        f"CASE WHEN length(cnaps_code) = 12 AND left(cnaps_code, 3) = %s THEN '{SAME_BANK}' ELSE '{OTHER_BANK}' END",
        [payer_cnaps[:3]],
    )


@dataclass(frozen=True)
class FileTotals:
    """The control totals of one file: its lines, not the whole batch."""

    count: int
    total: Decimal


# The text a line carries into a bank file (checked for characters outside GBK).
TEXT_FIELDS = ("account_number", "account_name", "bank_name", "cnaps_code", "note", "payee_id_type", "payee_id_number")


class BankLayout:
    """A layout: which lines (``payee_kind``), the control record, the column headings and one row per line."""

    code = ""
    name = ""  # shown to finance, translated
    business_type = ""  # written into the file, always Chinese whatever the page's language
    payee_kind = ""
    columns: tuple[str, ...] = ()
    control_columns = ("批次号", "付款账号", "付款户名", "付款行联行号", "总笔数", "总金额", "业务类型")

    def control_record(self, batch: PaymentBatch, payer: Payer, totals: FileTotals) -> list[list]:
        """The rows before the column headings: the control record's labels, then its values."""
        return [
            list(self.control_columns),
            [batch.number, payer.account_number, payer.account_name, payer.cnaps_code, totals.count, totals.total,
             self.business_type],
        ]  # fmt: skip

    fields: tuple[str, ...] = ()  # what ``row`` reads from a line

    def row(self, number: int, batch: PaymentBatch, line, payer: Payer) -> list:
        """One payment as cell values, raw: the writers make every text cell safe (``huzhou_craftsman.exports``)."""
        raise NotImplementedError

    def copy_select(self, batch: PaymentBatch, payer: Payer) -> tuple[str, list] | None:
        """The SELECT list giving ``row`` in SQL (for COPY), with its parameters; None when there is none."""
        return None


class PayrollLayout(BankLayout):
    """代发 (对私): payments to persons, with their ID type and number."""

    code = "payroll"
    name = _("代发（对私）")
    business_type = "代发（对私）"
    payee_kind = PaymentLine.PayeeKind.PERSONAL
    columns = ("序号", "收款人账号", "收款人姓名", "证件类型", "证件号码", "金额", "开户行", "联行号", "汇路", "用途",
               "备注")  # fmt: skip
    fields = ("account_number", "account_name", "payee_id_type", "payee_id_number", "amount", "bank_name",
              "cnaps_code", "note")  # fmt: skip

    def row(self, number, batch, line, payer):
        return [number, line.account_number, line.account_name, line.payee_id_type, line.payee_id_number, line.amount,
                line.bank_name, line.cnaps_code, route(payer.cnaps_code, line.cnaps_code), batch.purpose, line.note]  # fmt: skip

    def copy_select(self, batch, payer):
        route_sql, route_params = sql_route(payer.cnaps_code)
        t = sql_bank_text
        select = (f"row_number() OVER (ORDER BY line_number), {t('account_number')}, {t('account_name')},"
                  f" {t('payee_id_type')}, {t('payee_id_number')}, amount, {t('bank_name')}, {t('cnaps_code')},"
                  f" {route_sql}, NULLIF(%s, ''), {t('note')}")  # fmt: skip
        return select, [*route_params, safe_text(batch.purpose)]


class TransferLayout(BankLayout):
    """批量转账 (对公): payments to organisations."""

    code = "transfer"
    name = _("批量转账（对公）")
    business_type = "批量转账（对公）"
    payee_kind = PaymentLine.PayeeKind.CORPORATE
    columns = ("序号", "收款单位账号", "收款单位名称", "开户行", "联行号", "汇路", "金额", "用途", "备注")
    fields = ("account_number", "account_name", "bank_name", "cnaps_code", "amount", "note")

    def row(self, number, batch, line, payer):
        return [number, line.account_number, line.account_name, line.bank_name, line.cnaps_code,
                route(payer.cnaps_code, line.cnaps_code), line.amount, batch.purpose, line.note]  # fmt: skip

    def copy_select(self, batch, payer):
        route_sql, route_params = sql_route(payer.cnaps_code)
        t = sql_bank_text
        select = (f"row_number() OVER (ORDER BY line_number), {t('account_number')}, {t('account_name')},"
                  f" {t('bank_name')}, {t('cnaps_code')}, {route_sql}, amount, NULLIF(%s, ''), {t('note')}")  # fmt: skip
        return select, [*route_params, safe_text(batch.purpose)]


LAYOUTS: dict[str, BankLayout] = {layout.code: layout for layout in (PayrollLayout(), TransferLayout())}
LAYOUT_FOR_KIND = {layout.payee_kind: layout for layout in LAYOUTS.values()}

"""Cells of every CSV and XLSX file the portal writes: no text cell can start a formula.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or
carriage return lets one slip past a first check (OWASP, "CSV Injection"). A payee name ``=HYPERLINK(...)`` must
reach the bank and the auditor as the text it is, so every text cell that starts with one of these characters is
prefixed with a single quote ``'`` — in CSV and XLSX alike, by the one function below, and in SQL by the
expression ``sql_safe_text`` builds for the database's own CSV writer (the bank files' fast path), which gives the
very same text.

Only text is touched: a ``Decimal`` amount stays a number (a negative amount is a number, not a formula), an
account or ID number is text already and stays text. In XLSX every text cell is a string cell (type ``s``):
besides the formula prefixes, openpyxl would store ``#N/A`` and the other error words as error cells, and it
refuses control characters that XML cannot carry, so those are quoted and dropped respectively.

This module is the base layer (``huzhou_craftsman``): accounts, applications and subsidies all import it.
"""

import csv
from collections.abc import Iterable

from django.utils.functional import Promise
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as XLSX_ILLEGAL_CHARACTERS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PREFIXES = frozenset(FORMULA_PREFIXES)
QUOTE = "'"


def safe_text(value: str) -> str:
    """Return the text with a leading single quote when it starts with a formula character."""
    if value and value[0] in _PREFIXES:
        return QUOTE + value
    return value


def safe_cell(value):
    """Return a cell value that no spreadsheet reads as a formula: text is neutralised, numbers and dates kept."""
    if isinstance(value, Promise):  # a lazily translated label
        value = str(value)
    if isinstance(value, str):
        return safe_text(value)
    return value


def safe_row(values: Iterable) -> list:
    """Return the row with every cell made safe."""
    return [safe_cell(value) for value in values]


def xlsx_cell(value):
    """Return a value that openpyxl stores as a string cell when it is text (never a formula or an error cell)."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        if not value.isprintable():  # the characters XML cannot carry are all non-printable: a fast first test
            value = XLSX_ILLEGAL_CHARACTERS.sub("", value)
        if value and (value[0] in _PREFIXES or value in ERROR_CODES):
            return QUOTE + value
    return value


def xlsx_row(values: Iterable) -> list:
    """Return the row ready for ``sheet.append``: text cells are strings, numbers stay numbers."""
    return [xlsx_cell(value) for value in values]


def xlsx_append(sheet, values: Iterable) -> None:
    """Append one row to an openpyxl sheet (normal or write-only) with safe cells."""
    sheet.append(xlsx_row(values))


class SafeCsvWriter:
    """``csv.writer`` whose rows are made safe first; ``writerow`` returns what the underlying writer returns."""

    def __init__(self, target, **kwargs):
        self._writer = csv.writer(target, **kwargs)

    def writerow(self, values: Iterable):
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for values in rows:
            self._writer.writerow(safe_row(values))


def csv_writer(target, **kwargs) -> SafeCsvWriter:
    """Return a CSV writer (same arguments as ``csv.writer``) that never writes a formula cell."""
    return SafeCsvWriter(target, **kwargs)


def sql_safe_text(expression: str) -> str:
    """Return a PostgreSQL expression giving ``safe_text`` of a text expression (same characters, same quote).

    ``ascii()`` gives the code of the first character (0 for an empty text): one integer test per cell.
    """
    codes = ", ".join(str(ord(c)) for c in FORMULA_PREFIXES)
    return f"(CASE WHEN ascii({expression}) IN ({codes}) THEN '{QUOTE * 2}' || {expression} ELSE {expression} END)"

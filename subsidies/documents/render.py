"""What an approval document says (amounts in uppercase Chinese, dates, the QR code) and its HTML; ``document_pdf``
hands the HTML to the PDF engine in ``pdf.py``.

WeasyPrint is imported only there, and only when a PDF is made: web processes that merely show amounts or the
verification page never pay its ~0.7 s import. Nothing here writes to the database.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import cn2an
import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from applications.models import describe_level
from applications.schemes import registry
from subsidies.models import Award

from .models import Document
from .signing import signing_enabled

CENT = Decimal("0.01")
_UPPERCASE_WORDS = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+")
# Where verification links point when the setting is absent (the lead adds PORTAL_PUBLIC_URL per deployment).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
TEMPLATES = {
    Document.Kind.LETTER: "documents/letter.html",
    Document.Kind.SCHEDULE: "documents/schedule.html",
    Document.Kind.ROUND_NOTICE: "documents/round_notice.html",
}
# The element the visible seal is centred on (the issuing organ's name and the date, GB/T 9704-2012 7.3.5.1).
SEAL_ANCHOR = "seal"


class DocumentRenderError(Exception):
    """The PDF could not be produced (a refused resource, a layout error): a bug to fix, not something to retry."""


# --- Amounts ------------------------------------------------------------------------------------------------------


def money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_figures(amount: Decimal) -> str:
    """200000 → "200,000.00"."""
    return f"{money(amount):,.2f}"


def amount_in_words(amount: Decimal) -> str:
    """Write an amount as on cheques and official letters: 人民币贰拾万元整, 人民币贰仟玖佰壹拾陆元陆角柒分.

    cn2an's "rmb" mode gives the words ("贰拾万元整", "壹拾万元零伍分"); "整" follows whole yuan only, as the
    payment-settlement rules (支付结算办法) ask. The string form of the Decimal is passed, never a float.
    """
    value = money(amount)
    if value < 0:
        raise ValueError(f"amount must not be negative: {value}")
    words = cn2an.an2cn(f"{value:.2f}", "rmb")
    if not _UPPERCASE_WORDS.fullmatch(words):
        raise DocumentRenderError(f"cn2an returned unexpected words for {value}: {words!r}")
    return f"人民币{words}"


def chinese_date(day: date) -> str:
    """GB/T 9704-2012 writes the date in Arabic numerals, without leading zeros: 2026年5月3日."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- What a document says ------------------------------------------------------------------------------------------


def verify_url(document: Document) -> str:
    base = getattr(settings, "PORTAL_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
    return base + reverse("document-verify", args=[document.token])


def qr_svg(url: str) -> str:
    """An inline SVG QR code of the verification link (vector: sharp in print, a few kB in the PDF)."""
    # segno writes only its own path data and our URL-safe link: safe to insert unescaped.
    return mark_safe(segno.make(url, error="m", micro=False).svg_inline(border=0, omitsize=True))  # noqa: S308


@dataclass(frozen=True)
class InstalmentRow:
    year: int
    due_on: str
    figures: str
    words: str


def text_width_em(text: str) -> float:
    """Width of a line in em: CJK characters are one em, digits and Latin letters half an em."""
    return sum(0.5 if ord(char) < 0x2E80 else 1.0 for char in text)


def office_indent_em(office: str, date_text: str) -> float:
    """GB/T 9704-2012 7.3.5.1: the date four characters in from the right, the organ's name centred over the date."""
    return max(0.0, 4 + (text_width_em(date_text) - text_width_em(office)) / 2)


def _common_context(document: Document) -> dict:
    url = verify_url(document)
    date_text = chinese_date(timezone.localtime(document.requested_at).date())
    return {
        "office_indent_em": f"{office_indent_em(settings.ISSUING_OFFICE, date_text):.2f}",
        "document": document,
        "issuing_office": settings.ISSUING_OFFICE,
        "number": document.number,
        "date": date_text,
        "verify_url": url,
        "qr_svg": qr_svg(url),
        "sealed": signing_enabled(),
    }


@dataclass(frozen=True)
class NoticeRow:
    index: int
    holder: str
    organisation: str
    district: str
    item: str
    figures: str


def notice_awards(notice):
    """The awards a closed notice approved (an award is made only when its notice closes without objection)."""
    return (
        Award.objects.filter(application__notices=notice)
        .select_related("organisation", "person", "application__district")
        .order_by("scheme", "level", "application__district__sort_order", "application__number")
    )


def notice_context(document: Document) -> dict:
    """The round notice (通知): every award of the closed public notice, grouped as the table lists them."""
    notice = document.notice
    year = timezone.localtime(notice.closed_at or document.requested_at).year
    rows, total = [], Decimal("0")
    for index, award in enumerate(notice_awards(notice), start=1):
        scheme_label = registry.label(award.scheme)
        level = describe_level(award.scheme, award.level)
        rows.append(
            NoticeRow(
                index=index,
                holder=award.person.name if award.person else award.organisation.name,
                organisation=award.organisation.name,
                district=award.application.district.name if award.application.district_id else "",
                item=f"{scheme_label}（{level}）" if level else str(scheme_label),
                figures=amount_figures(award.total),
            )
        )
        total += award.total
    return {
        **_common_context(document),
        "notice": notice,
        "title": f"关于公布{year}年度湖州工匠培育工程资助名单的通知",
        "year": year,
        "rows": rows,
        "count": len(rows),
        "total_figures": amount_figures(total),
        "total_words": amount_in_words(total),
        "notice_started": chinese_date(notice.starts_on),
        "notice_ended": chinese_date(notice.ends_on),
        "addressees": settings.DOCUMENT_NOTICE_ADDRESSEES,
        "copies": settings.DOCUMENT_NOTICE_COPIES,
        "printer": settings.DOCUMENT_NOTICE_PRINTER,
    }


def document_context(document: Document) -> dict:
    """Everything the templates show, read from the award (or the notice) at the time of rendering."""
    if document.kind == Document.Kind.ROUND_NOTICE:
        return notice_context(document)
    award = document.award
    person = award.person
    organisation = award.organisation
    instalments = [
        InstalmentRow(
            year=i.year,
            due_on=chinese_date(i.due_on),
            figures=amount_figures(i.amount),
            words=amount_in_words(i.amount),
        )
        for i in award.instalments.all()
    ]
    scheme_label = registry.label(award.scheme)
    return {
        **_common_context(document),
        "award": award,
        "revoked_award": award.state == Award.State.REVOKED,
        "organisation": organisation,
        "person": person,
        "holder_name": person.name if person else organisation.name,
        "holder_id": person.masked_resident_id if person else organisation.uscc,
        "scheme_label": scheme_label,
        "level_label": describe_level(award.scheme, award.level),
        "basis": award.basis,
        "total_figures": amount_figures(award.total),
        "total_words": amount_in_words(award.total),
        "already_received": money(award.already_received) if award.already_received else None,
        "already_received_figures": amount_figures(award.already_received),
        "instalments": instalments,
        "payee_line": payee_line(award),
    }


def payee_line(award: Award) -> str:
    """Who receives the money and what is withheld, in the letter's words (RULES.md "Who is paid", "Tax")."""
    from subsidies import tax

    if award.pays_person:
        rule = tax.rule_for(payee_kind="person", scheme=award.scheme, role=award.application.details.get("role", ""))
        withheld = (
            f"，按“{rule.category}”代扣个人所得税{rule.rate_percent}，实发金额为扣税后金额"
            if rule is not None and rule.rate
            else ""
        )
        return f"资助款拨付至{award.person.name}本人名下经核验的个人银行账户（对私）{withheld}。"
    return f"资助款拨付至{award.organisation.name}经核验的单位银行账户（对公）。"


def document_html(document: Document) -> str:
    # The official text is Chinese whatever language the requesting user's pages were in.
    with translation.override("zh-hans"):
        return render_to_string(TEMPLATES[document.kind], document_context(document))


def invitation_letter_html(*, organisation_name: str, uscc: str, rows) -> str:
    """The invitation to register (免申即享): the rows of official lists waiting for an organisation the portal does
    not know yet (``applications.official_list_selectors.invitation_rows``), in the documents' print style."""
    base = getattr(settings, "PORTAL_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
    date_text = chinese_date(timezone.localdate())
    context = {
        "organisation_name": organisation_name,
        "uscc": uscc,
        "rows": rows,
        "register_url": base + reverse("register"),
        "issuing_office": settings.ISSUING_OFFICE,
        "date": date_text,
        "office_indent_em": f"{office_indent_em(settings.ISSUING_OFFICE, date_text):.2f}",
    }
    with translation.override("zh-hans"):
        return render_to_string("documents/invitation_letter.html", context)


def invitation_letter_pdf(**kwargs) -> bytes:
    from .pdf import html_to_pdf

    return html_to_pdf(invitation_letter_html(**kwargs))


def document_pdf(document: Document):
    """Render one document: the unsigned PDF bytes and where its seal goes (a ``signing.SealPlacement``)."""
    from .pdf import html_to_pdf_and_anchor

    return html_to_pdf_and_anchor(document_html(document), SEAL_ANCHOR)

"""The table rows of the two busiest lists, the reviewers' queue and the enterprise home, written in Python.

Fifty rows of a dozen template nodes each were most of these pages' time (issue 18: a third of the queue's CPU, more
than the bare list view's whole request). The markup is the templates' own, cell for cell, and every value goes
through ``format_html``, which escapes it as the templates do.
tests/applications/test_application_rows.py renders the rows both ways and compares them.
"""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from huzhou_craftsman.accounts.templatetags.portal import yuan

register = template.Library()

BADGES = {"returned": "warning", "approved": "success", "rejected": "danger", "draft": "secondary"}


def _minute(value, zone) -> str:
    """As the ``minute`` filter, with the time zone looked up once for all rows."""
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


QUEUE_ROW = (
    '<tr>{}<td data-label="{}"><a href="{}">{}</a></td><td data-label="{}">{}</td>'
    '<td data-label="{}">{}<br><small class="text-muted">{}</small></td><td data-label="{}">{}</td>'
    '<td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td>'
    '<td data-label="{}" class="money">{}</td></tr>\n'
)
HOME_ROW = (
    '<tr><td data-label="{}"><a href="{}">{}</a></td>'
    '<td data-label="{}">{}<br><small class="text-muted">{}</small></td><td data-label="{}">{}</td>'
    '<td data-label="{}"><span class="badge text-bg-{}">{}</span></td><td data-label="{}">{}{}</td>'
    '<td data-label="{}" class="money">{}</td></tr>\n'
)
PERSON = '{}<br><small class="text-muted">{}</small>'


@register.simple_tag
def queue_rows(rows, can_bulk: bool):
    """The ``<tr>`` of each ``QueueRow`` of the reviewers' queue (review_queue.html)."""
    zone = timezone.get_current_timezone()
    number, organisation, scheme, person, district, state, submitted, amount = map(gettext, (
        "编号", "申报单位", "类别与级别", "人员", "区县", "状态", "提交时间", "测算金额（元）"
    ))  # fmt: skip
    choose = gettext("选择")
    html = []
    for row in rows:
        check = (
            format_html(
                '<td><input class="form-check-input" type="checkbox" name="ids" value="{}" aria-label="{} {}"></td>',
                row.pk,
                choose,
                row.number,
            )  # fmt: skip
            if can_bulk
            else ""
        )
        who = format_html(PERSON, row.person_name, row.masked_resident_id) if row.person_name else "—"
        html.append(format_html(
            QUEUE_ROW, check, number, reverse("review-detail", args=[row.pk]), row.number,
            organisation, row.organisation_name, scheme, row.scheme_label, row.level_label, person, who,
            district, gettext(row.district_name), state, row.state_label, submitted, _minute(row.submitted_at, zone),
            amount, yuan(row.estimate_total),
        ))  # fmt: skip
    return mark_safe("".join(html))  # noqa: S308 - every piece is format_html's


@register.simple_tag
def home_rows(rows):
    """The ``<tr>`` of each ``HomeRow`` of the enterprise home (enterprise_home.html)."""
    zone = timezone.get_current_timezone()
    number, scheme, person, state, next_step, amount = map(gettext, (
        "编号", "类别与级别", "人员", "状态", "下一步", "测算金额（元）"
    ))  # fmt: skip
    html = []
    for row in rows:
        who = format_html(PERSON, row.person_display_name, row.masked_resident_id) if row.has_person else "—"
        closes = (
            format_html(
                '<br><small class="text-muted">{}</small>', gettext("截止 %(t)s") % {"t": _minute(row.closes_at, zone)}
            )  # fmt: skip
            if row.state == "draft"
            else ""
        )
        html.append(format_html(
            HOME_ROW, number, reverse("application-detail", args=[row.pk]), row.number,
            scheme, row.scheme_label, row.level_label, person, who,
            state, BADGES.get(row.state, "info"), row.public_state, next_step, row.next_step or "—", closes,
            amount, yuan(row.estimate_total),
        ))  # fmt: skip
    return mark_safe("".join(html))  # noqa: S308 - every piece is format_html's

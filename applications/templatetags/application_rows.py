"""The table rows of the two busiest lists, the reviewers' queue and the enterprise home, written in Python.

Fifty rows of a dozen template nodes each were most of these pages' time (issue 18: a third of the queue's CPU, more
than the bare list view's whole request). The markup is the templates' own, cell for cell, and every value is
escaped as the templates escape it (``html.escape``, which Django's ``escape`` calls); only the fixed markup is not.
tests/applications/test_application_rows.py renders the rows both ways and compares them.
"""

from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from huzhou_craftsman.accounts.templatetags.portal import yuan

register = template.Library()

BADGES = {"returned": "warning", "approved": "success", "rejected": "danger", "draft": "secondary"}


def _e(value) -> str:
    return escape(str(value))


def _minute(value, zone) -> str:
    """As the ``minute`` filter, with the time zone looked up once for all rows."""
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


def _labels(*texts: str) -> list[str]:
    return [_e(gettext(text)) for text in texts]


@register.simple_tag
def queue_rows(rows, can_bulk: bool):
    """The ``<tr>`` of each ``QueueRow`` of the reviewers' queue (review_queue.html)."""
    zone = timezone.get_current_timezone()
    number, organisation, scheme, person, district, state, submitted, amount = _labels(
        "编号", "申报单位", "类别与级别", "人员", "区县", "状态", "提交时间", "测算金额（元）"
    )
    choose = _e(gettext("选择"))
    html = []
    for row in rows:
        check = (
            f'<td><input class="form-check-input" type="checkbox" name="ids" value="{row.pk}" '
            f'aria-label="{choose} {_e(row.number)}"></td>'
            if can_bulk
            else ""
        )
        who = (
            f'{_e(row.person_name)}<br><small class="text-muted">{_e(row.masked_resident_id)}</small>'
            if row.person_name
            else "—"
        )
        html.append(
            f"<tr>{check}"
            f'<td data-label="{number}"><a href="{_e(reverse("review-detail", args=[row.pk]))}">{_e(row.number)}</a></td>'
            f'<td data-label="{organisation}">{_e(row.organisation_name)}</td>'
            f'<td data-label="{scheme}">{_e(row.scheme_label)}<br><small class="text-muted">{_e(row.level_label)}</small></td>'
            f'<td data-label="{person}">{who}</td>'
            f'<td data-label="{district}">{_e(gettext(row.district_name))}</td>'
            f'<td data-label="{state}">{_e(row.state_label)}</td>'
            f'<td data-label="{submitted}">{_minute(row.submitted_at, zone)}</td>'
            f'<td data-label="{amount}" class="money">{_e(yuan(row.estimate_total))}</td></tr>\n'
        )  # fmt: skip
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped above


@register.simple_tag
def home_rows(rows):
    """The ``<tr>`` of each ``HomeRow`` of the enterprise home (enterprise_home.html)."""
    zone = timezone.get_current_timezone()
    number, scheme, person, state, next_step, amount = _labels(
        "编号", "类别与级别", "人员", "状态", "下一步", "测算金额（元）"
    )
    html = []
    for row in rows:
        who = (
            f'{_e(row.person_display_name)}<br><small class="text-muted">{_e(row.masked_resident_id)}</small>'
            if row.has_person
            else "—"
        )
        closes = (
            f'<br><small class="text-muted">{_e(gettext("截止 %(t)s") % {"t": _minute(row.closes_at, zone)})}</small>'
            if row.state == "draft"
            else ""
        )
        html.append(
            "<tr>"
            f'<td data-label="{number}"><a href="{_e(reverse("application-detail", args=[row.pk]))}">{_e(row.number)}</a></td>'
            f'<td data-label="{scheme}">{_e(row.scheme_label)}<br><small class="text-muted">{_e(row.level_label)}</small></td>'
            f'<td data-label="{person}">{who}</td>'
            f'<td data-label="{state}"><span class="badge text-bg-{BADGES.get(row.state, "info")}">{_e(row.public_state)}</span></td>'
            f'<td data-label="{next_step}">{_e(row.next_step or "—")}{closes}</td>'
            f'<td data-label="{amount}" class="money">{_e(yuan(row.estimate_total))}</td></tr>\n'
        )  # fmt: skip
    return mark_safe("".join(html))  # noqa: S308 - every value is escaped above

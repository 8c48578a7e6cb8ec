"""The queue's and the enterprise home's rows are written in Python (applications/templatetags/application_rows.py,
issue 18); they must be what the templates' own loops rendered, cell for cell, escaped the same way."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from applications.queue import QueueRow
from applications.selectors import HomeRow

pytestmark = pytest.mark.django_db

# The templates' loops as they were before the rows moved to Python.
QUEUE_LOOP = """{% load i18n portal %}{% translate "选择" as choose %}
  {% for app in page %}
    <tr>
      {% if can_bulk %}<td><input class="form-check-input" type="checkbox" name="ids" value="{{ app.pk }}" aria-label="{{ choose }} {{ app.number }}"></td>{% endif %}
      <td data-label="{% translate "编号" %}"><a href="{% url 'review-detail' app.pk %}">{{ app.number }}</a></td>
      <td data-label="{% translate "申报单位" %}">{{ app.organisation_name }}</td>
      <td data-label="{% translate "类别与级别" %}">{{ app.scheme_label }}<br><small class="text-muted">{{ app.level_label }}</small></td>
      <td data-label="{% translate "人员" %}">{% if app.person_name %}{{ app.person_name }}<br><small class="text-muted">{{ app.masked_resident_id }}</small>{% else %}—{% endif %}</td>
      <td data-label="{% translate "区县" %}">{% translate app.district_name %}</td>
      <td data-label="{% translate "状态" %}">{{ app.state_label }}</td>
      <td data-label="{% translate "提交时间" %}">{{ app.submitted_at|minute }}</td>
      <td data-label="{% translate "测算金额（元）" %}" class="money">{{ app.estimate_total|yuan }}</td>
    </tr>
  {% endfor %}"""

HOME_LOOP = """{% load i18n portal %}
          {% for app in applications %}
            <tr>
              <td data-label="{% translate "编号" %}"><a href="{% url 'application-detail' app.pk %}">{{ app.number }}</a></td>
              <td data-label="{% translate "类别与级别" %}">{{ app.scheme_label }}<br><small class="text-muted">{{ app.level_label }}</small></td>
              <td data-label="{% translate "人员" %}">{% if app.has_person %}{{ app.person_display_name }}<br><small class="text-muted">{{ app.masked_resident_id }}</small>{% else %}—{% endif %}</td>
              <td data-label="{% translate "状态" %}"><span class="badge text-bg-{% if app.state == 'returned' %}warning{% elif app.state == 'approved' %}success{% elif app.state == 'rejected' %}danger{% elif app.state == 'draft' %}secondary{% else %}info{% endif %}">{{ app.public_state }}</span></td>
              <td data-label="{% translate "下一步" %}">{{ app.next_step|default:"—" }}{% if app.state == 'draft' %}<br><small class="text-muted">{% blocktranslate with t=app.closes_at|minute %}截止 {{ t }}{% endblocktranslate %}</small>{% endif %}</td>
              <td data-label="{% translate "测算金额（元）" %}" class="money">{{ app.estimate_total|yuan }}</td>
            </tr>
          {% endfor %}"""

AT = datetime(2026, 11, 30, 16, 5, tzinfo=UTC)


def same_markup(html: str) -> str:
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)).strip()


def render(source: str, **context) -> str:
    return same_markup(engines["django"].from_string(source).render(context))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("can_bulk", [True, False])
def test_queue_rows_are_the_templates_rows(language, can_bulk):
    rows = [
        QueueRow(7, "HZGJ2026000007", "craftsman_title", "grand", "submitted", AT, Decimal("200000"), "湖州<精工>有限公司",
                 "吴兴区", "王建华", "330502198503170110"),
        QueueRow(8, "HZGJ2026000008", "master_studio", "municipal", "list_check", None, None, "A & B", "南浔区", None,
                 None),
    ]  # fmt: skip
    with translation.override(language):
        expected = render(QUEUE_LOOP, page=rows, can_bulk=can_bulk)
        written = render("{% load application_rows %}{% queue_rows page can_bulk %}", page=rows, can_bulk=can_bulk)
    assert written == expected and written.count("<tr>") == len(rows)
    assert "湖州&lt;精工&gt;有限公司" in written and "A &amp; B" in written and "330502198503170110" not in written


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_home_rows_are_the_templates_rows(language):
    rows = [
        HomeRow(1, "HZGJ2026000001", "craftsman_title", "craftsman", "draft", None, "张<填报>", "王建华",
                "330502198503170110", AT),
        HomeRow(2, "HZGJ2026000002", "craftsman_title", "grand", "approved", Decimal("190000.5"), "", "李四",
                "330502198503170129", AT),
        HomeRow(3, "HZGJ2026000003", "master_studio", "municipal", "returned", Decimal("0"), "", None, None, AT),
        HomeRow(4, "HZGJ2026000004", "craftsman_title", "craftsman", "city_review", None, "", "赵六",
                "330502198503170137", AT),
    ]  # fmt: skip
    with translation.override(language):
        expected = render(HOME_LOOP, applications=rows)
        written = render("{% load application_rows %}{% home_rows applications %}", applications=rows)
    assert written == expected and written.count("<tr>") == len(rows)
    assert "张&lt;填报&gt;" in written and "李四" in written and "text-bg-warning" in written

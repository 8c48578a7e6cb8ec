"""People read names, not codes: every audit event and state has a name in both languages, and timelines, the
batch page, the audit list and its export use them, with people by their names."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from huzhou_craftsman import public_names
from huzhou_craftsman.accounts.roles import Role
from subsidies import payments
from tests.applications.test_notices import craftsman_awaiting
from tests.conftest import login
from tests.factories import make_award, make_user

ROOT = Path(__file__).resolve().parent.parent
# An audit event's action as the code writes it: audit_record(action="batch.approve", ...).
ACTION_LITERAL = re.compile(r'action="((?:[a-z0-9_]+\.)?[a-z0-9_]+)"')


def audit_actions_in_the_code() -> set[str]:
    found = set()
    for package in ("applications", "subsidies", "huzhou_craftsman"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for call in re.finditer(r"audit_record\(", text):
                match = ACTION_LITERAL.search(text, call.end(), call.end() + 300)
                if match:
                    # the whole expression: action="notice.close_early" if early else "notice.close"
                    expression = text[match.start() : text.find(",", match.start())]
                    found.update(re.findall(r'"((?:[a-z0-9_]+\.)?[a-z0-9_]+)"', expression))
    return found


def test_the_scan_finds_the_audit_events():
    actions = audit_actions_in_the_code()
    assert {
        "attachment.upload",
        "batch.approve",
        "login.failed",
        "logout",
        "notice.close",
        "notice.close_early",
    } <= actions


def test_every_audit_event_in_the_code_has_a_name():
    nameless = sorted(a for a in audit_actions_in_the_code() if public_names.event_name(a) == a)
    assert nameless == [], f"add these to huzhou_craftsman.public_names.EVENT_NAMES: {nameless}"


def test_every_workflow_move_is_named_after_its_action():
    from applications.workflow import Action

    for action in Action:
        assert public_names.event_name(f"application.{action.value}") == str(action.label)


@pytest.mark.parametrize("action", sorted(public_names.EVENT_NAMES))
def test_every_event_name_has_an_english_translation(action):
    chinese = public_names.event_name(action)
    with translation.override("en"):
        english = public_names.event_name(action)
    assert english != chinese and english.isascii(), action


@pytest.mark.parametrize(
    ("target", "code", "name"),
    [
        ("applications.application", "awaiting_notice", "待公示"),
        ("subsidies.paymentbatch", "awaiting_check", "待复核"),
        ("subsidies.paymentline", "paid", "已支付"),
        ("subsidies.document", "ready", "有效"),
        ("accounts.organisation", "verified", "已认定"),
        ("no.such_model", "odd", "odd"),
    ],
)
def test_states_are_named_by_the_model_the_event_is_about(target, code, name):
    assert public_names.state_name(target, code) == name


@pytest.mark.django_db
def test_the_review_timeline_shows_names_and_people_not_codes(client):
    enterprise = make_user(Role.ENTERPRISE, full_name="李企业", username="li_enterprise")
    application = craftsman_awaiting(enterprise, seq=31)
    login(client, make_user(Role.CITY_REVIEWER))
    page = client.get(reverse("review-detail", args=[application.pk])).content.decode()
    timeline = re.sub(r"<[^>]+>", "", page[page.index('id="timeline-h"') :])
    assert "李企业 · 创建申报草稿" in timeline
    assert "上传申报材料" in timeline
    assert "提交 （草稿 → 待区县初审）" in timeline
    assert "市级审批同意 （待市级审批 → 待公示）" in timeline
    for code in ("application.create", "attachment.upload", "draft", "submitted", "li_enterprise"):
        assert code not in timeline, code


@pytest.mark.django_db
def test_the_review_timeline_reads_in_english_too(client):
    application = craftsman_awaiting(make_user(Role.ENTERPRISE), seq=32)
    login(client, make_user(Role.CITY_REVIEWER))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("review-detail", args=[application.pk])).content.decode()
    timeline = page[page.index('id="timeline-h"') :]
    assert "application.create" not in timeline and "创建申报草稿" not in timeline
    assert "上传申报材料" not in timeline
    assert "Material uploaded" in timeline


@pytest.fixture
def batch(db):
    make_award(total="10000.00", instalments=("10000.00",))
    maker, checker = make_user(Role.FINANCE_MAKER, full_name="王经办"), make_user(Role.FINANCE_CHECKER)
    batch = payments.batch_create(
        instalment_ids=list(payments.instalments_due().values_list("pk", flat=True)), by=maker
    )
    payments.batch_approve(batch=batch, by=checker)
    return batch


def test_the_batch_page_names_line_states_in_chinese(client, batch):
    login(client, make_user(Role.FINANCE_CHECKER))
    page = client.get(reverse("finance-batch", args=[batch.pk])).content.decode()
    totals = page[page.index("分状态合计") :]
    assert "待银行处理" in totals
    assert not re.search(r">\s*(pending|paid|failed|reversed|cancelled)\s*<", page)


def test_the_audit_list_and_export_show_names_with_codes_beside_them(client, batch):
    login(client, make_user(Role.AUDITOR))
    page = client.get(reverse("audit-events")).content.decode()
    assert "复核通过付款批次" in page
    assert "待复核 → 已复核，可导出" in page
    assert "awaiting_check → approved" not in page
    assert "王经办" in page
    response = client.get(reverse("audit-events-export"))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff时间,操作人,操作人账号,事件,事件代码,")
    assert ",复核通过付款批次,batch.approve,付款批次," in body
    assert ',待复核,"已复核，可导出",' in body or ",待复核,已复核，可导出," in body

"""A person's award goes to the person's own verified account, with income tax withheld; an organisation's to its
account; older awards keep paying the organisation until finance confirms the person (RULES.md "Who is paid", "Tax")."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications import services as intake
from huzhou_craftsman.accounts.models import AuditEvent, BankAccount
from huzhou_craftsman.accounts.roles import Role
from subsidies import payee_changes, payments, tax
from subsidies.models import Award, WithholdingRule
from subsidies.payment_models import PaymentLine
from tests.applications.conftest import attach_required, craftsman_post, save_draft
from tests.applications.test_notices import awaiting_notice, submitted
from tests.conftest import login
from tests.factories import RoundFactory, make_resident_id, make_user, verified_person_account
from tests.subsidies.test_awards import approve_through_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise():
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def maker():
    return make_user(Role.FINANCE_MAKER)


def grand_award(enterprise, seq=1) -> Award:
    data = craftsman_post(level="grand", person_resident_id=make_resident_id(seq, birth="19750101"))
    return approve_through_notice(
        awaiting_notice(submitted(enterprise, RoundFactory(), data)), make_user(Role.CITY_APPROVER)
    )


def test_a_persons_award_is_paid_to_the_persons_own_account_with_tax_withheld(enterprise, maker):
    award = grand_award(enterprise)
    assert award.payee_kind == "person"
    own = BankAccount.objects.get(holder_kind="person", person_resident_id=award.person.resident_id)
    year_one = award.instalments.get(year=1)

    batch = payments.batch_create(instalment_ids=[year_one.pk], by=maker)

    (line,) = batch.lines.all()
    assert line.payee_kind == PaymentLine.PayeeKind.PERSONAL
    assert (line.account_name, line.account_number) == (award.person.name, own.account_number)
    assert line.account_number != enterprise.organisation.bank_account_number  # never the employer's account
    assert (line.payee_id_type, line.payee_id_number) == ("01", award.person.resident_id)
    assert (line.gross, line.tax_withheld, line.amount) == (
        Decimal("100000.00"),
        Decimal("20000.00"),
        Decimal("80000.00"),
    )
    assert line.tax_category == "偶然所得"
    assert batch.total == Decimal("80000.00")  # the bank pays the net


def test_an_expert_teams_award_goes_to_the_organisation_untaxed(enterprise, maker):
    data = {"person_name": "王队长", "person_resident_id": make_resident_id(20), "trade": ("数控铣",), "level": "gold",
            "role": "expert_team", "team_members": f"张三,{make_resident_id(21)}"}  # fmt: skip
    award = approve_through_notice(
        awaiting_notice(submitted(enterprise, RoundFactory(scheme="competition"), data)), make_user(Role.CITY_APPROVER)
    )
    assert award.payee_kind == "organisation"
    batch = payments.batch_create(instalment_ids=list(award.instalments.values_list("pk", flat=True)), by=maker)
    (line,) = batch.lines.all()
    assert line.payee_kind == PaymentLine.PayeeKind.CORPORATE and line.payee_id_number == ""
    assert (line.gross, line.tax_withheld, line.amount) == (Decimal("500000.00"), Decimal("0.00"), Decimal("500000.00"))


def test_a_persons_payment_is_held_while_the_persons_account_awaits_its_second_person(enterprise, maker):
    award = grand_award(enterprise, seq=2)
    account = BankAccount.objects.get(holder_kind="person", person_resident_id=award.person.resident_id)
    BankAccount.objects.filter(pk=account.pk).update(state="superseded")
    BankAccount.objects.create(
        holder_kind="person", person_resident_id=award.person.resident_id, person_name=award.person.name,
        account_type="personal", account_name=award.person.name, account_number="6222000011112222333",
        bank_name="中国银行湖州分行", cnaps_code="104336000017", state="pending",
    )  # fmt: skip
    due = {i.pk: i.payee_held for i in payments.instalments_due()}
    year_one = award.instalments.get(year=1)
    assert due[year_one.pk] is True
    with pytest.raises(ValidationError, match="待核验"):
        payments.batch_create(instalment_ids=[year_one.pk], by=maker)


def test_submission_asks_for_the_persons_own_account(enterprise):
    round = RoundFactory()
    data = craftsman_post(person_resident_id=make_resident_id(3))
    application = save_draft(enterprise, round, data)
    BankAccount.objects.filter(person_resident_id=application.person.resident_id).delete()
    attach_required(application, enterprise)
    assert any("领奖人本人的银行账户" in p for p in intake.submission_problems(application))


def test_the_enterprise_enters_the_nominees_account_on_the_application_page(client, enterprise):
    application = save_draft(enterprise, RoundFactory(), craftsman_post(person_resident_id=make_resident_id(4)))
    BankAccount.objects.filter(person_resident_id=application.person.resident_id).delete()
    login(client, enterprise)
    page = client.get(reverse("application-detail", args=[application.pk])).content.decode()
    assert "尚未填写领奖人账户" in page and "20%" in page  # the tax is said before submission
    from tests.factories import pdf_upload

    wrong_name = {"account_type": "personal", "account_name": "别人", "account_number": "6217000010009999888",
                  "bank_name": "中国工商银行湖州分行", "cnaps_code": "102336000015", "proof": pdf_upload()}  # fmt: skip
    client.post(reverse("application-payee", args=[application.pk]), wrong_name, follow=True)
    assert not BankAccount.objects.filter(person_resident_id=application.person.resident_id).exists()
    client.post(reverse("application-payee", args=[application.pk]),
                {**wrong_name, "account_name": application.person.name, "proof": pdf_upload()})  # fmt: skip
    pending = BankAccount.objects.get(person_resident_id=application.person.resident_id)
    assert pending.state == "pending" and pending.submitted_by == enterprise
    assert not any("领奖人本人的银行账户" in p for p in intake.submission_problems(application))


def test_a_changed_withholding_setting_is_audited_and_applies_to_what_is_not_in_a_batch(enterprise, maker):
    award = grand_award(enterprise, seq=5)
    checker = make_user(Role.FINANCE_CHECKER)
    with pytest.raises(PermissionDenied):
        tax.withholding_set(payee_kind="person", rate=Decimal("0.1"), category="偶然所得", reason="x", by=maker)
    with pytest.raises(ValidationError):
        tax.withholding_set(payee_kind="person", rate=Decimal("1.5"), category="偶然所得", reason="x", by=checker)
    tax.withholding_set(payee_kind="person", scheme="craftsman_title", rate=Decimal("0.1"), category="偶然所得",
                        reason="局务会纪要〔2026〕9号", by=checker)  # fmt: skip
    event = AuditEvent.objects.get(action="withholding.set")
    assert event.data["after"]["rate"] == "0.1" and event.data["before"] is None
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=maker)
    assert batch.lines.get().tax_withheld == Decimal("10000.00")
    assert WithholdingRule.objects.filter(payee_kind="person", scheme="").get().rate == Decimal("0.2")


def test_an_older_persons_award_keeps_paying_the_organisation_until_finance_confirms(client, enterprise, maker):
    award = grand_award(enterprise, seq=6)
    Award.objects.filter(pk=award.pk).update(payee_kind="organisation")  # approved before payees existed
    (listed,) = payee_changes.legacy_person_awards()
    assert listed.award.pk == award.pk and listed.account.verified is not None
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=maker)
    assert batch.lines.get().payee_kind == PaymentLine.PayeeKind.CORPORATE  # unchanged until confirmed
    with pytest.raises(PermissionDenied):
        payee_changes.award_payee_confirm(award=award, by=maker)
    checker = make_user(Role.FINANCE_CHECKER)
    login(client, checker)
    assert "确认改为拨付本人" in client.get(reverse("finance-due")).content.decode()
    client.post(reverse("finance-payee-confirm", args=[award.pk]))
    award.refresh_from_db()
    assert award.payee_kind == "person" and payee_changes.legacy_person_awards() == []
    assert AuditEvent.objects.filter(action="award.payee_confirm", target_id=str(award.pk)).exists()


def test_the_letter_and_the_due_list_say_who_is_paid(client, enterprise):
    from subsidies.documents.render import payee_line

    award = grand_award(enterprise, seq=7)
    assert f"拨付至{award.person.name}本人" in payee_line(award) and "20%" in payee_line(award)
    login(client, make_user(Role.FINANCE_MAKER))
    page = client.get(reverse("finance-due")).content.decode()
    assert award.person.name in page and "对私" in page


def test_the_withholding_report_lists_paid_lines_and_adds_up(client, enterprise, maker):
    award = grand_award(enterprise, seq=8)
    verified_person_account(award.person)
    batch = payments.batch_create(instalment_ids=[award.instalments.get(year=1).pk], by=maker)
    now = timezone.now()
    batch.lines.update(state="paid", result_at=now)
    login(client, maker)
    response = client.get(reverse("finance-withholding"), {"month": f"{timezone.localtime(now):%Y-%m}"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary = list(workbook["汇总"].iter_rows(values_only=True))
    detail = list(workbook["明细"].iter_rows(values_only=True))
    assert summary[1][2:] == (1, 100000, 20000, 80000)
    assert detail[1][3] == award.person.name and "*" in detail[1][5]  # the ID number is masked
    assert detail[1][7:10] == (100000, 20000, 80000)
    assert client.get(reverse("finance-withholding"), {"month": "2026-13"}).status_code == 404
    login(client, enterprise)
    assert client.get(reverse("finance-withholding")).status_code == 403


def test_the_enterprise_sees_gross_tax_and_net_of_a_persons_award(client, enterprise):
    award = grand_award(enterprise, seq=9)
    login(client, enterprise)
    page = client.get(reverse("award-list")).content.decode()
    assert f"{award.person.name} 本人账户（对私）" in page
    assert "100,000.00" in page and "20,000.00" in page and "80,000.00" in page


def test_a_persons_failed_payment_is_sent_again_only_to_the_persons_account_verified_since(enterprise, maker):
    from huzhou_craftsman.accounts.bank_services import bank_account_propose, bank_account_verify
    from tests.factories import pdf_upload
    from tests.subsidies.test_payments import import_results

    award = grand_award(enterprise, seq=3)
    year_one = award.instalments.get(year=1)
    checker = make_user(Role.FINANCE_CHECKER)
    batch = payments.batch_create(instalment_ids=[year_one.pk], by=maker)
    payments.batch_approve(batch=batch, by=checker)
    payments.batch_record_export(batch=batch, by=maker, file_format="xlsx")
    line = batch.lines.get()
    import_results(batch, maker, [[line.account_number, f"{line.amount:.2f}", "失败", "户名与账号不符"]])

    def due():
        return set(payments.instalments_due().values_list("pk", flat=True))

    assert year_one.pk not in due()
    # the employer's account changing does not make the person's payment payable again
    enterprise.organisation.bank_details_changed_at = timezone.now()
    enterprise.organisation.save(update_fields=["bank_details_changed_at"])
    assert year_one.pk not in due()
    # the person's own corrected account, verified by a second person, does
    account = bank_account_propose(
        person_resident_id=award.person.resident_id, person_name=award.person.name, proof=pdf_upload(),
        details={"account_type": "personal", "account_name": award.person.name, "account_number": "6222021202041701419",
                 "bank_name": "中国工商银行湖州分行", "cnaps_code": "102336000015"},
        by=enterprise, reason="银行退回：户名与账号不符",
    )  # fmt: skip
    assert year_one.pk not in due() or payments.instalments_due().get(pk=year_one.pk).payee_held
    bank_account_verify(account=account, by=checker)
    assert year_one.pk in due()
    again = payments.batch_create(instalment_ids=[year_one.pk], by=maker)
    assert again.lines.get().account_number == "6222021202041701419"

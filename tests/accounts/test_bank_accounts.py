"""Payee bank accounts: a change is proposed with a proof and verified by a second person before money moves;
payments of a payee with a pending change are held; nobody sees another organisation's account."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from huzhou_craftsman.accounts import bank_services
from huzhou_craftsman.accounts.bank_selectors import payee_account_for
from huzhou_craftsman.accounts.models import AuditEvent, BankAccount, Organisation
from huzhou_craftsman.accounts.roles import Role
from huzhou_craftsman.accounts.services import organisation_verify
from subsidies import payments
from tests.conftest import login
from tests.factories import OrganisationFactory, district, make_award, make_resident_id, make_user, pdf_upload

pytestmark = pytest.mark.django_db

NEW = {
    "account_type": "corporate",
    "account_number": "6222021202041701419",
    "bank_name": "中国工商银行湖州分行",
    "cnaps_code": "102336000015",
}


def propose(enterprise, **overrides):
    details = {**NEW, "account_name": enterprise.organisation.name, **overrides}
    return bank_services.bank_account_propose(
        organisation=enterprise.organisation, details=details, proof=pdf_upload("开户证明.pdf"), by=enterprise,
        reason="更换基本户",
    )  # fmt: skip


@pytest.fixture
def enterprise(db):
    return make_user(Role.ENTERPRISE)


@pytest.fixture
def reviewer(db):
    return make_user(Role.DISTRICT_REVIEWER, district=district("wuxing"))


@pytest.fixture
def maker(db):
    return make_user(Role.FINANCE_MAKER)


def test_a_change_verified_by_a_second_person_pays_the_new_account(enterprise, reviewer, maker):
    # given an award due to the enterprise and a change of its account
    award = make_award(organisation=enterprise.organisation)
    instalment = award.instalments.get()
    account = propose(enterprise)
    # then the old account stays in force and the instalment is held
    payee = payee_account_for(organisation=enterprise.organisation)
    assert payee.held and payee.pending == account and payee.verified.account_number == "33050161627000001234"
    assert payments.instalments_due().get(pk=instalment.pk).payee_held
    with pytest.raises(ValidationError, match="待核验"):
        payments.batch_create(instalment_ids=[instalment.pk], by=maker)
    # when a district reviewer of its district verifies it
    bank_services.bank_account_verify(account=account, by=reviewer)
    # then the next batch pays the new account
    batch = payments.batch_create(instalment_ids=[instalment.pk], by=maker)
    line = batch.lines.get()
    assert (line.account_number, line.cnaps_code) == ("6222021202041701419", "102336000015")
    states = dict(
        BankAccount.objects.filter(organisation=enterprise.organisation).values_list("state", "account_number")
    )
    assert states == {"superseded": "33050161627000001234", "verified": "6222021202041701419"}
    enterprise.organisation.refresh_from_db()
    assert enterprise.organisation.bank_account_number == "6222021202041701419"
    assert set(AuditEvent.objects.filter(target_id=str(account.pk)).values_list("action", flat=True)) == {
        "bank_account.propose",
        "bank_account.verify",
    }


def test_a_held_instalment_is_left_out_of_a_batch_of_several_and_shown_on_the_due_list(client, enterprise, maker):
    held = make_award(organisation=enterprise.organisation).instalments.get()
    payable = make_award().instalments.get()
    propose(enterprise)
    batch = payments.batch_create(instalment_ids=[held.pk, payable.pk], by=maker)
    assert list(batch.lines.values_list("instalment_id", flat=True)) == [payable.pk]
    assert batch.held_count == 1
    held.refresh_from_db()
    assert held.state == "due"
    event = AuditEvent.objects.get(action="batch.create")
    assert event.data["held"] == 1
    login(client, maker)
    page = client.get(reverse("finance-due")).content.decode()
    assert "收款账户待核验（暂缓支付）" in page and "其中 1 笔" in page
    assert f'name="instalments" value="{held.pk}"' not in page


def test_the_proposer_never_verifies_their_own_change(reviewer):
    organisation = OrganisationFactory()
    # A pending change entered by a reviewer (as staff might) cannot be verified by that same reviewer.
    account = BankAccount.objects.create(
        holder_kind="organisation", organisation=organisation, account_name=organisation.name, **NEW,
        proof="bank-proofs/x.pdf", submitted_by=reviewer,
    )  # fmt: skip
    with pytest.raises(PermissionDenied, match="不能核验自己"):
        bank_services.bank_account_verify(account=account, by=reviewer)
    # and the database refuses it too
    account.state, account.verified_by, account.verified_at = "verified", reviewer, timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        account.save()


def test_only_the_configured_role_of_the_right_district_verifies(enterprise):
    account = propose(enterprise)
    for user in (
        make_user(Role.DISTRICT_REVIEWER, district=district("nanxun")),
        make_user(Role.FINANCE_CHECKER),
        make_user(Role.CITY_APPROVER),
    ):
        with pytest.raises(PermissionDenied):
            bank_services.bank_account_verify(account=account, by=user)
    with override_settings(BANK_VERIFIER_ROLES={"organisation": "finance_checker", "person": "finance_checker"}):
        bank_services.bank_account_verify(account=account, by=make_user(Role.FINANCE_CHECKER))
    account.refresh_from_db()
    assert account.state == "verified"


def test_a_rejection_needs_a_reason_and_keeps_the_old_account(enterprise, reviewer):
    account = propose(enterprise)
    with pytest.raises(ValidationError, match="必须填写原因"):
        bank_services.bank_account_reject(account=account, by=reviewer, reason=" ")
    bank_services.bank_account_reject(account=account, by=reviewer, reason="开户证明上的账号与填写不符")
    payee = payee_account_for(organisation=enterprise.organisation)
    assert not payee.held and payee.verified.account_number == "33050161627000001234"
    assert AuditEvent.objects.get(action="bank_account.reject").reason == "开户证明上的账号与填写不符"
    with pytest.raises(ValidationError, match="不是待核验"):
        bank_services.bank_account_verify(account=account, by=reviewer)


def test_a_new_proposal_replaces_the_pending_one_and_the_database_allows_only_one(enterprise):
    first = propose(enterprise)
    second = propose(enterprise, account_number="6222021202041701427")
    first.refresh_from_db()
    assert first.state == "superseded" and second.state == "pending"
    first.state = "pending"
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cnaps_code": "10233600001"}, "12 位数字"),
        ({"account_type": "personal"}, "对公结算账户"),
        ({"account_number": "62220212abc"}, "8–32 位数字"),
    ],
)
def test_bad_organisation_details_get_a_clear_message_and_save_nothing(enterprise, overrides, message):
    with pytest.raises(ValidationError, match=message):
        propose(enterprise, **overrides)
    assert not BankAccount.objects.filter(state="pending").exists()
    assert not AuditEvent.objects.filter(action="bank_account.propose").exists()


def test_a_change_without_proof_or_with_a_fake_proof_is_refused(enterprise):
    details = {**NEW, "account_name": enterprise.organisation.name}
    with pytest.raises(ValidationError, match="请上传开户证明"):
        bank_services.bank_account_propose(organisation=enterprise.organisation, details=details, proof=None,
                                           by=enterprise)  # fmt: skip
    with pytest.raises(ValidationError, match="实际内容不是"):
        bank_services.bank_account_propose(organisation=enterprise.organisation, details=details, by=enterprise,
                                           proof=pdf_upload("证明.pdf", b"MZ\x90\x00 not a pdf"))  # fmt: skip
    assert not BankAccount.objects.filter(state="pending").exists()


def test_a_person_account_must_be_in_the_persons_own_name_and_is_verified_by_finance(enterprise):
    resident_id = make_resident_id(7)
    person = {"person_resident_id": resident_id, "person_name": "张三"}
    details = {**NEW, "account_type": "social_security_card", "account_name": "湖州某某有限公司"}
    with pytest.raises(ValidationError, match="开户名称“湖州某某有限公司”与本人姓名“张三”不一致"):
        bank_services.bank_account_propose(**person, details=details, proof=pdf_upload(), by=enterprise)
    with pytest.raises(ValidationError, match="对私"):
        bank_services.bank_account_propose(
            **person, details={**details, "account_type": "corporate", "account_name": "张三"}, proof=pdf_upload(),
            by=enterprise,
        )  # fmt: skip
    account = bank_services.bank_account_propose(
        **person, details={**details, "account_name": "张 三"}, proof=pdf_upload(), by=enterprise
    )
    assert payee_account_for(person_resident_id=resident_id).held
    with pytest.raises(PermissionDenied):
        bank_services.bank_account_verify(account=account, by=make_user(Role.DISTRICT_REVIEWER))
    bank_services.bank_account_verify(account=account, by=make_user(Role.FINANCE_CHECKER))
    payee = payee_account_for(person_resident_id=resident_id.lower())
    assert not payee.held and payee.verified == account and account.holder_kind == "person"
    # A later change of the person's account replaces a pending one and is held until verified again.
    first = bank_services.bank_account_propose(
        **person, details={**details, "account_name": "张三", "account_type": "personal"}, proof=pdf_upload(),
        by=enterprise,
    )  # fmt: skip
    second = bank_services.bank_account_propose(
        **person, details={**details, "account_name": "张三", "account_number": "6222021202041701427"},
        proof=pdf_upload(), by=enterprise,
    )  # fmt: skip
    first.refresh_from_db()
    assert first.state == "superseded" and payee_account_for(person_resident_id=resident_id).pending == second


def test_registration_account_is_pending_until_the_district_recognises_the_organisation(client, reviewer):
    organisation = OrganisationFactory(is_verified=False, verified_account=False)
    registrant = make_user(Role.ENTERPRISE, organisation=organisation)
    from huzhou_craftsman.accounts.services import organisation_initial_account_propose

    organisation_initial_account_propose(organisation=organisation, by=registrant)
    assert payee_account_for(organisation=organisation).held
    organisation_verify(organisation=organisation, by=reviewer)
    payee = payee_account_for(organisation=organisation)
    assert not payee.held and payee.verified.verified_by == reviewer


def test_enterprise_sees_only_its_own_accounts_masked_and_never_anothers_proof(client, enterprise, reviewer):
    other = make_user(Role.ENTERPRISE)
    theirs = propose(other)
    mine = propose(enterprise)
    login(client, enterprise)
    assert client.get(reverse("bank-account-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("bank-account-proof", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("bank-account-queue")).status_code == 403
    page = client.get(reverse("bank-account-detail", args=[mine.pk])).content.decode()
    assert "6222021202041701419" not in page and mine.masked_account_number in page
    assert "核验通过" not in page
    page = client.get(reverse("organisation-detail", args=[enterprise.organisation.pk])).content.decode()
    assert "待核验" in page and "6222021202041701419" not in page
    proof = client.get(reverse("bank-account-proof", args=[mine.pk]) + "?inline=1")
    assert proof.status_code == 200 and proof["Content-Type"] == "application/pdf"
    assert b"".join(proof.streaming_content).startswith(b"%PDF")


def test_the_verifier_sees_the_full_number_only_on_the_detail_page_and_decides_there(client, enterprise, reviewer):
    account = propose(enterprise)
    login(client, reviewer)
    queue = client.get(reverse("bank-account-queue")).content.decode()
    assert enterprise.organisation.name in queue and "6222021202041701419" not in queue
    detail = client.get(reverse("bank-account-detail", args=[account.pk])).content.decode()
    assert "6222021202041701419" in detail and "查看证明文件" in detail
    assert client.get(reverse("bank-account-proof", args=[account.pk])).status_code == 200
    response = client.post(reverse("bank-account-decide", args=[account.pk]), {"decision": "verify", "note": "已核对"})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.state == "verified" and account.verified_by == reviewer
    actions = set(AuditEvent.objects.filter(actor=reviewer).values_list("action", flat=True))
    assert {"bank_account.view_full", "bank_account.proof_view", "bank_account.verify"} <= actions
    # A reviewer of another district sees nothing of it.
    login(client, make_user(Role.DISTRICT_REVIEWER, district=district("nanxun")))
    assert client.get(reverse("bank-account-detail", args=[account.pk])).status_code == 404


def test_the_enterprise_page_creates_a_pending_change_and_a_reviewer_rejects_it_with_a_reason(client, enterprise,
                                                                                            reviewer):  # fmt: skip
    login(client, enterprise)
    client.post(
        reverse("organisation-bank", args=[enterprise.organisation.pk]),
        {"bank_account_name": enterprise.organisation.name, "bank_account_number": "6222 0212 0204 1701 419",
         "bank_name": "工商银行", "bank_cnaps_code": "102336000015", "reason": "更换", "proof": pdf_upload()},
    )  # fmt: skip
    account = BankAccount.objects.get(state="pending")
    login(client, reviewer)
    client.post(reverse("bank-account-decide", args=[account.pk]), {"decision": "reject", "note": ""})
    account.refresh_from_db()
    assert account.state == "pending"
    client.post(reverse("bank-account-decide", args=[account.pk]), {"decision": "reject", "note": "证明模糊"})
    account.refresh_from_db()
    assert account.state == "rejected" and account.decision_note == "证明模糊"


def test_the_data_migration_turns_each_organisations_details_into_its_first_account():
    recognised = OrganisationFactory(verified_account=False)
    waiting = OrganisationFactory(is_verified=False, verified_account=False)
    migration = importlib.import_module(
        "huzhou_craftsman.accounts.migrations.0004_bank_accounts_verified_by_a_second_person"
    )
    BankAccount.objects.all().delete()
    migration.accounts_from_organisations(apps, None)
    verified = BankAccount.objects.get(organisation=recognised)
    assert (verified.state, verified.verified_by, verified.decision_note) == ("verified", None, "迁移：原有账户")
    assert verified.account_number == recognised.bank_account_number
    assert BankAccount.objects.get(organisation=waiting).state == "pending"
    assert Organisation.objects.count() == BankAccount.objects.count()

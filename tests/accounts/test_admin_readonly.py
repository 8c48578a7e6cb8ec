"""The Django admin cannot change bank details, roles or money: those change only through the audited services."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from huzhou_craftsman.accounts.models import AuditEvent, BankAccount, User
from huzhou_craftsman.accounts.roles import Role
from tests.conftest import login
from tests.factories import OrganisationFactory, RoundFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    administrator = make_user(Role.ADMINISTRATOR, is_staff=True)
    login(client, administrator)
    client.administrator = administrator
    return client


def form_data(response) -> dict:
    """The POST data the admin change page would send back unchanged (main form, inlines, management forms)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.initial_forms)  # the empty extra forms stay empty
        forms.append(formset.management_form)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if isinstance(value, datetime.datetime):  # the admin's split date/time widget
                local = timezone.localtime(value)
                data[f"{field.html_name}_0"], data[f"{field.html_name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
                continue
            data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else value
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"]
    return data


def test_admin_post_changing_bank_fields_changes_nothing(admin_client):
    organisation = OrganisationFactory()
    url = reverse("admin:accounts_organisation_change", args=[organisation.pk])
    page = admin_client.get(url)
    data = form_data(page)
    assert "bank_account_number" not in data  # shown read-only, not as an input
    data.update(bank_account_number="6222021202041701419", bank_cnaps_code="102336000015", address="新地址 9 号")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.address == "新地址 9 号"  # an ordinary field still changes
    assert organisation.bank_account_number == "33050161627000001234"
    assert organisation.bank_cnaps_code == "105336000012"
    assert not BankAccount.objects.filter(state="pending").exists()


def test_an_organisation_added_in_the_admin_has_a_pending_account(admin_client):
    from tests.factories import district, make_uscc

    response = admin_client.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "湖州后台新增企业有限公司", "uscc": make_uscc(901), "district": district().pk, "contact_name": "王",
         "contact_mobile": "13905720001", "bank_account_name": "湖州后台新增企业有限公司",
         "bank_account_number": "33050161627000007777", "bank_name": "建设银行", "bank_cnaps_code": "105336000012"},
    )  # fmt: skip
    assert response.status_code == 302
    account = BankAccount.objects.get(organisation__name="湖州后台新增企业有限公司")
    assert account.state == "pending" and account.submitted_by == admin_client.administrator
    assert AuditEvent.objects.filter(action="bank_account.propose", target_id=str(account.pk)).exists()


def test_admin_post_changing_groups_or_superuser_changes_nothing(admin_client):
    user = make_user(Role.CITY_REVIEWER)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_data(admin_client.get(url))
    assert "groups" not in data
    data.update(
        groups=[str(Group.objects.get(name=Role.FINANCE_CHECKER.value).pk)], is_superuser="on", is_staff="on",
        full_name="改名",
    )  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.full_name == "改名"
    assert user.role == Role.CITY_REVIEWER and not user.is_superuser and not user.is_staff


def test_a_role_changes_in_the_admin_only_through_the_audited_action(admin_client):
    user = make_user(Role.CITY_REVIEWER)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "set_role_finance_checker", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).role == Role.FINANCE_CHECKER
    event = AuditEvent.objects.get(action="user.role_change")
    assert (event.from_state, event.to_state, event.actor) == ("city_reviewer", "finance_checker",
                                                               admin_client.administrator)  # fmt: skip
    # Nobody changes their own role.
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "set_role_enterprise", "_selected_action": [admin_client.administrator.pk]},
    )
    assert User.objects.get(pk=admin_client.administrator.pk).role == Role.ADMINISTRATOR


def test_admin_post_changing_a_round_amount_changes_nothing_and_a_new_round_needs_positive_amounts(admin_client):
    round_ = RoundFactory(scheme="master_studio", municipal_studio_amount=Decimal("80000"))
    url = reverse("admin:applications_round_change", args=[round_.pk])
    data = form_data(admin_client.get(url))
    assert "municipal_studio_amount" not in data
    data.update(municipal_studio_amount="-50000", title="改过的标题")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.title == "改过的标题" and round_.municipal_studio_amount == Decimal("80000")

    add_url = reverse("admin:applications_round_add")
    data = form_data(admin_client.get(add_url))
    data.update(scheme="master_studio", title="新批次", year="2026", opens_at_0="2026-12-01", opens_at_1="08:00:00",
                closes_at_0="2026-12-31", closes_at_1="17:00:00", municipal_studio_amount="-1", youth_age_limit="35")  # fmt: skip
    response = admin_client.post(add_url, data)
    assert response.status_code == 200 and "金额必须大于 0" in response.content.decode()
    data["municipal_studio_amount"] = "60000"
    assert admin_client.post(add_url, data).status_code == 302
    event = AuditEvent.objects.get(action="admin.round.create")
    assert Decimal(event.data["municipal_studio_amount"]) == Decimal("60000")


def test_bank_accounts_are_read_only_in_the_admin(admin_client):
    organisation = OrganisationFactory()
    account = BankAccount.objects.get(organisation=organisation)
    url = reverse("admin:accounts_bankaccount_change", args=[account.pk])
    page = admin_client.get(url)
    assert page.status_code in (200, 403)
    response = admin_client.post(url, {"account_number": "6222021202041701419", "state": "verified"})
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.account_number == "33050161627000001234"

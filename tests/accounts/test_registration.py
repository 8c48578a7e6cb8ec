"""An enterprise registers itself; its district verifies it; bank details change only through an audited form."""

import pytest
from django.urls import reverse

from huzhou_craftsman.accounts.models import AuditEvent, BankAccount, Organisation, User
from huzhou_craftsman.accounts.roles import Role
from tests.conftest import login
from tests.factories import OrganisationFactory, district, make_uscc, make_user, pdf_upload

pytestmark = pytest.mark.django_db


def registration(**overrides):
    data = {
        "name": "湖州新锐精密制造有限公司",
        "uscc": make_uscc(500).lower(),
        "district": district("nanxun").pk,
        "address": "南浔区开发区 8 号",
        "contact_name": "刘芳",
        "contact_mobile": "13905727777",
        "bank_account_name": "湖州新锐精密制造有限公司",
        "bank_account_number": "3305 0161 6270 0000 9999",
        "bank_name": "湖州银行南浔支行",
        "bank_cnaps_code": "313336000011",
        "username": "xinrui_hr",
        "full_name": "刘芳",
        "email": "hr@xinrui.example.cn",
        "password1": "Xinrui-Register-2026",
        "password2": "Xinrui-Register-2026",
    }
    data.update(overrides)
    return data


def test_registration_creates_an_unverified_organisation_and_logs_the_user_in(client):
    response = client.post(reverse("register"), registration())
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="湖州新锐精密制造有限公司")
    assert organisation.uscc == make_uscc(500)  # normalised
    assert organisation.bank_account_number == "33050161627000009999"
    assert not organisation.is_verified
    user = User.objects.get(username="xinrui_hr")
    assert user.role == Role.ENTERPRISE and user.organisation == organisation
    page = client.get(reverse("enterprise-home")).content.decode()
    assert "尚待南浔区人力社保部门认定" in page
    assert AuditEvent.objects.filter(action="organisation.register", target_id=str(organisation.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"uscc": "91330502MA2B3C4D59"}, "校验未通过"),
        ({"contact_mobile": "0572-123"}, "11 位手机号码"),
        ({"bank_cnaps_code": "31333600"}, "12 位数字"),
        ({"password2": "different-password-1"}, "两次输入的密码不一致"),
        ({"password1": "12345678901", "password2": "12345678901"}, "密码只包含数字"),
    ],
)
def test_bad_registration_input_gets_a_specific_message_and_saves_nothing(client, overrides, message):
    response = client.post(reverse("register"), registration(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organisation.objects.filter(name="湖州新锐精密制造有限公司").exists()
    assert not User.objects.filter(username="xinrui_hr").exists()


def test_an_organisation_registers_only_once(client):
    existing = OrganisationFactory()
    response = client.post(reverse("register"), registration(uscc=existing.uscc))
    assert "该统一社会信用代码已注册" in response.content.decode()


def test_bank_details_change_is_a_pending_change_audited_with_masked_numbers(client):
    user = make_user(Role.ENTERPRISE)
    login(client, user)
    organisation = user.organisation
    response = client.post(
        reverse("organisation-bank", args=[organisation.pk]),
        {
            "bank_account_name": organisation.name,
            "bank_account_number": "6222021202041701419",
            "bank_name": "工商银行湖州分行",
            "bank_cnaps_code": "102336000015",
            "reason": "更换基本户",
            "proof": pdf_upload("开户许可证.pdf"),
        },
        follow=True,
    )
    assert "待核验" in response.content.decode()
    organisation.refresh_from_db()
    # The account in force stays until a second person verifies the change.
    assert organisation.bank_account_number == "33050161627000001234"
    pending = BankAccount.objects.get(organisation=organisation, state="pending")
    assert pending.account_number == "6222021202041701419" and pending.proof_kind == "pdf"
    event = AuditEvent.objects.get(action="bank_account.propose")
    assert event.reason == "更换基本户"
    assert event.data["account_number"].endswith("1419")
    assert "6222021202041701419" not in str(event.data)


def test_a_bank_change_without_proof_is_refused_and_saves_nothing(client):
    user = make_user(Role.ENTERPRISE)
    login(client, user)
    response = client.post(
        reverse("organisation-bank", args=[user.organisation.pk]),
        {"bank_account_name": user.organisation.name, "bank_account_number": "6222021202041701419",
         "bank_name": "工商银行湖州分行", "bank_cnaps_code": "102336000015", "reason": "更换基本户"},
    )  # fmt: skip
    assert "请上传开户证明" in response.content.decode()
    assert not BankAccount.objects.filter(state="pending").exists()


def test_a_corporate_account_failing_luhn_is_accepted_with_a_warning(client):
    user = make_user(Role.ENTERPRISE)
    login(client, user)
    response = client.post(
        reverse("organisation-bank", args=[user.organisation.pk]),
        {
            "bank_account_name": user.organisation.name,
            "bank_account_number": "33050161627000001235",
            "bank_name": "建设银行湖州分行",
            "bank_cnaps_code": "105336000012",
            "reason": "开户行变更",
            "proof": pdf_upload(),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "变更已提交，待核验" in page and "未通过银行卡校验位检查" in page


def test_nobody_changes_another_organisations_bank_details(client):
    user = make_user(Role.ENTERPRISE)
    other = OrganisationFactory()
    login(client, user)
    assert client.get(reverse("organisation-bank", args=[other.pk])).status_code == 404
    reviewer = make_user(Role.CITY_REVIEWER)
    login(client, reviewer)
    assert client.get(reverse("organisation-bank", args=[other.pk])).status_code == 403

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from huzhou_craftsman.accounts.models import District, Organisation, User
from huzhou_craftsman.accounts.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_holding_exactly_its_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(perms), role


def test_huzhou_districts_are_seeded_in_order():
    assert list(District.objects.values_list("name", flat=True)) == [
        "吴兴区",
        "南浔区",
        "德清县",
        "长兴县",
        "安吉县",
        "南太湖新区",
        "市本级",
    ]


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    roles = {user.role for user in User.objects.prefetch_related("groups")}
    assert roles == set(Role)
    assert User.objects.count() == 9
    assert Organisation.objects.filter(is_verified=True).count() == 2
    assert "TOTP secret" in out and "city_approver" in out
    staff = User.objects.get(username="city_approver")
    assert staff.totpdevice_set.filter(confirmed=True).count() == 1

"""Roles of the portal: one Django group per role, with the permissions the role holds.

The table below is the single source of truth. Migrations call ``sync_role_groups`` (with historical models)
so that a fresh database and an upgraded one hold the same groups; an app that adds permissions later adds a
data migration calling it again.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("申报单位用户")
    DISTRICT_REVIEWER = "district_reviewer", _("区县初审人员")
    CITY_REVIEWER = "city_reviewer", _("市级复审人员")
    CITY_APPROVER = "city_approver", _("市级审批人员")
    FINANCE_MAKER = "finance_maker", _("财务经办人员")
    FINANCE_CHECKER = "finance_checker", _("财务复核人员")
    AUDITOR = "auditor", _("审计监督人员（只读）")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Bureau and finance roles: two-factor login is compulsory for them.
STAFF_ROLES = frozenset(Role) - {Role.ENTERPRISE}

# Roles that may look but never change anything (every unsafe HTTP method is refused).
READ_ONLY_ROLES = frozenset({Role.AUDITOR})

# Role groups, declared once: accounts/access.py builds its table of actions from these, and no module keeps a tuple
# of roles of its own.
ALL_ROLES = frozenset(Role)
APPLICANTS = frozenset({Role.ENTERPRISE})
DISTRICT_REVIEWERS = frozenset({Role.DISTRICT_REVIEWER})
CITY_ROLES = frozenset({Role.CITY_REVIEWER, Role.CITY_APPROVER})
CITY_APPROVERS = frozenset({Role.CITY_APPROVER})
REVIEWERS = DISTRICT_REVIEWERS | CITY_ROLES
FINANCE_MAKERS = frozenset({Role.FINANCE_MAKER})
FINANCE_CHECKERS = frozenset({Role.FINANCE_CHECKER})
FINANCE_ROLES = FINANCE_MAKERS | FINANCE_CHECKERS
AUDITORS = READ_ONLY_ROLES
ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})
# The city bureau's own decisions (studios' reviews, level and exit): city review, approval and the administrator.
CITY_BUREAU = CITY_ROLES | ADMINISTRATORS

# role -> permissions ("app_label.codename"). Custom permissions are declared on accounts.User.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.ENTERPRISE: ("accounts.apply",),
    Role.DISTRICT_REVIEWER: (
        "accounts.review_district",
        "accounts.verify_organisation",
        "accounts.view_organisation",
        "accounts.verify_bank_account",
    ),
    Role.CITY_REVIEWER: ("accounts.review_city", "accounts.view_organisation", "accounts.view_dashboard"),
    Role.CITY_APPROVER: ("accounts.approve_city", "accounts.view_organisation", "accounts.view_dashboard"),
    Role.FINANCE_MAKER: ("accounts.make_payments", "accounts.view_organisation", "accounts.view_dashboard"),
    Role.FINANCE_CHECKER: (
        "accounts.check_payments",
        "accounts.view_organisation",
        "accounts.view_dashboard",
        "accounts.verify_bank_account",
    ),
    Role.AUDITOR: (
        "accounts.view_all",
        "accounts.view_organisation",
        "accounts.view_auditevent",
        "accounts.view_dashboard",
    ),
    Role.ADMINISTRATOR: (
        "accounts.manage_portal",
        "accounts.view_all",
        "accounts.verify_organisation",
        "accounts.view_organisation",
        "accounts.add_organisation",
        "accounts.change_organisation",
        "accounts.view_district",
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_auditevent",
        "accounts.view_dashboard",
        "applications.view_round",
        "applications.add_round",
        "applications.change_round",
        "applications.add_materialrequirement",
        "applications.change_materialrequirement",
        "applications.delete_materialrequirement",
        "applications.view_materialrequirement",
        "applications.view_application",
        "subsidies.view_policyfigure",
        "subsidies.add_policyfigure",
        "subsidies.change_policyfigure",
        "subsidies.view_evaluationfiling",
        "subsidies.add_evaluationfiling",
        "subsidies.change_evaluationfiling",
    ),
}

# Where each role lands after login (URL names).
ROLE_HOME = {
    Role.ENTERPRISE: "enterprise-home",
    Role.DISTRICT_REVIEWER: "review-queue",
    Role.CITY_REVIEWER: "review-queue",
    Role.CITY_APPROVER: "review-queue",
    Role.FINANCE_MAKER: "finance-due",
    Role.FINANCE_CHECKER: "finance-batches",
    Role.AUDITOR: "audit-events",
    Role.ADMINISTRATOR: "admin-home",
}


def sync_role_groups_migration(apps, schema_editor) -> None:
    """RunPython step for any app's migration that adds permissions the role table names."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def sync_role_groups(apps) -> None:
    """Create one group per role and give it exactly the permissions of the table that exist so far."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)

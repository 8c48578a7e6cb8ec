"""Demo accounts: one user per role, their TOTP devices and a few organisations. Safe to run again."""

import base64

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from huzhou_craftsman.accounts.models import BankAccount, District, Organisation, User
from huzhou_craftsman.accounts.roles import STAFF_ROLES, Role
from huzhou_craftsman.accounts.services import user_create

DEMO_PASSWORD = "Huzhou#Demo2026"

# Valid Unified Social Credit Codes (GB 32100 check characters computed), fictional organisations.
DEMO_ORGANISATIONS = [
    ("demo-org-1", "湖州南太湖精工机械有限公司", "91330502MA2B3C4D58", "wuxing", True),
    ("demo-org-2", "湖州织里童装智造有限公司", "91330503MA2B3C4D6R", "nanxun", True),
    ("demo-org-3", "长兴新能源电池技术有限公司", "91330522MA2B3C4D7D", "changxing", False),
]

DEMO_USERS = [
    ("enterprise", Role.ENTERPRISE, "张晓梅", {"organisation": "demo-org-1"}),
    ("enterprise2", Role.ENTERPRISE, "李建国", {"organisation": "demo-org-2"}),
    ("district", Role.DISTRICT_REVIEWER, "王海峰", {"district": "wuxing"}),
    ("city_reviewer", Role.CITY_REVIEWER, "陈思远", {}),
    ("city_approver", Role.CITY_APPROVER, "周立群", {}),
    ("finance", Role.FINANCE_MAKER, "吴晓燕", {}),
    ("finance_checker", Role.FINANCE_CHECKER, "郑卫东", {}),
    ("auditor", Role.AUDITOR, "孙明哲", {}),
    ("admin", Role.ADMINISTRATOR, "钱国强", {}),
]


# A fixed secret per demo user, so that an authenticator app set up once keeps working after a re-seed.
def demo_totp_key(username: str) -> str:
    return (username.encode().hex() + "48757a686f7544656d6f32303236" * 2)[:40]


def seed_accounts(stdout, style) -> None:
    """Create the demo organisations and one user per role (with a TOTP device for staff); print the logins."""
    orgs = {}
    for key, name, uscc, district_code, verified in DEMO_ORGANISATIONS:
        orgs[key], _created = Organisation.objects.get_or_create(
            uscc=uscc,
            defaults={
                "name": name,
                "district": District.objects.get(code=district_code),
                "address": "浙江省湖州市" + name[:4],
                "contact_name": "联系人",
                "contact_mobile": "13905720000",
                "bank_account_name": name,
                "bank_account_number": "33050161627000000123",
                "bank_name": "中国建设银行湖州分行",
                "bank_cnaps_code": "105336000012",
                "is_verified": verified,
                "verified_at": timezone.now() if verified else None,
            },
        )
        org = orgs[key]
        if not BankAccount.objects.filter(organisation=org).exists():
            # Demo data: a recognised organisation's account is in force; the other's awaits its district.
            BankAccount.objects.create(
                holder_kind="organisation", organisation=org, account_type="corporate",
                account_name=org.bank_account_name, account_number=org.bank_account_number, bank_name=org.bank_name,
                cnaps_code=org.bank_cnaps_code, state="verified" if verified else "pending",
                verified_at=timezone.now() if verified else None, reason="演示数据",
            )  # fmt: skip
    rows = []
    for username, role, full_name, scope in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                full_name=full_name,
                email=f"{username}@demo.hzrs.example.cn",
                organisation=orgs.get(scope.get("organisation")),
                district=District.objects.filter(code=scope.get("district")).first(),
            )
        secret = ""
        if role in STAFF_ROLES:
            device, _created = TOTPDevice.objects.get_or_create(
                user=user, name="demo", defaults={"key": demo_totp_key(username), "confirmed": True}
            )
            secret = base64.b32encode(device.bin_key).decode()
        rows.append((username, role.label, secret))

    stdout.write(style.SUCCESS(f"演示账号 / Demo accounts (password for all: {DEMO_PASSWORD})"))
    for username, label, secret in rows:
        line = f"  {username:<16} {label}"
        if secret:
            line += f"   TOTP secret: {secret}   (current code: manage.py demo_totp {username})"
        stdout.write(line)

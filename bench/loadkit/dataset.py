"""The benchmark's data set (100,000 applications over every scheme and state, 80,000 awards, 200,000 instalments,
2,000 enterprises), written with bulk inserts, and its signed-in users."""

import time
from datetime import date, datetime, timedelta
from decimal import Decimal

DATA_MARK = "基准测试·规模数据"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def resident_id(n: int) -> str:
    """A valid, unique resident ID number for person ``n`` (a Huzhou region code, a birth date, a sequence)."""
    from stdnum.cn import ric

    regions = ("330502", "330503", "330521", "330522", "330523")
    birth = date(1970, 1, 1) + timedelta(days=(n // 1000) // len(regions))
    body = f"{regions[(n // 1000) % len(regions)]}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def uscc_code(n: int) -> str:
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    k = n
    while True:
        digits = []
        for _ in range(9):
            k, r = divmod(k * 7919 + 17, len(alphabet))
            digits.append(alphabet[r])
        body = "9133050" + "23"[n % 2] + "".join(digits)
        code = body + uscc.calc_check_digit(body)
        try:
            uscc.validate(code)
            return code
        except Exception:  # the organisation-code check character does not fit; draw again
            k += 1


# One row per kind of claim: (scheme, details, level, total, weight). Totals follow subsidies/rules.py.
CLAIMS = [
    ("craftsman_title", {"route": "selection", "level": "grand"}, "grand", "200000", 1),
    ("craftsman_title", {"route": "selection", "level": "craftsman"}, "craftsman", "10000", 6),
    ("craftsman_title", {"route": "selection", "level": "rural"}, "rural", "10000", 6),
    ("craftsman_title", {"route": "selection", "level": "youth"}, "youth", "5000", 12),
    ("craftsman_title", {"route": "direct", "provincial_title": "zhejiang_craftsman"}, "craftsman", "10000", 2),
    ("competition", {"competition": "china_skills", "level": "excellence", "role": "contestant"}, "excellence",
     "20000", 4),
    ("competition", {"competition": "world_skills", "level": "gold", "role": "expert_team"}, "gold", "500000", 1),
    ("training_base", {"level": "provincial_base"}, "provincial_base", "1000000", 1),
    ("master_studio", {"level": "municipal", "studio_name": "技能大师工作室"}, "municipal", "50000", 3),
    ("apprenticeship", {}, "", "36000", 14),
]  # fmt: skip
# (state, share of the 100,000): history over 2021-2026, most of it decided.
STATES = [
    ("approved", 80000), ("draft", 3000), ("submitted", 6000), ("city_review", 3000), ("city_approval", 2000),
    ("awaiting_notice", 1000), ("public_notice", 1000), ("returned", 1500), ("rejected", 2000), ("withdrawn", 500),
]  # fmt: skip


def seed_volume(applications: int, organisations: int = 2000) -> None:
    """Create the reusable data set once (about two minutes): organisations, users, rounds, people, applications,
    awards and instalments, written with bulk inserts."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from applications.models import Application, ClaimKey, Person, Round
    from huzhou_craftsman.accounts.models import BankAccount, District, Organisation, User
    from huzhou_craftsman.accounts.roles import Role
    from subsidies.models import Award, Instalment

    call_command("migrate", verbosity=0)
    if Round.objects.filter(title=f"{DATA_MARK}·{applications}").exists():
        log(f"data set present ({applications:,} applications)")
        return
    assert not Round.objects.filter(title__startswith=DATA_MARK).exists(), "another data set size: drop the database"
    log(f"creating the data set: {applications:,} applications")
    assert sum(n for _, n in STATES) == 100000
    districts = list(District.objects.exclude(code="city").order_by("sort_order"))
    enterprise_group = Group.objects.get(name=Role.ENTERPRISE.value)
    now = timezone.now()
    with transaction.atomic():
        Round.objects.create(scheme="craftsman_title", title=f"{DATA_MARK}·{applications}", year=2021,
                             opens_at=now - timedelta(days=2000), closes_at=now - timedelta(days=1900))  # fmt: skip
        orgs = Organisation.objects.bulk_create(
            [Organisation(name=f"湖州基准测试企业{i:04d}有限公司", uscc=uscc_code(i), district=districts[i % len(districts)],
                          address="浙江省湖州市测试路 1 号", contact_name="测试联系人", contact_mobile="13905720000",
                          bank_account_name=f"湖州基准测试企业{i:04d}有限公司", bank_account_number=f"3305016162700{i:07d}",
                          bank_name="中国建设银行湖州分行", bank_cnaps_code="105336000012", is_verified=True)
             for i in range(organisations)], batch_size=2000,
        )  # fmt: skip
        BankAccount.objects.bulk_create(
            [BankAccount(holder_kind="organisation", organisation=o, account_type="corporate",
                         account_name=o.bank_account_name, account_number=o.bank_account_number, bank_name=o.bank_name,
                         cnaps_code=o.bank_cnaps_code, state="verified", verified_at=now, decision_note="基准测试数据")
             for o in orgs], batch_size=2000,
        )  # fmt: skip
        users = User.objects.bulk_create(
            [User(username=f"bench-ent-{i:04d}", full_name=f"经办人{i:04d}", organisation=o, email=f"ent{i}@bench.example",
                  password="!")  # noqa: S106 - an unusable password: the benchmark signs its users in by session
             for i, o in enumerate(orgs)], batch_size=2000,
        )  # fmt: skip
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=enterprise_group.pk) for u in users], batch_size=5000
        )
        rounds = {}
        for scheme in {c[0] for c in CLAIMS}:
            for year in range(2021, 2027):
                opens = timezone.make_aware(datetime(year, 3, 1))
                rounds[scheme, year] = Round.objects.create(
                    scheme=scheme, title=f"{year}年度{scheme}（基准数据）", year=year, opens_at=opens,
                    closes_at=opens + timedelta(days=45), apprentice_standard=Decimal("6000"),
                    municipal_studio_amount=Decimal("50000"),
                )  # fmt: skip
        people = Person.objects.bulk_create(
            [
                Person(resident_id=resident_id(n), name=f"基准{n:05d}", mobile="13905721234")
                for n in range(applications)
            ],
            batch_size=5000,
        )
        weights = [c[4] for c in CLAIMS]
        claim_cycle = [c for c, w in zip(CLAIMS, weights, strict=True) for _ in range(w)]
        state_cycle = []
        for state, share in STATES:
            state_cycle += [state] * (share * applications // 100000)
        state_cycle += ["approved"] * (applications - len(state_cycle))
        rows = []
        for i in range(applications):
            scheme, details, level, total, _ = claim_cycle[(i * 7) % len(claim_cycle)]
            state = state_cycle[(i * 37) % applications]
            org = orgs[i % organisations]
            year = 2021 + (i * 6) // applications
            if state != "approved" and state not in ("rejected", "withdrawn"):
                year = 2026
            submitted = None if state == "draft" else timezone.make_aware(
                datetime(year, 3, 2) + timedelta(minutes=(i * 13) % (40 * 24 * 60))
            )  # fmt: skip
            has_person = scheme in ("craftsman_title", "competition", "master_studio")
            rows.append(Application(
                number=f"BL{year}{i:07d}", round=rounds[scheme, year], organisation=org, district_id=org.district_id,
                scheme=scheme, level=level, person=people[i] if has_person else None, state=state,
                details={**details, "occupation": "数控车工", "years_in_huzhou": 8} if has_person else dict(details),
                estimate_total=Decimal(total), estimate_basis="基准数据",
                approved_total=Decimal(total) if state == "approved" else None,
                version=0 if state == "draft" else 1, created_by=users[i % organisations],
                created_at=(submitted or now) - timedelta(days=1), submitted_at=submitted,
            ))  # fmt: skip
        apps = Application.objects.bulk_create(rows, batch_size=5000)
        # What every live or approved application claims (the unique index the submissions check against); the
        # keys' shape does not matter to the benchmark, the table's size does.
        ClaimKey.objects.bulk_create(
            [ClaimKey(key=f"bench:{i}", application=a, person_resident_id=a.person.resident_id if a.person else "")
             for i, a in enumerate(apps) if a.state not in ("draft", "rejected", "withdrawn")], batch_size=10000,
        )  # fmt: skip
        log("applications written; awards and instalments next")
        approved = [a for a in apps if a.state == "approved"]
        awards = Award.objects.bulk_create(
            [Award(application=a, organisation_id=a.organisation_id, person_id=a.person_id, scheme=a.scheme,
                   level=a.level, total=a.approved_total, basis="基准数据", policy_edition="huzhou-2021",
                   approved_at=a.submitted_at + timedelta(days=60))
             for a in approved], batch_size=5000,
        )  # fmt: skip
        # 200,000 instalments over the 80,000 awards: half are paid in two parts, half in three.
        instalments = []
        for n, award in enumerate(awards):
            parts = 2 if n % 2 else 3
            share = (award.total / parts).quantize(Decimal("0.01"))
            for year in range(1, parts + 1):
                amount = share if year < parts else award.total - share * (parts - 1)
                due = award.approved_at.date() + timedelta(days=365 * (year - 1))
                instalments.append(Instalment(award=award, year=year, amount=amount, due_on=due,
                                              state="paid" if due < now.date() - timedelta(days=90) else "due"))  # fmt: skip
        Instalment.objects.bulk_create(instalments, batch_size=10000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"data set created: {len(apps):,} applications, {len(awards):,} awards, {len(instalments):,} instalments")


# --- Users and their sessions ---------------------------------------------------------------------------------


def staff_user(username: str, role, **kwargs):
    from django.contrib.auth.models import Group

    from huzhou_craftsman.accounts.models import User

    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": username, **kwargs})
    if role is not None:
        user.groups.set([Group.objects.get(name=role.value)])
    return user


def session_cookie(user) -> str:
    """Sign ``user`` in as the login and two-factor pages would, and return the session cookie's value."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return session.session_key

"""factory_boy factories shared by the tests."""

import random
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import ric, uscc

from huzhou_craftsman.accounts.models import BankAccount, District, Organisation, User
from huzhou_craftsman.accounts.roles import Role

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(seq: int) -> str:
    """Return a valid Unified Social Credit Code (both GB 11714 and GB 32100 check characters right)."""
    rnd = random.Random(seq)
    while True:
        body = "9133050" + rnd.choice("23") + "".join(rnd.choice(_USCC_ALPHABET) for _ in range(9))
        code = body + uscc.calc_check_digit(body)
        try:
            uscc.validate(code)
        except Exception:  # noqa: S112 - the organisation-code check character is wrong; draw again
            continue
        return code


def make_resident_id(seq: int, *, region: str = "330502", birth: str = "19850317") -> str:
    """Return a valid 18-digit resident ID number with the given region and birth date."""
    body = f"{region}{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def district(code: str = "wuxing") -> District:
    return District.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"湖州测试企业{n}有限公司")
    uscc = factory.Sequence(make_uscc)
    district = factory.LazyFunction(district)
    address = "浙江省湖州市吴兴区测试路 1 号"
    contact_name = "测试联系人"
    contact_mobile = "13905721234"
    bank_account_name = factory.SelfAttribute("name")
    bank_account_number = "33050161627000001234"
    bank_name = "中国建设银行湖州分行"
    bank_cnaps_code = "105336000012"
    is_verified = True

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    @factory.post_generation
    def verified_account(self, create, extracted, **kwargs):
        """Give the organisation a verified payee account (pass verified_account=False for none)."""
        if create and extracted is not False:
            BankAccount.objects.create(
                holder_kind="organisation", organisation=self, account_type="corporate",
                account_name=self.bank_account_name, account_number=self.bank_account_number,
                bank_name=self.bank_name, cnaps_code=self.bank_cnaps_code, state="verified",
                verified_at=timezone.now(), decision_note="测试：已核验",
            )  # fmt: skip


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password("Correct-Horse-42")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.set([Group.objects.get(name=Role(extracted).value)])


def make_user(role: Role, **kwargs) -> User:
    """Create a user of a role with the scope the role needs."""
    if role == Role.ENTERPRISE:
        kwargs.setdefault("organisation", OrganisationFactory())
    if role == Role.DISTRICT_REVIEWER:
        kwargs.setdefault("district", district("wuxing"))
    return UserFactory(role=role, **kwargs)


# --- Intake ---------------------------------------------------------------------------------------------------


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "applications.Round"
        skip_postgeneration_save = True

    scheme = "craftsman_title"
    title = factory.Sequence(lambda n: f"2026年度测试批次{n}")
    year = 2026
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    standard_amount = Decimal("3000")  # the per-person amount of the round-set schemes (tuition, allowances)

    @factory.post_generation
    def materials(self, create, extracted, **kwargs):
        """``materials=[("推荐表", True), ("业绩证明", False)]``; default: one required PDF/JPG/PNG item."""
        for order, (name, required) in enumerate(extracted if extracted is not None else [("推荐表", True)]):
            self.materials.create(name=name, required=required, sort_order=order)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="材料.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_award(*, organisation=None, total="10000.00", instalments=("10000.00",), due_on=None, scheme="craftsman_title",
               level="craftsman"):  # fmt: skip
    """An award with its instalments, for the money side's tests (awards themselves are tested in test_awards)."""
    from decimal import Decimal

    from applications.models import Application
    from subsidies.models import Award, Instalment

    organisation = organisation or OrganisationFactory()
    round = RoundFactory(scheme=scheme)
    user = UserFactory()
    application = Application.objects.create(
        number=f"HZGJT{Application.objects.count() + 1:06d}{random.randint(0, 999):03d}",
        round=round, organisation=organisation, district=organisation.district, scheme=scheme, level=level,
        state="approved", created_by=user, approved_total=Decimal(total),
    )  # fmt: skip
    award = Award.objects.create(
        application=application, organisation=organisation, scheme=scheme, level=level, total=Decimal(total),
        basis="第3条 测试", policy_edition="huzhou-2021",
    )  # fmt: skip
    due_on = due_on or timezone.localdate()
    for year, amount in enumerate(instalments, start=1):
        Instalment.objects.create(
            award=award, year=year, amount=Decimal(amount), due_on=due_on.replace(year=due_on.year + year - 1)
        )
    return award


def training(months: int, start: tuple[int, int] = (2025, 1)) -> tuple[str, str]:
    """A roster row's training period of ``months`` months from ``start``, as the two "YYYY-MM" cells."""
    year, month = start
    last = year * 12 + month - 1 + months - 1
    return f"{year:04d}-{month:02d}", f"{last // 12:04d}-{last % 12 + 1:02d}"


def roster_row(number, name, resident_id, occupation, contract, filed, trained, start=(2025, 1)):
    """A checked roster row (as the XLSX reader or the formset returns it)."""

    from applications.roster import RosterRow, parse_month

    first, last = training(trained, start)
    return RosterRow(number, name, resident_id, occupation, contract, filed, parse_month(first), parse_month(last))


def catalogue_trade(trade="数控铣", edition="第48届世界技能大赛", competition="world_skills", year=2026) -> int:
    """The catalogue entry an applicant picks (created if a flushed database lacks the seeded catalogue)."""
    from applications.models import CompetitionEdition, CompetitionTrade

    entry, _created = CompetitionEdition.objects.get_or_create(
        name=edition, defaults={"competition": competition, "year": year}
    )
    return CompetitionTrade.objects.get_or_create(edition=entry, name=trade)[0].pk


def verified_person_account(person, *, account_number="6217000010001234567") -> "BankAccount":
    """A person's own verified payee account (对私), as finance would have verified it from the bank card."""
    return BankAccount.objects.get_or_create(
        holder_kind="person", person_resident_id=person.resident_id, state="verified",
        defaults={"person_name": person.name, "account_type": "personal", "account_name": person.name,
                  "account_number": account_number, "bank_name": "中国工商银行湖州分行", "cnaps_code": "102336000015",
                  "verified_at": timezone.now(), "decision_note": "测试：已核验"},
    )[0]  # fmt: skip

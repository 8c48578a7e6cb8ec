"""§9 Enterprise new-type apprentices: a roster, each apprentice with a start and end month of training.

The claim identity is person × month: across every employer and round, a person's months are claimed once, and
never more months than the person's filed period (备案期限).
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import rules

from .base import ClaimIdentity, edition_of
from .roster_base import RosterScheme


class ApprenticeshipForm(forms.Form):
    """The roster itself is entered row by row or uploaded as XLSX (see roster.py); this holds the summary."""

    training_provider = forms.CharField(label=gettext_lazy("培训机构"), max_length=200, required=False)
    filing_number = forms.CharField(label=gettext_lazy("备案编号"), max_length=100, required=False)


def months_between(start, end) -> list[str]:
    """Every month from start to end inclusive, as "YYYY-MM"."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class Apprenticeship(RosterScheme):
    code = "apprenticeship"
    label = gettext_lazy("企业新型学徒制培训补贴（第9条）")
    basis_name = "企业新型学徒培训补贴"
    clause = "第9条"
    form_class = ApprenticeshipForm
    roster = "apprentices"
    required = {"": ("training_provider", "filing_number")}
    round_amount_field = "apprentice_standard"

    def round_problems(self, round):
        standard = round.apprentice_standard
        if standard is not None and not (0 < standard <= rules.APPRENTICE_MAX_STANDARD):
            return {
                "apprentice_standard": _("学徒培训补贴标准须大于 0 元且每人每年不高于 %(max)s 元（第9条）。")
                % {"max": f"{rules.APPRENTICE_MAX_STANDARD:,.0f}"}
            }
        return {}

    def missing_fields(self, application):
        missing = super().missing_fields(application)
        if application.pk is None or not application.apprentices.exists():
            missing.append(_("学徒名册"))
        return missing

    def eligibility_problems(self, application):
        """A person's months across every employer and round never exceed the person's filed period (备案期限)."""
        from applications.models import ClaimKey

        if application.pk is None:
            return []
        problems = []
        for a in application.apprentices.select_related("person"):
            elsewhere = (
                ClaimKey.objects.filter(person_resident_id=a.person.resident_id, key__startswith=f"{self.code}:")
                .exclude(application_id=application.pk)
                .count()
            )
            wanted = min(a.trained_months, a.filed_months)
            if elsewhere and elsewhere + wanted > a.filed_months:
                problems.append(
                    _(
                        "名册第 %(row)s 行：该学徒备案培训期限 %(filed)s 个月，其他申报已申领 %(done)s 个月，"
                        "本次最多还可申领 %(left)s 个月。"
                    )
                    % {"row": a.row_number, "filed": a.filed_months, "done": elsewhere,
                       "left": max(a.filed_months - elsewhere, 0)}
                )  # fmt: skip
        return problems

    def claim_for(self, application, *, contract_months, filed_months, trained_months) -> rules.Claim:
        standard = application.round.apprentice_standard or rules.APPRENTICE_MAX_STANDARD
        return rules.Claim(
            scheme=self.code,
            standard=standard,
            trained_months=trained_months,
            filed_months=filed_months,
            contract_months=contract_months,
            edition=edition_of(application),
        )

    def claims(self, application, *, already_received=None):
        if application.pk is None:
            return []  # a new draft has no roster yet
        return [
            self.claim_for(
                application,
                contract_months=a.contract_months,
                filed_months=a.filed_months,
                trained_months=a.trained_months,
            )
            for a in application.apprentices.all()
        ]

    def claim_identities(self, application):
        identities = []
        for a in application.apprentices.select_related("person"):
            resident_id = a.person.resident_id
            for month in months_between(a.start_month, a.end_month):
                identities.append(
                    ClaimIdentity(
                        key=f"{self.code}:{resident_id}:{month}",
                        label=f"{a.row_number}:{month}",
                        person_resident_id=resident_id,
                    )
                )
        return identities

"""Awards made before payees existed: a person's award still paid to the organisation until finance confirms.

RULES.md "Who is paid" sends a person's award to the person's own account. Awards approved before the portal knew
that keep paying their organisation (nothing is re-routed silently); finance lists them, and a finance checker
switches one to the person once the person's own account has been verified by a second person.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from applications.schemes import Payee
from huzhou_craftsman.accounts.access import require
from huzhou_craftsman.accounts.bank_selectors import PayeeAccount, payee_accounts_for_persons
from huzhou_craftsman.accounts.models import User
from huzhou_craftsman.accounts.services import audit_record

from .models import Award, Instalment


@dataclass(frozen=True)
class LegacyPayee:
    award: Award
    account: PayeeAccount


def _should_pay_person(award: Award) -> bool:
    return award.person_id is not None and award.application.definition.payee(award.application) == Payee.PERSON


def legacy_person_awards() -> list[LegacyPayee]:
    """Active awards paid to the organisation that the rules would pay to the person, with money still to pay."""
    open_states = (Instalment.State.DUE, Instalment.State.FAILED)
    awards = [
        award
        for award in Award.objects.filter(
            state=Award.State.ACTIVE,
            payee_kind="organisation",
            person__isnull=False,
            instalments__state__in=open_states,
        )
        .distinct()
        .select_related("application__round", "person", "organisation")
        .order_by("approved_at", "pk")
        if _should_pay_person(award)
    ]
    accounts = payee_accounts_for_persons({a.person.resident_id for a in awards})
    return [LegacyPayee(award, accounts[award.person.resident_id]) for award in awards]


@transaction.atomic
def award_payee_confirm(*, award: Award, by: User, request=None) -> Award:
    """Pay the rest of an older person's award to the person's own verified account (the finance checker's step)."""
    require(by, "award.payee_confirm")
    award = (
        Award.objects.select_for_update(of=("self",)).select_related("application__round", "person").get(pk=award.pk)
    )
    if award.payee_kind == "person":
        raise ValidationError(_("该资助已拨付领奖人本人。"))
    if not _should_pay_person(award):
        raise ValidationError(_("该资助按规定拨付单位，不能改为个人。"))
    account = payee_accounts_for_persons([award.person.resident_id])[award.person.resident_id]
    if account.held:
        raise ValidationError(_("领奖人本人账户尚未核验通过，暂不能改为拨付本人。"))
    award.payee_kind = "person"
    award.save(update_fields=["payee_kind"])
    audit_record(
        action="award.payee_confirm", actor=by, target=award, request=request,
        data={"from": "organisation", "to": "person", "account": account.verified.pk},
    )  # fmt: skip
    return award

"""Reads of payee bank accounts: the account in force for a payee, whether its payments are held, who may see and
who may verify an account."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from .access import visible
from .bank_models import BankAccount
from .models import Organisation, User

Kind = BankAccount.HolderKind
State = BankAccount.State


@dataclass(frozen=True)
class PayeeAccount:
    """What finance needs to know about one payee: the verified account (or None) and whether to hold payments."""

    verified: BankAccount | None
    pending: BankAccount | None

    @property
    def held(self) -> bool:
        """Payments wait while a change is pending or no account has been verified yet."""
        return self.verified is None or self.pending is not None

    @property
    def hold_reason(self) -> str:
        from django.utils.translation import gettext as _

        if self.verified is None:
            return _("尚无已核验的收款账户（暂缓支付）")
        if self.pending is not None:
            return _("收款账户待核验（暂缓支付）")
        return ""


def holder_filter(*, organisation: Organisation | int | None = None, person_resident_id: str = "") -> Q:
    """The Q that selects one holder's accounts: an organisation (object or pk) or a person by resident ID."""
    if organisation is not None:
        pk = organisation.pk if isinstance(organisation, Organisation) else organisation
        return Q(holder_kind=Kind.ORGANISATION, organisation_id=pk)
    if person_resident_id:
        return Q(holder_kind=Kind.PERSON, person_resident_id=person_resident_id.upper())
    raise ValueError("A payee is an organisation or a person's resident ID number.")


def payee_account_for(*, organisation: Organisation | int | None = None, person_resident_id: str = "") -> PayeeAccount:
    """Return the verified account and any pending change of one payee (an organisation or a person)."""
    rows = BankAccount.objects.filter(
        holder_filter(organisation=organisation, person_resident_id=person_resident_id),
        state__in=[State.VERIFIED, State.PENDING],
    )
    by_state = {row.state: row for row in rows}
    return PayeeAccount(verified=by_state.get(State.VERIFIED), pending=by_state.get(State.PENDING))


def organisation_payee_held(organisation_ref: str) -> Q:
    """A filter, for a queryset whose ``organisation_ref`` points to an Organisation, that is true when that
    organisation's payments are held (no verified account, or a pending change)."""
    accounts = BankAccount.objects.filter(holder_kind=Kind.ORGANISATION, organisation_id=OuterRef(organisation_ref))
    return ~Exists(accounts.filter(state=State.VERIFIED)) | Exists(accounts.filter(state=State.PENDING))


def person_payee_held(resident_id_ref: str) -> Q:
    """The same for a person known by a resident-ID column reachable as ``resident_id_ref``."""
    accounts = BankAccount.objects.filter(holder_kind=Kind.PERSON, person_resident_id=OuterRef(resident_id_ref))
    return ~Exists(accounts.filter(state=State.VERIFIED)) | Exists(accounts.filter(state=State.PENDING))


def payee_account_verified_after(*, person: bool, holder_ref: str, moment_ref: str) -> Exists:
    """A filter that is true when the payee's account in force was verified after ``moment_ref`` (a failed payment
    may be sent again only to an account verified since it failed). ``holder_ref`` points to the person's resident
    ID (``person``) or to the organisation."""
    holder = {"person_resident_id": OuterRef(holder_ref)} if person else {"organisation_id": OuterRef(holder_ref)}
    kind = Kind.PERSON if person else Kind.ORGANISATION
    return Exists(
        BankAccount.objects.filter(
            holder_kind=kind, state=State.VERIFIED, verified_at__gt=OuterRef(moment_ref), **holder
        )
    )


def bank_accounts_visible_to(user: User) -> QuerySet[BankAccount]:
    """The accounts this user may see (accounts.access: an enterprise its own organisation's; a verifier what their
    role verifies, a district reviewer their district's organisations; read-only city roles everything)."""
    return visible(user, BankAccount.objects.select_related("organisation__district", "submitted_by", "verified_by"))


def payee_accounts_for_organisations(organisation_ids) -> dict[int, PayeeAccount]:
    """``payee_account_for`` of many organisations in one query (for batches)."""
    found: dict[int, dict[str, BankAccount]] = {pk: {} for pk in organisation_ids}
    rows = BankAccount.objects.filter(
        holder_kind=Kind.ORGANISATION, organisation_id__in=list(found), state__in=[State.VERIFIED, State.PENDING]
    )
    for row in rows:
        found[row.organisation_id][row.state] = row
    return {
        pk: PayeeAccount(verified=states.get(State.VERIFIED), pending=states.get(State.PENDING))
        for pk, states in found.items()
    }


def payee_accounts_for_persons(resident_ids) -> dict[str, PayeeAccount]:
    """``payee_account_for`` of many persons in one query (for batches)."""
    found: dict[str, dict[str, BankAccount]] = {rid: {} for rid in resident_ids}
    rows = BankAccount.objects.filter(
        holder_kind=Kind.PERSON, person_resident_id__in=list(found), state__in=[State.VERIFIED, State.PENDING]
    )
    for row in rows:
        found[row.person_resident_id][row.state] = row
    return {
        rid: PayeeAccount(verified=states.get(State.VERIFIED), pending=states.get(State.PENDING))
        for rid, states in found.items()
    }

"""What the schemes whose application lists many persons share: one claim per person, the total is their sum."""

from decimal import Decimal

from django.utils.translation import gettext as _

from subsidies import rules

from .base import ZERO, ApplicationDecision, Payee, SchemeDefinition


class RosterScheme(SchemeDefinition):
    """A scheme whose application is a list of persons, each its own claim, all paid to the organisation at once."""

    basis_name = ""  # how the award's basis names the scheme, e.g. "企业新型学徒培训补贴"

    def combine(self, application, decisions):
        total = sum((d.total for d in decisions), ZERO)
        basis = _("%(clause)s %(scheme)s：名册 %(n)s 人，其中 %(paid)s 人符合条件，合计 %(total)s 元") % {
            "clause": self.clause,
            "scheme": self.basis_name,
            "n": len(decisions),
            "paid": sum(1 for d in decisions if d.eligible),
            "total": f"{total:,.2f}",
        }
        installments = (rules.Installment(year=1, amount=total),) if total > Decimal("0") else ()
        edition = decisions[0].edition if decisions else application.round.edition
        return ApplicationDecision(total, installments, basis, edition)

    def payee(self, application):
        return Payee.ORGANISATION

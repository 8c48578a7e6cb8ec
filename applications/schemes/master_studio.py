"""§6 Skill-master studios: municipal (amount set by the round, at least 50,000), provincial and national."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import rules

from .base import ClaimIdentity, Payee, PersonFields, SchemeDefinition, date_field, edition_of
from .training_base import document_identity


class MasterStudioForm(PersonFields):
    level = forms.ChoiceField(label=gettext_lazy("工作室级别"), required=False)
    studio_name = forms.CharField(label=gettext_lazy("工作室名称"), max_length=200, required=False)
    document_number = forms.CharField(label=gettext_lazy("认定文件文号"), max_length=100, required=False)
    document_date = date_field(gettext_lazy("认定日期"))


class MasterStudio(SchemeDefinition):
    code = "master_studio"
    label = gettext_lazy("技能大师工作室资助（第6条）")
    clause = "第6条"
    form_class = MasterStudioForm
    has_person = True
    levels = {
        "municipal": gettext_lazy("市级技能大师工作室"),
        "provincial": gettext_lazy("省级技能大师工作室"),
        "national": gettext_lazy("国家级技能大师工作室"),
    }
    required = {"": ("level", "studio_name", "document_number", "document_date")}
    round_amount_field = "municipal_studio_amount"
    opens_studio = True

    def round_problems(self, round):
        amount = round.municipal_studio_amount
        if amount is not None and amount < rules.MUNICIPAL_STUDIO_MIN_AMOUNT:
            return {
                "municipal_studio_amount": _("市级技能大师工作室每家资助不少于 %(min)s 元（第6条）。")
                % {"min": f"{rules.MUNICIPAL_STUDIO_MIN_AMOUNT:,.0f}"}
            }
        return {}

    def claims(self, application, *, already_received=None):
        amount = application.round.municipal_studio_amount or rules.MUNICIPAL_STUDIO_MIN_AMOUNT
        level = application.details.get("level", "")
        return [rules.Claim(scheme=self.code, level=level, amount=amount, edition=edition_of(application))]

    def claim_identities(self, application):
        # RULES.md: a studio is organisation × level × recognising document number (rewording never makes it new).
        level = application.details.get("level", "")
        return [
            ClaimIdentity(
                key=f"{self.code}:{application.organisation_id}:{level}:{document_identity(application)}",
                label=_("本单位依同一认定文件的“%(level)s”资助") % {"level": self.level_label(level)},
            )
        ]

    def payee(self, application):
        return Payee.ORGANISATION

"""§5 Training bases: national / provincial high-skill training bases and World Skills national training bases."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import rules

from .base import ClaimIdentity, Payee, SchemeDefinition, date_field, edition_of, normalise_document_number


class TrainingBaseForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("基地级别"), required=False)
    document_number = forms.CharField(label=gettext_lazy("认定文件文号"), max_length=100, required=False)
    document_date = date_field(gettext_lazy("认定日期"))


class TrainingBase(SchemeDefinition):
    code = "training_base"
    label = gettext_lazy("高技能人才培训基地资助（第5条）")
    clause = "第5条"
    form_class = TrainingBaseForm
    levels = {
        "national_base": gettext_lazy("国家级高技能人才培训基地"),
        "provincial_base": gettext_lazy("省级高技能人才公共实训基地"),
        "world_skills_base": gettext_lazy("世界技能大赛国家集训基地承办单位"),
    }
    required = {"": ("level", "document_number", "document_date")}

    def claims(self, application, *, already_received=None):
        return [
            rules.Claim(scheme=self.code, level=application.details.get("level", ""), edition=edition_of(application))
        ]

    def claim_identities(self, application):
        # RULES.md §5: one organisation is funded once per level code, whatever document it cites.
        level = application.details.get("level", "")
        return [
            ClaimIdentity(
                key=f"{self.code}:{application.organisation_id}:{level}",
                label=_("本单位的“%(level)s”资助") % {"level": self.level_label(level)},
            )
        ]

    def payee(self, application):
        return Payee.ORGANISATION


def document_identity(application) -> str:
    return normalise_document_number(application.details.get("document_number", ""))

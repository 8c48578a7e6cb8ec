"""§10 生活补贴: students from 中西部/劳务协作 areas under joint enrolment, once per student and year."""

from django import forms
from django.utils.translation import gettext_lazy

from .people_base import PeopleForm, PeopleScheme


class LivingAllowanceForm(PeopleForm):
    partner_area = forms.CharField(
        label=gettext_lazy("合作地区（中西部/劳务协作地区）"), max_length=200, required=False
    )
    agreement = forms.CharField(label=gettext_lazy("联合招生协议编号"), max_length=100, required=False)


class LivingAllowance(PeopleScheme):
    code = "living_allowance"
    label = gettext_lazy("中西部、劳务协作地区学生生活补贴（第10条）")
    basis_name = "生活补贴"
    clause = "第10条"
    form_class = LivingAllowanceForm
    required = {"": ("people", "partner_area", "agreement")}
    per_year = True

"""§9 岗位补贴: employees of an enterprise with a high-skill post allowance system, once per person and year."""

from django import forms
from django.utils.translation import gettext_lazy

from .people_base import PeopleForm, PeopleScheme


class PostAllowanceForm(PeopleForm):
    system_document = forms.CharField(label=gettext_lazy("岗位津贴制度文件"), max_length=200, required=False)
    post = forms.CharField(label=gettext_lazy("高技能岗位"), max_length=200, required=False)


class PostAllowance(PeopleScheme):
    code = "post_allowance"
    label = gettext_lazy("高技能人才岗位补贴（第9条）")
    basis_name = "岗位补贴"
    clause = "第9条"
    form_class = PostAllowanceForm
    required = {"": ("people", "system_document", "post")}
    per_year = True

"""Forms of the accounts package (rendered with crispy-forms, Bootstrap 5)."""

import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import identifiers
from .identifiers import non_gbk_characters
from .models import AuditEvent, BankAccount, District, Organisation


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错 5 次账户将被锁定 30 分钟。"),
        "inactive": _("该账户已停用，请联系系统管理员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form; its labels and messages are already translated into Chinese."""


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\s*\d{6}\s*$",
        max_length=8,
        error_messages={"invalid": _("请输入身份验证器应用显示的 6 位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    district = django_filters.ModelChoiceFilter(label=_("区县"), queryset=District.objects.all())
    is_verified = django_filters.BooleanFilter(label=_("已认定"))

    class Meta:
        model = Organisation
        fields = ["q", "district", "is_verified"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(uscc__iexact=value.upper())) if value else queryset


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("事件"), lookup_expr="startswith")
    actor_name = django_filters.CharFilter(label=_("操作人账号"))
    target_id = django_filters.CharFilter(label=_("对象编号"))
    since = django_filters.DateFilter(label=_("起始日期"), field_name="created_at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("截止日期"), field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor_name", "target_id", "since", "until"]


BANK_FIELDS = ["bank_account_name", "bank_account_number", "bank_name", "bank_cnaps_code"]


def non_gbk_warnings(form: forms.Form, fields=("bank_account_name", "bank_name")) -> list[str]:
    """Warnings, never errors, for bank texts with characters GBK cannot carry (many bank systems read only GBK)."""
    warnings = []
    for name in fields:
        value = (form.cleaned_data or {}).get(name) or ""
        if characters := non_gbk_characters(value):
            warnings.append(
                _(
                    "提示：%(label)s“%(value)s”中的“%(chars)s”不在 GBK 字符集内，部分银行系统无法识别。请与开户银行确认"
                    "该字在银行预留信息中的写法（银行通常以同音字或拼音代替）；付款时财务将按银行规定改写或单独支付。"
                )
                % {"label": form.fields[name].label, "value": value, "chars": "、".join(characters)}
            )
    return warnings


class OrganisationRegistrationForm(forms.ModelForm):
    """An enterprise signs itself up: the organisation and its first user, verified later by its district."""

    username = forms.RegexField(
        label=_("登录用户名"),
        regex=r"^[A-Za-z0-9_.-]{4,30}$",
        error_messages={"invalid": _("用户名为 4–30 位字母、数字、下划线、点或短横线。")},
    )
    full_name = forms.CharField(label=_("您的姓名"), max_length=50)
    email = forms.EmailField(label=_("电子邮箱"))
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = Organisation
        fields = ["name", "uscc", "district", "address", "contact_name", "contact_mobile", *BANK_FIELDS]
        error_messages = {
            "uscc": {"unique": _("该统一社会信用代码已注册。如需为本单位增加账号，请联系所属区县人力社保部门。")}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].empty_label = _("请选择")

    def clean_username(self):
        from .models import User

        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("该用户名已被使用，请换一个。"))
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif cleaned.get("password1"):
            from django.contrib.auth import password_validation

            from .models import User

            candidate = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(cleaned["password1"], candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class BankDetailsForm(forms.Form):
    """A proposed change of an organisation's payee account: the new details, a proof and why."""

    bank_account_name = forms.CharField(label=_("开户名称"), max_length=200)
    bank_account_number = forms.CharField(
        label=_("银行账号"), max_length=64, validators=[identifiers.validate_bank_account]
    )
    bank_name = forms.CharField(label=_("开户银行"), max_length=200)
    bank_cnaps_code = forms.CharField(label=_("开户行联行号"), max_length=12, validators=[identifiers.validate_cnaps])
    proof = forms.FileField(
        label=_("开户证明"),
        help_text=_("对公账户的开户许可证或开户证明（PDF、JPG 或 PNG），由区县人力社保部门核验后生效。"),
        error_messages={"required": _("请上传开户证明（PDF、JPG 或 PNG）。")},
    )
    reason = forms.CharField(label=_("变更原因"), max_length=300)

    @property
    def warnings(self) -> list[str]:
        """What to tell the user after a valid form: names outside GBK (saved, but the bank may need them rewritten)."""
        return non_gbk_warnings(self)

    def clean_bank_account_number(self):
        return identifiers.normalise_bank_account(self.cleaned_data["bank_account_number"])


class PersonPayeeAccountForm(forms.Form):
    """A person's own payee account (对私), e.g. on an application form; pass the fields to bank_account_propose
    with the person's resident ID and name (the service checks the account is in that name)."""

    account_type = forms.ChoiceField(
        label=_("账户类型"),
        choices=[(t.value, t.label) for t in BankAccount.PERSONAL_TYPES],
    )
    account_name = forms.CharField(label=_("开户名称（须为本人姓名）"), max_length=50)
    account_number = forms.CharField(label=_("银行账号"), max_length=64, validators=[identifiers.validate_bank_account])
    bank_name = forms.CharField(label=_("开户银行"), max_length=200)
    cnaps_code = forms.CharField(label=_("开户行联行号"), max_length=12, validators=[identifiers.validate_cnaps])
    proof = forms.FileField(
        label=_("银行卡或社会保障卡正面影像"),
        error_messages={"required": _("请上传银行卡或社会保障卡正面影像（PDF、JPG 或 PNG）。")},
    )

    def clean_account_number(self):
        return identifiers.normalise_bank_account(self.cleaned_data["account_number"])


class BankDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", _("核验通过")), ("reject", _("退回"))])
    note = forms.CharField(label=_("核验说明或退回原因"), max_length=300, required=False)


class BankAccountFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=BankAccount.State.choices)
    holder_kind = django_filters.ChoiceFilter(label=_("持有人类型"), choices=BankAccount.HolderKind.choices)
    district = django_filters.ModelChoiceFilter(
        label=_("区县"), field_name="organisation__district", queryset=District.objects.all()
    )
    q = django_filters.CharFilter(label=_("单位或户名"), method="search")

    class Meta:
        model = BankAccount
        fields = ["state", "holder_kind", "district", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(organisation__name__icontains=value) | Q(account_name__icontains=value) | Q(person_name=value)
        )

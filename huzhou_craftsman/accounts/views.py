"""Landing pages per role, organisations and the audit trail."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huzhou_craftsman import exports, public_names

from . import selectors, services
from .access import allowed
from .bank_selectors import payee_account_for
from .forms import (
    AuditEventFilter,
    BankDetailsForm,
    OrganisationFilter,
    OrganisationRegistrationForm,
    non_gbk_warnings,
)
from .roles import ROLE_HOME

PAGE_SIZE = 50


@login_required
def home(request):
    """Send each user to the landing page of their role."""
    role = request.user.role
    if role is None:
        return render(request, "home/no_role.html", status=403)
    return redirect(ROLE_HOME[role])


def _staff_home(template):
    def view(request):
        return render(request, template)

    return view


admin_home = allowed("portal.manage")(_staff_home("home/admin.html"))


@allowed("organisation.list")
def organisation_list(request):
    filterset = OrganisationFilter(request.GET, queryset=selectors.organisations_visible_to(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/organisation_list.html", {"filter": filterset, "page": page})


@allowed("organisation.view")
def organisation_detail(request, pk):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), pk=pk)
    payee = payee_account_for(organisation=organisation)
    return render(request, "accounts/organisation_detail.html", {"organisation": organisation, "payee": payee})


def register(request):
    """Public sign-up of an organisation and its first user."""
    if request.user.is_authenticated:
        return redirect("home")
    form = OrganisationRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.organisation_register(
            organisation=form.instance,
            username=data["username"],
            password=data["password1"],
            full_name=data["full_name"],
            email=data["email"],
            request=request,
        )
        login(request, user, backend="huzhou_craftsman.accounts.backends.PortalModelBackend")
        messages.success(
            request,
            _("注册成功。%(district)s人力社保部门认定本单位后即可提交申报，在此之前可以先填写草稿。")
            % {"district": user.organisation.district},
        )
        for warning in non_gbk_warnings(form):
            messages.warning(request, warning)
        return redirect("home")
    return render(request, "accounts/register.html", {"form": form})


@allowed("bank_account.propose")
def organisation_bank_update(request, pk):
    """Propose new bank details with a proof; the account in force stays until a second person verifies them."""
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), pk=pk)
    form = BankDetailsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            luhn_ok = services.organisation_update_bank(
                organisation=organisation, by=request.user, data=data, reason=data["reason"], proof=data["proof"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("变更已提交，待核验。核验通过前，付款仍使用原账户，新到期款项暂缓支付。"))
            for warning in form.warnings:
                messages.warning(request, warning)
            if not luhn_ok:
                messages.warning(
                    request, _("提示：该账号未通过银行卡校验位检查。对公账户通常如此；若为个人银行卡，请再核对一遍。")
                )
            return redirect("organisation-detail", pk=pk)
    payee = payee_account_for(organisation=organisation)
    return render(request, "accounts/bank_form.html", {"form": form, "organisation": organisation, "payee": payee})


def _form_errors(form, error: ValidationError) -> None:
    fields = {"account_name": "bank_account_name", "account_number": "bank_account_number",
              "cnaps_code": "bank_cnaps_code"}  # fmt: skip
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = fields.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_POST
@allowed("organisation.verify")
def organisation_verify(request, pk):
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), pk=pk)
    try:
        services.organisation_verify(organisation=organisation, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("已认定申报单位“%(name)s”，该单位现在可以提交申报。") % {"name": organisation.name})
    return redirect("organisation-detail", pk=pk)


@allowed("audit.view")
def audit_event_list(request):
    filterset = AuditEventFilter(request.GET, queryset=selectors.audit_events())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_event_list.html", {"filter": filterset, "page": page})


class _Echo:
    def write(self, value):
        return value


@allowed("audit.view")
def audit_event_export(request):
    """Stream the filtered audit trail as CSV (UTF-8 with BOM so that Excel shows the Chinese); the export is audited."""
    filterset = AuditEventFilter(request.GET, queryset=selectors.audit_events())
    services.audit_record(
        action="audit.export", actor=request.user, request=request, data={"filters": request.GET.dict()}
    )
    writer = exports.csv_writer(_Echo())  # free-text reasons and names never become formulas
    # Names for people to read, and the codes beside them for whoever filters or joins the file by machine.
    header = [
        _("时间"),
        _("操作人"),
        _("操作人账号"),
        _("事件"),
        _("事件代码"),
        _("对象类型"),
        _("对象编号"),
        _("原状态"),
        _("新状态"),
        _("理由"),
        _("IP 地址"),
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for event in filterset.qs.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    public_names.actor_name(event),
                    event.actor_name,
                    public_names.event_name(event.action),
                    event.action,
                    public_names.target_name(event.target_type),
                    event.target_id,
                    public_names.state_name(event.target_type, event.from_state),
                    public_names.state_name(event.target_type, event.to_state),
                    event.reason,
                    event.ip_address or "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
    return response

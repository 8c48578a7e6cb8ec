"""The bureau's review pages: the queue, the review page, decisions, returns, bulk actions and comments."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huzhou_craftsman.accounts.access import DISTRICT, allowed, can, scope_of
from huzhou_craftsman.accounts.feedback import report_errors
from huzhou_craftsman.accounts.models import AuditEvent, Organisation

from . import review, schemes, selectors, services, workflow
from .claims import number_for, related_claims
from .models import Application
from .queue import Page, QueueRow, page_number, queue_for, queue_rows
from .review_forms import BulkForm, CommentForm, DecisionForm, ReturnForm


@allowed("review.view")
def review_queue(request):
    filterset, queryset, sort = queue_for(request.user, request.GET)
    page = Page(queue_rows(queryset), page_number(request.GET), row=QueueRow)
    pending_organisations = 0
    if scope_of(request.user) == DISTRICT:
        pending_organisations = Organisation.objects.filter(
            district_id=request.user.district_id, is_verified=False
        ).count()
    return render(
        request,
        "applications/review_queue.html",
        {
            "filter": filterset,
            "page": page,
            "sort": sort,
            "can_bulk": can(request.user, "review.bulk"),
            "pending_organisations": pending_organisations,
        },
    )


def _review_context(request, application, **forms):
    role = request.user.role
    actions = [t for t in workflow.actions_from(application.state, role) if t.action in review.DECISIONS]
    can_return = any(
        t.action in (workflow.Action.DISTRICT_RETURN, workflow.Action.CITY_RETURN)
        for t in workflow.actions_from(application.state, role)
    )
    try:
        estimate_total, estimate_basis = services.application_estimate(application)
    except Exception as error:  # a RuleError: show the reason instead of an amount
        estimate_total, estimate_basis = None, str(error)
    others = []
    if application.person_id:
        others = list(
            Application.objects.filter(person_id=application.person_id)
            .exclude(pk=application.pk)
            .exclude(state="draft")
            .select_related("round", "organisation")
            .order_by("-created_at")[:20]
        )
        for other in others:
            other.shown_number = number_for(request.user, other)
    current = [a for a in application.attachments.all() if a.replaced_at is None]
    return {
        "application": application,
        "details": schemes.details_display(application),
        "attachments": current,
        "actions": actions,
        "can_return": can_return,
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "return_form": forms.get("return_form") or ReturnForm(application=application),
        "comment_form": CommentForm(),
        "estimate_total": estimate_total,
        "estimate_basis": estimate_basis,
        "quota": review.quota_usage(application),
        "changes": review.version_changes(application),
        "others": others,
        "related": related_claims(application, request.user),
        "comments": application.staff_comments.select_related("author"),
        "decisions": application.decisions.select_related("decided_by"),
        "timeline": AuditEvent.objects.filter(target_type="applications.application", target_id=str(application.pk))
        .select_related("actor")
        .order_by("created_at", "id"),
        "is_read_only": request.user.is_read_only,
        "can_comment": can(request.user, "review.comment", application),
    }


def _application(request, pk) -> Application:
    try:
        return selectors.application_for_page(request.user, pk)
    except Application.DoesNotExist:
        raise Http404 from None


# The page shows each uploaded PDF in an <object>, which Chromium loads as a frame: this page alone allows
# same-origin frames (every other page: frame-src 'none'); the preview it frames is sandboxed (attachment_download).
@csp_replace({"frame-src": [SELF]})
@allowed("review.view")
def review_detail(request, pk):
    application = _application(request, pk)
    return render(request, "applications/review_detail.html", _review_context(request, application))


@require_POST
@allowed("review.decide")
def review_decide(request, pk):
    application = _application(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request, "applications/review_detail.html", _review_context(request, application, decision_form=form)
        )
    action = form.cleaned_data["action"]
    quota = review.quota_usage(application)
    if action == "approve" and quota and quota.exceeded_by_approving and not form.cleaned_data["acknowledge_quota"]:
        messages.warning(
            request,
            _("注意：%(level)s 已批准 %(used)s 名，本次批准将超过政策名额（约 %(quota)s 名）。如确认批准，请再次点击。")
            % {"level": quota.level_label, "used": quota.used, "quota": quota.quota},
        )
        return render(
            request,
            "applications/review_detail.html",
            {
                **_review_context(request, application),
                "confirm_quota": True,
                "pending_reason": form.cleaned_data["reason"],
            },
        )
    try:
        review.application_decide(
            application=application, action=action, by=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except (ValidationError, PermissionDenied) as error:
        report_errors(request, error)
        return redirect("review-detail", pk=pk)
    messages.success(request, _("已处理申报 %(number)s。") % {"number": application.number})
    return redirect("review-queue")


@require_POST
@allowed("review.return")
def review_return(request, pk):
    application = _application(request, pk)
    form = ReturnForm(request.POST, application=application)
    if form.is_valid():
        try:
            services.application_return(
                application=application,
                by=request.user,
                items=form.items(),
                deadline=form.cleaned_data["deadline"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as error:
            report_errors(request, error)
        else:
            messages.success(request, _("已退回申报 %(number)s 补正。") % {"number": application.number})
            return redirect("review-queue")
    return render(request, "applications/review_detail.html", _review_context(request, application, return_form=form))


@require_POST
@allowed("review.comment")
def review_comment(request, pk):
    application = _application(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            review.comment_add(
                application=application, by=request.user, body=form.cleaned_data["body"], request=request
            )
        except (ValidationError, PermissionDenied) as error:
            report_errors(request, error)
    return redirect("review-detail", pk=pk)


@require_POST
@allowed("review.bulk")
def review_bulk(request):
    ids = request.POST.getlist("ids")
    form = BulkForm(request.POST, ids=ids)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("review-queue")
    data = form.cleaned_data
    visible = selectors.applications_visible_to(request.user).filter(pk__in=data["ids"]).values_list("pk", flat=True)
    outcome = review.applications_bulk_decide(
        ids=list(visible),
        action=data["action"],
        by=request.user,
        items=[{"target": "general", "note": data.get("note", "")}],
        deadline=data.get("deadline"),
        request=request,
    )
    if outcome.done:
        messages.success(
            request, _("已处理 %(n)s 份：%(list)s") % {"n": len(outcome.done), "list": "、".join(outcome.done)}
        )
    for failure in outcome.failed:
        messages.error(request, failure)
    return redirect("review-queue")

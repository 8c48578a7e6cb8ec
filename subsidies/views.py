"""Money pages: closing a public notice (which makes the awards) and the list of awards with their instalments."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.models import PublicNotice
from applications.schemes import registry
from huzhou_craftsman.accounts.access import CITY, allowed, scope_of, visible
from huzhou_craftsman.accounts.models import User

from . import services, tax
from .models import Award


def awards_visible_to(user: User) -> QuerySet[Award]:
    """Awards a user may see (accounts.access: their organisation's, or all for the bureau); instalments prefetched."""
    qs = Award.objects.select_related("application", "organisation", "person").prefetch_related("instalments")
    return visible(user, qs)


@require_POST
@allowed("notice.close")
def notice_close(request, pk):
    notice = get_object_or_404(PublicNotice, pk=pk)
    try:
        awards = services.notice_close(notice=notice, by=request.user, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        total = sum((award.total for award in awards), Decimal("0"))
        messages.success(
            request,
            _("公示已结束：%(n)s 份申报获批准，资助合计 %(total)s 元。") % {"n": len(awards), "total": f"{total:,.2f}"},
        )
    return redirect("notice-detail", pk=pk)


@require_POST
@allowed("notice.close")
def notice_close_early(request, pk):
    """Demo mode only: end a notice before its last day, so a newcomer can finish the story in one sitting."""
    if not settings.DEMO_MODE:
        raise PermissionDenied(_("只有演示模式下才能提前结束公示；正式环境的公示须期满后结束。"))
    notice = get_object_or_404(PublicNotice, pk=pk)
    try:
        awards = services.notice_close(notice=notice, by=request.user, request=request, early=True)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        total = sum((award.total for award in awards), Decimal("0"))
        messages.success(
            request,
            _("演示模式：公示已提前结束，%(n)s 份申报获批准，资助合计 %(total)s 元。")
            % {"n": len(awards), "total": f"{total:,.2f}"},
        )
    return redirect("notice-detail", pk=pk)


@allowed("award.view")
def award_list(request):
    awards = awards_visible_to(request.user)
    is_staff = scope_of(request.user) == CITY
    scheme = request.GET.get("scheme", "")
    if is_staff and scheme in registry.SCHEMES:
        awards = awards.filter(scheme=scheme)
    else:
        scheme = ""
    page = Paginator(awards, 50).get_page(request.GET.get("page"))
    splits = tax.instalment_splits(page.object_list)
    for award in page.object_list:
        for instalment in award.instalments.all():
            instalment.split = splits[instalment.pk]
    return render(
        request,
        "subsidies/award_list.html",
        {
            "page": page,
            "awards": page.object_list,
            "is_staff": is_staff,
            "schemes": registry.choices(),
            "scheme": scheme,
        },
    )

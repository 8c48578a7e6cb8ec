"""The portal's URLs plus the benchmark's baselines: a bare 50-row ListView of the applications table (alone and
inside the layout), and a bare "validate a form, insert one row and one audit row" view for the deadline rush.
Selected by ``bench.loadkit.settings`` (ROOT_URLCONF) only: the portal's own urls never route these."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.views.generic import ListView

from applications.models import Application
from huzhou_craftsman.accounts.services import audit_record
from huzhou_craftsman.urls import urlpatterns as portal_urlpatterns

from .models import BareSubmission


class BareList(ListView):
    """Django's generic list view of the applications table, 50 rows a page (it counts the table, as Paginator does)."""

    queryset = Application.objects.order_by("-pk").only("number", "scheme", "level", "state", "submitted_at")
    paginate_by = 50
    template_name = "bench/bare_list.html"


class BareSubmitForm(forms.Form):
    reference = forms.CharField(max_length=64)
    note = forms.CharField(max_length=200, required=False)


@login_required
def bare_submit(request):
    """The floor of a submission on this stack: a signed-in user, a form, one row and one audit row in one
    transaction, then a redirect (as the portal's submit answers)."""
    form = BareSubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            row = BareSubmission.objects.create(
                reference=form.cleaned_data["reference"],
                note=form.cleaned_data["note"],
                organisation_id=request.user.organisation_id,
                created_by=request.user,
            )
            audit_record(action="bench.bare_submit", actor=request.user, target=row, request=request)
        return redirect("bench-bare-submit")
    return render(request, "bench/bare_submit.html", {"form": form})


urlpatterns = [
    path("bench/bare/", BareList.as_view(), name="bench-bare"),
    path("bench/bare-in-layout/", BareList.as_view(template_name="bench/bare_list_in_layout.html")),
    path("bench/bare-submit/", bare_submit, name="bench-bare-submit"),
    *portal_urlpatterns,
]

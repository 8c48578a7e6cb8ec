"""Document pages: the public verification page, downloads, the list of one's documents, batch regeneration."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from applications.official_list_selectors import invitation_rows
from huzhou_craftsman.accounts.access import allowed

from . import render as documents_render
from . import services, signing
from .forms import RegenerationForm, VerifyUploadForm
from .models import Document, RegenerationJob
from .selectors import documents_visible_to


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request, token):
    """Public, no login: what the QR code opens. Shows the document's facts and checks an uploaded copy: its SHA-256
    against the stored one and its digital signature (signer, time, integrity, whole-file coverage)."""
    document = get_object_or_404(
        Document.objects.select_related("award__organisation", "award__person", "notice", "successor"), token=token
    )
    award = document.award
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    match = None
    uploaded_sha256 = ""
    signature = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        uploaded_sha256 = services.sha256_of_bytes(data)
        match = bool(document.sha256) and uploaded_sha256 == document.sha256
        signature = signing.check_signature(data)
    successor = getattr(document, "successor", None)
    context = {
        "document": document,
        "award_revoked": bool(award) and award.state == award.State.REVOKED,
        "successor_number": successor.number if successor else "",
        "form": form,
        "match": match,
        "uploaded_sha256": uploaded_sha256,
        "signature": signature,
    }
    if award is not None:
        context.update(
            holder_name=award.person.name if award.person else award.organisation.name,
            holder_id=award.person.masked_resident_id if award.person else award.organisation.uscc,
            organisation=award.organisation,
            total_figures=documents_render.amount_figures(award.total),
            total_words=documents_render.amount_in_words(award.total),
        )
    else:
        awards = documents_render.notice_awards(document.notice)
        total = sum((a.total for a in awards), Decimal("0"))
        context.update(
            notice=document.notice,
            award_count=len(awards),
            total_figures=documents_render.amount_figures(total),
            total_words=documents_render.amount_in_words(total),
        )
    response = render(request, "documents/verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@allowed("document.view")
def download(request, pk):
    """The PDF itself, for the award's organisation and the bureau (404 for anyone else); every download is audited."""
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    if not document.file:
        raise Http404(_("该文书尚未生成。"))
    services.document_download_record(document=document, by=request.user, request=request)
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=f"{document.number}.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@allowed("official_list.view")
def invitation_letter(request, uscc):
    """免申即享: the invitation to register, as a PDF the bureau prints or sends (rendered here, on demand: one page);
    every download is audited."""
    rows = invitation_rows(uscc)
    if not rows:
        raise Http404
    pdf = documents_render.invitation_letter_pdf(organisation_name=rows[0].organisation_name, uscc=uscc, rows=rows)
    services.invitation_letter_download_record(uscc=uscc, rows=rows, pdf=pdf, by=request.user, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invitation-{uscc}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@allowed("document.view")
def document_list(request):
    documents = documents_visible_to(request.user).order_by("-requested_at", "-id")
    kind = request.GET.get("kind", "")
    if kind in Document.Kind.values:
        documents = documents.filter(kind=kind)
    page = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/list.html",
        {"page": page, "documents": page.object_list, "kind": kind, "kinds": Document.Kind.choices},
    )


@allowed("document.regenerate")
def regenerate(request):
    """Start a batch regeneration (a Celery job) and list the recent ones."""
    form = RegenerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.documents_regenerate(
                year=form.cleaned_data["year"],
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已开始重新生成 %(n)s 份文书。") % {"n": job.total})
            return redirect("documents-regenerate-job", pk=job.pk)
    jobs = RegenerationJob.objects.select_related("created_by")[:20]
    return render(request, "documents/regenerate.html", {"form": form, "jobs": jobs, "job": None})


@never_cache
@allowed("document.regenerate")
def regenerate_job(request, pk):
    """A job's progress; the page reloads itself every two seconds until the job is done."""
    job = get_object_or_404(RegenerationJob.objects.select_related("created_by"), pk=pk)
    response = render(request, "documents/regenerate.html", {"form": None, "jobs": (), "job": job})
    if not job.is_finished:
        # The HTTP form of <meta http-equiv="refresh">: base.html has no block in <head> for it.
        response["Refresh"] = "2"
    return response

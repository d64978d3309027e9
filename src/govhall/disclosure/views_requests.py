"""The applicant's pages: the request form, "my requests", one request with its correction and reply."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from govhall.core.errors import DomainError
from govhall.disclosure import request_services, selectors
from govhall.disclosure.answers import ALL_REASONS
from govhall.disclosure.forms import CorrectionForm, RequestForm
from govhall.disclosure.models import InformationRequest, ReplyFile
from govhall.disclosure.views_public import shows_domain_errors

STEP_LABELS = {
    "submitted": "提交申请",
    "received": "确认收到申请",
    "correction_requested": "告知补正",
    "corrected": "提交补正",
    "consultation_started": "征求第三方意见",
    "consultation_ended": "征求意见结束",
    "extended": "延长答复期限",
    "overdue": "超过答复期限",
    "answered": "作出答复",
    "withdrawn": "申请人撤回",
    "closed": "终止办理",
}
# Internal steps the applicant is not shown (the agency's own bookkeeping).
STAFF_ONLY_STEPS = frozenset({"overdue", "consultation_started", "consultation_ended"})


def add_error(form: RequestForm | CorrectionForm, error: DomainError) -> None:
    field = error.details.get("field")
    form.add_error(field if field in form.fields else None, error.message_zh)


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def new_request(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "kind", "") == "staff":
        raise DomainError(
            "applicants_only",
            "请使用个人或法人账号提出申请",
            "requests are made from a citizen or enterprise account",
            status=403,
        )
    related = None
    publication_id = request.GET.get("publication", "") or request.POST.get("publication", "")
    if publication_id.isdigit():
        related = selectors.visible_publications(user).filter(pk=int(publication_id)).first()
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = request_services.submit_request(
                    actor=user,
                    department=data["department"],
                    content=data["content"],
                    purpose=data["purpose"],
                    delivery=data["delivery"],
                    postal_address=data["postal_address"],
                    related_publication=related,
                    idempotency_key=data["idempotency_key"],
                )
            except DomainError as error:
                add_error(form, error)
            else:
                messages.success(
                    request, f"申请已提交，申请编号 {created.number}。机关确认收到后开始计算答复期限。"
                )
                return redirect("disclosure:my_request", number=created.number)
    else:
        initial = {"idempotency_key": secrets.token_urlsafe(16)}
        department = request.GET.get("department", "")
        if related is not None:
            initial["department"] = related.department.code
            initial["content"] = f"与《{related.title}》（索引号 {related.index_number}）有关的："
        elif department:
            initial["department"] = department
        form = RequestForm(initial=initial)
    return render(request, "disclosure/request_form.html", {"form": form, "related": related})


@login_required
@require_http_methods(["GET"])
def my_requests(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_requests(request.user), 20).get_page(request.GET.get("page") or 1)
    return render(request, "disclosure/my_requests.html", {"page": page})


def reason_label(info: InformationRequest) -> str:
    return ALL_REASONS.get(info.answer_reason, "")


def timeline(info: InformationRequest, *, staff: bool) -> list[dict[str, object]]:
    return [
        {"label": STEP_LABELS.get(event.kind, event.kind), "event": event}
        for event in info.events.all()
        if staff or event.kind not in STAFF_ONLY_STEPS
    ]


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def my_request(request: HttpRequest, number: str) -> HttpResponse:
    info = selectors.get_request(request.user, number)
    if info.applicant_id != request.user.pk:
        raise Http404
    form = CorrectionForm(request.POST or None, initial={"content": info.content})
    if request.method == "POST" and form.is_valid():
        try:
            request_services.submit_correction(
                actor=request.user, request=info, content=form.cleaned_data["content"]
            )
        except DomainError as error:
            add_error(form, error)
        else:
            messages.success(request, "补正已提交，答复期限自机关收到补正之日起重新计算。")
            return redirect("disclosure:my_request", number=number)
    return render(
        request,
        "disclosure/my_request.html",
        {
            "info": info,
            "steps": timeline(info, staff=False),
            "form": form,
            "reason_label": reason_label(info),
        },
    )


@login_required
@require_POST
@shows_domain_errors
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    info = selectors.get_request(request.user, number)
    request_services.withdraw_request(actor=request.user, request=info)
    messages.success(request, "申请已撤回。")
    return redirect("disclosure:my_request", number=number)


@login_required
@require_http_methods(["GET"])
@shows_domain_errors
def reply_file(request: HttpRequest, number: str, file_id: int) -> HttpResponseBase:
    """A file of the reply, for the applicant and the agency (the request selector decides)."""
    info = selectors.get_request(request.user, number)
    if info.status != InformationRequest.Status.ANSWERED and info.applicant_id == request.user.pk:
        raise Http404
    found = ReplyFile.objects.filter(request=info, pk=file_id).first()
    if found is None:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)

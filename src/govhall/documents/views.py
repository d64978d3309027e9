"""Staff pages of official documents (/documents/): drafting to sending, tracking, the receiving
unit's copy, seal verification. Each action is one service call; errors show on the page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.documents import exchange, handling, sealing, selectors, services
from govhall.documents.forms import (
    ArchiveForm,
    CountersignRequestForm,
    DraftForm,
    HandlingForm,
    OpinionForm,
    ReasonForm,
    SendForm,
    VerifyForm,
)
from govhall.documents.models import ArchiveRecord, Countersign, Distribution, Document, DocumentTemplate
from govhall.documents.permissions import WORKING, department_ids
from govhall.identity.models import Department

View = Callable[..., HttpResponseBase]


def staff_only(view: View) -> View:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", "") != "staff":
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "documents/error.html", {"error": error}, status=error.status)

    return wrapper


def _fail(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message_zh)


@staff_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "documents/home.html",
        {
            "countersigns": list(selectors.my_countersigns(user)[:50]),
            "signoffs": list(selectors.awaiting_my_signoff(user)[:50]),
            "inbox": list(selectors.inbox(user)[:50]),
            "issued": list(selectors.issued_by_my_units(user)[:50]),
            "can_draft": bool(department_ids(user, WORKING)),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.filter(pk__in=department_ids(request.user, WORKING))
    if not departments:
        raise Http404
    templates = DocumentTemplate.objects.filter(department__isnull=True) | DocumentTemplate.objects.filter(
        department__in=departments
    )
    if request.method == "POST":
        form = DraftForm(request.POST, departments=departments)
        if form.is_valid():
            data = dict(form.cleaned_data)
            department, key = data.pop("department"), data.pop("idempotency_key") or None
            title, body = data.pop("title"), data.pop("body")
            try:
                document = services.create_document(
                    actor=request.user,
                    department=department,
                    title=title,
                    body=body,
                    idempotency_key=key,
                    **data,
                )
            except DomainError as error:
                form.add_error(None, error.message_zh)
            else:
                return redirect("documents:detail", document.pk)
    else:
        initial: dict[str, Any] = {"idempotency_key": uuid.uuid4().hex, "department": departments.first()}
        chosen = templates.filter(pk=request.GET.get("template") or 0).first()
        if chosen is not None:
            initial.update(
                kind=chosen.kind,
                title=chosen.title,
                main_recipients=chosen.main_recipients,
                body=chosen.body,
                copy_to=chosen.copy_to,
            )
        form = DraftForm(initial=initial, departments=departments)
    return render(
        request, "documents/draft.html", {"form": form, "templates": templates.order_by("kind", "name")}
    )


def _document_context(request: HttpRequest, document: Document) -> dict[str, Any]:
    user = request.user
    can = {
        action: permissions.can_act(user, document, action)
        for action in ("edit", "sign_off", "send", "track")
    }
    pending = [
        row
        for row in document.countersigns.select_related("department", "decided_by")
        if row.status == Countersign.Status.PENDING and permissions.can_act(user, row, "decide")
    ]
    groups = [(str(g.pk), f"{g.name}（{g.size}个单位）") for g in selectors.groups()]  # type: ignore[attr-defined]
    return {
        "document": document,
        "countersigns": list(document.countersigns.select_related("department", "decided_by")),
        "my_countersign": pending[0]
        if pending and document.status == Document.Status.COUNTERSIGNING
        else None,
        "can": can,
        "countersign_form": CountersignRequestForm(exclude=document.department_id),
        "opinion_form": OpinionForm(),
        "reason_form": ReasonForm(),
        "send_form": SendForm(group_choices=groups),
        "seal": getattr(document, "seal", None),
        "figures": selectors.tracking(document) if document.status == Document.Status.SENT else None,
        "copy": selectors.copy_for(user, document),
    }


@staff_only
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.open_document(request.user, pk)
    context = _document_context(request, document)
    if context["copy"] is not None and not permissions.can_act(request.user, document, "track"):
        return redirect("documents:copy", document.pk)
    return render(request, "documents/detail.html", context)


ACTIONS = ("submit", "countersign_request", "countersign", "sign_off", "return", "send", "remind")


@staff_only
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    user = request.user
    document = selectors.visible_documents(user).filter(pk=pk).first()
    if document is None:
        raise Http404
    try:
        if action == "submit":
            services.submit_for_signoff(actor=user, document=document)
            messages.success(request, "已送领导签发。")
        elif action == "countersign_request":
            form = CountersignRequestForm(request.POST, exclude=document.department_id)
            if not form.is_valid():
                raise DomainError("no_countersigners", "请选择会签部门", "choose departments", status=422)
            services.request_countersign(
                actor=user, document=document, departments=form.cleaned_data["departments"]
            )
            messages.success(request, "已发起会签。")
        elif action == "countersign":
            row = get_object_or_404(Countersign, pk=request.POST.get("countersign"), document=document)
            services.countersign(
                actor=user,
                countersign=row,
                agree=request.POST.get("decision") == "agree",
                opinion=request.POST.get("opinion", ""),
            )
            messages.success(request, "会签意见已提交。")
        elif action == "sign_off":
            signed = services.sign_off(
                actor=user, document=document, opinion=request.POST.get("opinion", "同意")
            )
            messages.success(request, f"已签发，发文字号 {signed.document_number}。")
        elif action == "return":
            services.return_for_revision(actor=user, document=document, reason=request.POST.get("reason", ""))
            messages.success(request, "已退回修改。")
        elif action == "send":
            send_form = SendForm(
                request.POST, group_choices=[(str(g.pk), g.name) for g in selectors.groups()]
            )
            if not send_form.is_valid():
                raise DomainError("no_units", "请选择收文单位", "choose receiving units", status=422)
            result = exchange.send(
                actor=user,
                document=document,
                groups=[int(g) for g in send_form.cleaned_data["groups"]],
                units=send_form.cleaned_data["units"],
                copy_units=send_form.cleaned_data["copy_units"],
            )
            messages.success(request, f"已分发至 {result.sent} 个单位。")
            return redirect("documents:tracking", document.pk)
        elif action == "remind":
            count = exchange.remind_unsigned(actor=user, document=document)
            messages.success(request, f"已向 {count} 个未签收单位催收。")
            return redirect("documents:tracking", document.pk)
    except DomainError as error:
        _fail(request, error)
    return redirect("documents:detail", document.pk)


_ORDER = Case(
    When(status=Distribution.Status.RETURNED, then=Value(0)),
    When(status=Distribution.Status.DELIVERED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _tracked(request: HttpRequest, pk: int) -> Document:
    document = selectors.visible_documents(request.user).filter(pk=pk).first()
    if document is None or not permissions.can_act(request.user, document, "track"):
        raise Http404
    return document


@staff_only
@require_GET
def tracking(request: HttpRequest, pk: int) -> HttpResponse:
    document = _tracked(request, pk)
    return render(request, "documents/tracking.html", _tracking_context(request, document))


def _tracking_context(request: HttpRequest, document: Document) -> dict[str, Any]:
    status = request.GET.get("status", "")
    if status not in Distribution.Status.values:
        status = ""
    rows = selectors.tracking_rows(document, status=status).order_by(
        _ORDER, "unit__region__code", "unit__code"
    )
    return {
        "document": document,
        "figures": selectors.tracking(document),
        "rows": list(rows[:2000]),
        "status": status,
    }


@staff_only
@require_GET
def tracking_rows(request: HttpRequest, pk: int) -> HttpResponse:
    document = _tracked(request, pk)
    return render(request, "documents/_tracking.html", _tracking_context(request, document))


@staff_only
@require_GET
def pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = selectors.open_document(request.user, pk, what="pdf")
    if not document.pdf:
        raise Http404
    name = f"{document.document_number or document.pk}.pdf"
    return FileResponse(document.pdf.open("rb"), content_type="application/pdf", filename=name)


@staff_only
@require_http_methods(["GET", "POST"])
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving unit's copy: sign for or return, handle, file."""
    user = request.user
    document = selectors.open_document(user, pk)
    received = selectors.copy_for(user, document)
    if received is None:
        return redirect("documents:detail", document.pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "sign_for":
                exchange.sign_for(actor=user, copy=received)
                messages.success(request, "已签收。")
            elif action == "return":
                exchange.return_copy(actor=user, copy=received, reason=request.POST.get("reason", ""))
                messages.success(request, "已退回发文单位。")
            elif action == "handle":
                handling.advance(
                    actor=user,
                    copy=received,
                    stage=request.POST.get("stage", ""),
                    opinion=request.POST.get("opinion", ""),
                )
                messages.success(request, "办理意见已保存。")
            elif action == "archive":
                handling.file_to_archive(
                    actor=user,
                    document=document,
                    unit=received.unit,
                    retention=request.POST.get("retention", ""),
                )
                messages.success(request, "已归档。")
            else:
                raise Http404
        except DomainError as error:
            _fail(request, error)
        return redirect("documents:copy", document.pk)
    return render(
        request,
        "documents/copy.html",
        {
            "document": document,
            "copy": received,
            "steps": list(received.steps.select_related("actor")),
            "next_stages": [(s, Distribution.Stage(s).label) for s in handling.next_stages(received)],
            "reason_form": ReasonForm(),
            "handling_form": HandlingForm(),
            "archive_form": ArchiveForm(),
            "archived": ArchiveRecord.objects.filter(document=document, unit=received.unit).first(),
            "seal": getattr(document, "seal", None),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    result = None
    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = sealing.check_file(form.cleaned_data["file"].read())
    return render(request, "documents/verify.html", {"form": form, "result": result})


@staff_only
@require_GET
def verify_stored(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.open_document(request.user, pk, what="verify")
    if not document.pdf:
        raise Http404
    result = sealing.check(document, sealing.stored_file(document))
    return render(request, "documents/verify.html", {"form": VerifyForm(), "result": result})

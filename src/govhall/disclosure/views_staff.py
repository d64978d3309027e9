"""Staff pages (/disclosure/staff/): draft, review, publish and withdraw; answer requests; penalties; report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.disclosure import list_services, report, request_services, selectors, services
from govhall.disclosure.forms import (
    AnswerForm,
    ConsultationForm,
    CorrectionRequestForm,
    PenaltyForm,
    PublicationForm,
    ReasonForm,
    ReviewForm,
)
from govhall.disclosure.models import InformationRequest, PenaltyDecision, Publication
from govhall.disclosure.views_public import shows_domain_errors
from govhall.disclosure.views_requests import reason_label, timeline

View = Callable[..., HttpResponseBase]


def staff_only(view: View) -> View:
    """Department staff, supervisors and platform admins; everyone else gets a 404 (nothing to see)."""

    @wraps(view)
    @login_required
    @shows_domain_errors
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", "") != "staff":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _form_error(form: Any, error: DomainError) -> None:
    field = error.details.get("field")
    form.add_error(field if field in form.fields else None, error.message_zh)


@staff_only
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    publications = selectors.staff_publications(user)
    return render(
        request,
        "disclosure/staff/dashboard.html",
        {
            "waiting": list(publications.exclude(status__in=["published", "withdrawn"])[:50]),
            "published": list(publications.filter(status="published")[:20]),
            "requests": list(selectors.staff_requests(user, status="open")[:50]),
            "penalties": list(
                permissions.restrict(PenaltyDecision.objects.all(), user, "view")
                .exclude(status=PenaltyDecision.Status.PUBLISHED)
                .filter(department_id__in=[d.pk for d in selectors.staff_department_choices(user)])
                .select_related("department")[:20]
            ),
            "can_draft": bool(selectors.staff_department_choices(user)),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def publication_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    departments = selectors.staff_department_choices(request.user)
    existing = selectors.get_publication(request.user, pk) if pk else None
    if existing is not None and not permissions.can_act(request.user, existing, "edit"):
        raise Http404
    initial: dict[str, Any] = {}
    if existing is not None:
        initial = {name: getattr(existing, name) for name in services.EDITABLE_FIELDS}
        initial["department"] = existing.department_id
    form = PublicationForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        department = data.pop("department")
        try:
            if existing is None:
                existing = services.create_publication(actor=request.user, department=department, **data)
                messages.success(request, "草稿已保存。")
            else:
                services.update_draft(actor=request.user, publication=existing, **data)
                messages.success(request, "修改已保存。")
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect("disclosure:staff_publication", pk=existing.pk)
    return render(request, "disclosure/staff/publication_form.html", {"form": form, "publication": existing})


@staff_only
@require_http_methods(["GET"])
def publication_page(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_publication(request.user, pk)
    user = request.user
    return render(
        request,
        "disclosure/staff/publication.html",
        {
            "publication": found,
            "reviews": selectors.reviews_of(found),
            "can_edit": found.status == Publication.Status.DRAFT and permissions.can_act(user, found, "edit"),
            "can_review": found.status == Publication.Status.IN_REVIEW
            and permissions.can_act(user, found, "review")
            and found.drafted_by_id != user.pk,
            "can_publish": found.status == Publication.Status.CLEARED
            and permissions.can_act(user, found, "publish"),
            "can_withdraw": found.status == Publication.Status.PUBLISHED
            and permissions.can_act(user, found, "withdraw"),
            "review_form": ReviewForm(),
            "reason_form": ReasonForm(),
        },
    )


@staff_only
@require_POST
def publication_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    found = selectors.get_publication(request.user, pk)
    user = request.user
    try:
        if op == "submit":
            services.submit_for_review(actor=user, publication=found)
            messages.success(request, "已送保密审查。")
        elif op == "review":
            form = ReviewForm(request.POST)
            if not form.is_valid():
                raise DomainError("invalid_review", "请选择审查结论", "choose a conclusion")
            services.review(actor=user, publication=found, **form.cleaned_data)
            messages.success(request, "审查结论已记录。")
        elif op == "publish":
            published = services.publish(actor=user, publication=found)
            messages.success(request, f"已发布，索引号 {published.index_number}。")
        elif op == "withdraw":
            services.withdraw(actor=user, publication=found, reason=request.POST.get("reason", ""))
            messages.success(request, "已撤回，该信息仍保留在公开目录中并标注为已撤回。")
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message_zh)
    return redirect("disclosure:staff_publication", pk=pk)


@staff_only
@require_http_methods(["GET"])
def request_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in {"open", "", *InformationRequest.Status.values}:
        raise DomainError("invalid_status", "状态无效", "unknown status", status=400)
    rows = list(selectors.staff_requests(request.user, status=status)[:200])
    return render(
        request,
        "disclosure/staff/requests.html",
        {"rows": rows, "status": status, "statuses": InformationRequest.Status.choices},
    )


@staff_only
@require_http_methods(["GET"])
def request_page(request: HttpRequest, number: str) -> HttpResponse:
    info = selectors.get_request(request.user, number)
    user = request.user
    running = info.status in {InformationRequest.Status.PROCESSING, InformationRequest.Status.CONSULTING}
    return render(
        request,
        "disclosure/staff/request.html",
        {
            "info": info,
            "steps": timeline(info, staff=True),
            "reason_label": reason_label(info),
            "can_confirm": info.status == "submitted" and permissions.can_act(user, info, "confirm"),
            "can_correct": info.status == "processing"
            and info.correction_requested_at is None
            and permissions.can_act(user, info, "request_correction"),
            "can_consult": info.status in {"processing", "consulting"}
            and permissions.can_act(user, info, "consult"),
            "can_extend": running and info.extended_at is None and permissions.can_act(user, info, "extend"),
            "can_answer": running and permissions.can_act(user, info, "answer"),
            "correction_form": CorrectionRequestForm(),
            "consultation_form": ConsultationForm(),
            "reason_form": ReasonForm(),
            "answer_form": AnswerForm(),
        },
    )


def _publications_by_index(text: str, user: Any) -> list[Publication]:
    numbers = [line.strip() for line in text.splitlines() if line.strip()]
    found = list(selectors.visible_publications(user).filter(index_number__in=numbers))
    if len(found) != len(set(numbers)):
        raise DomainError(
            "unknown_index_number", "有索引号未找到对应的公开信息", "an index number matches no publication"
        )
    return found


@staff_only
@require_POST
def request_action(request: HttpRequest, number: str, op: str) -> HttpResponse:
    info = selectors.get_request(request.user, number)
    user, post = request.user, request.POST
    try:
        if op == "confirm":
            request_services.confirm_receipt(actor=user, request=info)
            messages.success(request, "已确认收到申请，开始计算答复期限。")
        elif op == "correction":
            form = CorrectionRequestForm(post)
            if not form.is_valid():
                raise DomainError(
                    "invalid_form", "请填写补正事项和期限", "fill in what to correct and the period"
                )
            request_services.request_correction(actor=user, request=info, **form.cleaned_data)
            messages.success(request, "已一次性告知申请人补正。")
        elif op == "consult":
            request_services.start_consultation(actor=user, request=info, note=post.get("note", ""))
            messages.success(request, "已开始征求意见，征求意见时间不计入答复期限。")
        elif op == "consulted":
            request_services.end_consultation(actor=user, request=info, note=post.get("note", ""))
            messages.success(request, "征求意见已结束。")
        elif op == "extend":
            request_services.extend(actor=user, request=info, reason=post.get("reason", ""))
            messages.success(request, "答复期限已延长并告知申请人。")
        elif op == "answer":
            answer_form = AnswerForm(post)
            if not answer_form.is_valid():
                raise DomainError("invalid_form", "请完整填写答复", "complete the answer")
            data = answer_form.cleaned_data
            request_services.answer_request(
                actor=user,
                request=info,
                answer=data["answer"],
                reason=data["reason"],
                text=data["text"],
                legal_basis=data["legal_basis"],
                referral_agency=data["referral_agency"],
                publications=_publications_by_index(data["publications"], user),
                files=request.FILES.getlist("files"),
            )
            messages.success(request, "已答复并通知申请人。")
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message_zh)
    return redirect("disclosure:staff_request", number=number)


@staff_only
@require_http_methods(["GET", "POST"])
def penalty_form(request: HttpRequest) -> HttpResponse:
    form = PenaltyForm(request.POST or None, departments=selectors.staff_department_choices(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            decision = list_services.record_penalty(actor=request.user, **data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"已登记，应于 {decision.publish_due_at:%Y-%m-%d} 前公开。")
            return redirect("disclosure:staff")
    return render(request, "disclosure/staff/penalty_form.html", {"form": form})


@staff_only
@require_POST
def penalty_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    decision = selectors.get_penalty(request.user, pk)
    try:
        if op == "publish":
            list_services.publish_penalty(actor=request.user, decision=decision)
            messages.success(request, "处罚决定已公开。")
        elif op == "withdraw":
            list_services.withdraw_penalty(
                actor=request.user,
                decision=decision,
                kind=request.POST.get("kind", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "处罚决定已撤下。")
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message_zh)
    return redirect("disclosure:penalty", pk=pk)


@staff_only
@require_http_methods(["GET"])
def annual_report(request: HttpRequest) -> HttpResponse:
    departments = selectors.staff_department_choices(request.user)
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 2008 <= int(raw_year) <= 2100 else date.today().year
    code = request.GET.get("department", "")
    chosen = next((d for d in departments if d.code == code), departments[0] if departments else None)
    if chosen is None:
        raise Http404
    return render(
        request,
        "disclosure/staff/report.html",
        {
            "report": report.annual_report(year=year, department_id=chosen.pk),
            "columns": report.COLUMNS,
            "department": chosen,
            "departments": departments,
            "year": year,
        },
    )

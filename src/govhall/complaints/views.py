"""Pages of consultations and complaints: the forms, my consultations and complaints, one of each with
its steps, the department's queues and the supervisor's escalated complaints.

Views only read the request, call a selector or a service and render; every rule is in services.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.complaints import selectors, services
from govhall.complaints.models import Complaint, Consultation
from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.identity.models import Department
from govhall.ratings.permissions import department_ids, is_supervisor

EVENT_LABELS = {
    "submitted": "提交",
    "answered": "答复",
    "published": "公开为常见问题",
    "accepted": "受理",
    "rejected": "不予受理",
    "confirmed": "投诉人认可",
    "escalated": "提请监察",
    "resolved": "监察处理",
}


def _departments() -> Any:
    return Department.objects.filter(is_active=True).order_by("name")


def _item(code: str) -> ServiceItem | None:
    if not code:
        return None
    return (
        ServiceItem.objects.select_related("current_version", "department")
        .filter(implementation_code=code)
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_consultation(request: HttpRequest) -> HttpResponseBase:
    item = _item(request.GET.get("item", "") or request.POST.get("item", ""))
    error = None
    if request.method == "POST":
        department = _departments().filter(pk=request.POST.get("department") or 0).first()
        try:
            consultation = services.ask(
                actor=request.user,
                subject=request.POST.get("subject", ""),
                question=request.POST.get("question", ""),
                item=item,
                department=department,
                publish_consent=request.POST.get("publish_consent") == "on",
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
            messages.success(request, f"咨询已提交，编号 {consultation.number}。")
            return redirect("complaints:consultation", number=consultation.number)
        except DomainError as exc:
            error = exc
    return render(
        request,
        "complaints/consultation_form.html",
        {"item": item, "departments": _departments(), "error": error, "post": request.POST},
        status=error.status if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_complaint(request: HttpRequest) -> HttpResponseBase:
    my_cases = (
        permissions.restrict(Case.objects.all(), request.user)
        .filter(applicant_id=request.user.pk, case_no__isnull=False)
        .select_related("item_version")[:100]
    )
    chosen = request.GET.get("case", "") or request.POST.get("case", "")
    error = None
    if request.method == "POST":
        case = next((c for c in my_cases if c.case_no == chosen), None)
        department = _departments().filter(pk=request.POST.get("department") or 0).first()
        try:
            complaint = services.complain(
                actor=request.user,
                target=request.POST.get("target", ""),
                subject=request.POST.get("subject", ""),
                content=request.POST.get("content", ""),
                case=case,
                department=department,
                staff_name=request.POST.get("staff_name", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
            messages.success(request, f"投诉已提交，编号 {complaint.number}。")
            return redirect("complaints:complaint", number=complaint.number)
        except DomainError as exc:
            error = exc
    return render(
        request,
        "complaints/complaint_form.html",
        {
            "cases": my_cases,
            "chosen": chosen,
            "targets": [(v, str(label).split(" ")[0]) for v, label in Complaint.Target.choices],
            "departments": _departments(),
            "error": error,
            "post": request.POST,
        },
        status=error.status if error else 200,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "complaints/mine.html",
        {
            "consultations": selectors.my_consultations(request.user)[:100],
            "complaints": selectors.my_complaints(request.user)[:100],
        },
    )


def _act(
    request: HttpRequest, actions: Mapping[str, Callable[[Any, QueryDict], Any]]
) -> tuple[bool, DomainError | None]:
    handler = actions.get(request.POST.get("action", ""))
    try:
        if handler is None:
            raise DomainError("unknown_action", "未知操作", "unknown action")
        handler(request.user, request.POST)
        messages.success(request, "已保存。")
        return True, None
    except DomainError as exc:
        return False, exc


@login_required
@require_http_methods(["GET", "POST"])
def consultation(request: HttpRequest, number: str) -> HttpResponseBase:
    found = selectors.consultation(request.user, number)
    if found is None:
        raise Http404
    error = None
    if request.method == "POST":
        done, error = _act(
            request,
            {
                "answer": lambda user, post: services.answer_consultation(
                    actor=user, consultation=found, answer=post.get("answer", "")
                ),
                "publish": lambda user, post: services.publish_to_faq(
                    actor=user,
                    consultation=found,
                    question=post.get("question"),
                    answer=post.get("public_answer"),
                ),
            },
        )
        if done:
            return redirect("complaints:consultation", number=number)
    draft = services.publication_draft(found) if found.status == Consultation.Status.ANSWERED else ("", "")
    return render(
        request,
        "complaints/consultation.html",
        {
            "c": found,
            "events": [(e, EVENT_LABELS.get(e.kind, e.kind)) for e in selectors.timeline(found)],
            "may_answer": permissions.can_act(request.user, found, "answer"),
            "may_publish": permissions.can_act(request.user, found, "publish"),
            "draft": draft,
            "error": error,
        },
        status=error.status if error else 200,
    )


COMPLAINT_ACTIONS: dict[str, Callable[[Any, Complaint, QueryDict], Any]] = {
    "accept": lambda user, c, post: services.accept(actor=user, complaint=c, note=post.get("note", "")),
    "reject": lambda user, c, post: services.reject(actor=user, complaint=c, reason=post.get("reason", "")),
    "answer": lambda user, c, post: services.answer(
        actor=user, complaint=c, finding=post.get("finding", ""), answer=post.get("answer", "")
    ),
    "confirm": lambda user, c, post: services.confirm(
        actor=user, complaint=c, feedback=post.get("feedback", "")
    ),
    "escalate": lambda user, c, post: services.escalate(
        actor=user, complaint=c, reason=post.get("reason", "")
    ),
    "resolve": lambda user, c, post: services.resolve(
        actor=user, complaint=c, opinion=post.get("opinion", "")
    ),
}


def _on(
    fn: Callable[[Any, Complaint, QueryDict], Any], complaint: Complaint, user: Any, post: QueryDict
) -> Any:
    return fn(user, complaint, post)


@login_required
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, number: str) -> HttpResponseBase:
    found = selectors.complaint(request.user, number)
    if found is None:
        raise Http404
    error = None
    if request.method == "POST":
        actions = {name: partial(_on, fn, found) for name, fn in COMPLAINT_ACTIONS.items()}
        done, error = _act(request, actions)
        if done:
            return redirect("complaints:complaint", number=number)
    may = {name: permissions.can_act(request.user, found, name) for name in COMPLAINT_ACTIONS}
    return render(
        request,
        "complaints/complaint.html",
        {
            "c": found,
            "events": [(e, EVENT_LABELS.get(e.kind, e.kind)) for e in selectors.timeline(found)],
            "may": may,
            "error": error,
        },
        status=error.status if error else 200,
    )


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    if not department_ids(request.user):
        raise Http404
    return render(
        request,
        "complaints/staff/queue.html",
        {
            "consultations": selectors.consultation_queue(request.user).filter(
                status=Consultation.Status.SUBMITTED
            )[:200],
            "answered": selectors.consultation_queue(request.user, status=Consultation.Status.ANSWERED)[:30],
            "complaints": selectors.complaint_queue(request.user)[:200],
        },
    )


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    if not is_supervisor(request.user):
        raise Http404
    return render(
        request,
        "complaints/staff/escalated.html",
        {
            "pending": selectors.escalated(request.user),
            "resolved": selectors.escalated(request.user, pending_only=False).filter(
                status=Complaint.Status.RESOLVED
            )[:50],
        },
    )

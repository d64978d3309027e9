"""Pages of ratings: rate a case or a visit, my ratings, the public figures, the department's
rectification queue, a rectification with its steps, counter-visit codes, the supervisor's appeals.

Views only read the request, call a selector or a service and render; every rule is in services.
"""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.identity.models import Department
from govhall.ratings import selectors, services
from govhall.ratings.models import Level, Rectification
from govhall.ratings.permissions import WORKING, department_ids, is_supervisor

LEVELS = [(value, str(label).split(" ")[0]) for value, label in Level.choices]
EVENT_LABELS = {
    "opened": "生成整改",
    "contacted": "回访评价人",
    "rectified": "提交整改结果",
    "confirmed": "评价人确认满意",
    "disputed": "评价人不认可",
    "appealed": "部门申诉",
    "appeal_upheld": "申诉成立",
    "appeal_rejected": "申诉不成立",
}


def qr_svg(data: str) -> str:
    """The rating link as an inline SVG QR code, for the visitor's phone."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=7, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


def zh(label: Any) -> str:
    return str(label).split(" ")[0]


def _rating_form(
    request: HttpRequest, template: str, context: dict[str, Any], submit: Any, status: int = 200
) -> HttpResponseBase:
    error = None
    values = {"level": "", "tags": [], "comment": ""}
    if request.method == "POST":
        values = {
            "level": request.POST.get("level", ""),
            "tags": request.POST.getlist("tags"),
            "comment": request.POST.get("comment", ""),
        }
        try:
            return submit(values)
        except DomainError as exc:
            error, status = exc, exc.status
    return render(
        request,
        template,
        {
            **context,
            "levels": LEVELS,
            "tags_good": services.TAGS_GOOD,
            "tags_bad": services.TAGS_BAD,
            "values": values,
            "error": error,
        },
        status=status if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rate_case(request: HttpRequest, case_no: str) -> HttpResponseBase:
    case = (
        permissions.restrict(Case.objects.all(), request.user)
        .select_related("item_version", "lead_department")
        .filter(case_no=case_no, applicant_id=request.user.pk)
        .first()
    )
    if case is None:
        raise Http404
    existing = selectors.rating_for_case(request.user, case)
    if existing is not None:
        return redirect(f"/my/cases/{case.case_no}/#rating")

    def submit(values: dict[str, Any]) -> HttpResponseBase:
        services.rate_case(
            actor=request.user,
            case=case,
            level=values["level"],
            tags=values["tags"],
            comment=values["comment"],
        )
        messages.success(request, "感谢您的评价。")
        return redirect(f"/my/cases/{case.case_no}/#rating")

    title = f"评价：{case.item_version.name}"
    return _rating_form(request, "ratings/rate.html", {"case": case, "subject_title": title}, submit)


@require_http_methods(["GET", "POST"])
def rate_visit(request: HttpRequest, code: str) -> HttpResponseBase:
    try:
        visit = services.visit_by_code(code)
    except DomainError as exc:
        raise Http404 from exc
    rating = getattr(visit, "rating", None)
    if rating is not None:
        return render(request, "ratings/rated.html", {"visit": visit, "rating": rating})

    def submit(values: dict[str, Any]) -> HttpResponseBase:
        rating = services.rate_visit(
            actor=request.user,
            code=code,
            level=values["level"],
            tags=values["tags"],
            comment=values["comment"],
        )
        return render(request, "ratings/rated.html", {"visit": visit, "rating": rating, "thanks": True})

    title = f"评价窗口服务：{visit.department.name}"
    return _rating_form(request, "ratings/rate.html", {"visit": visit, "subject_title": title}, submit)


def public(request: HttpRequest) -> HttpResponse:
    """The public figures: satisfaction of every department and of the most rated items."""
    by_department = selectors.satisfaction_by_department()
    follow_up = selectors.follow_up_by_department()
    departments = Department.objects.in_bulk(list(by_department) + list(follow_up))
    rows: list[dict[str, Any]] = [
        {"department": departments[pk], "figures": figures, "follow_up": follow_up.get(pk)}
        for pk, figures in by_department.items()
        if pk in departments
    ]
    rows.sort(key=lambda row: (-row["figures"].satisfaction_rate, -row["figures"].total))
    by_item = selectors.satisfaction_by_item()
    top = sorted(by_item.items(), key=lambda entry: -entry[1].total)[:20]
    items = ServiceItem.objects.select_related("current_version", "department").in_bulk([pk for pk, _ in top])
    item_rows = [{"item": items[pk], "figures": figures} for pk, figures in top if pk in items]
    return render(request, "ratings/public.html", {"rows": rows, "item_rows": item_rows})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "ratings/mine.html", {"ratings": selectors.my_ratings(request.user)[:100]})


@login_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    ids = department_ids(request.user)
    if not ids:
        raise Http404
    status = request.GET.get("status", "")
    if status not in Rectification.Status.values:
        status = ""
    follow_up = selectors.follow_up_by_department()
    departments = Department.objects.filter(pk__in=ids).order_by("name")
    return render(
        request,
        "ratings/staff/queue.html",
        {
            "rows": selectors.department_queue(request.user, status=status)[:200],
            "status": status,
            "statuses": [(value, zh(label)) for value, label in Rectification.Status.choices],
            "departments": [(d, follow_up.get(d.pk)) for d in departments],
            "handles": selectors.handles(request.user),
        },
    )


@login_required
def appeals(request: HttpRequest) -> HttpResponse:
    if not is_supervisor(request.user):
        raise Http404
    return render(
        request,
        "ratings/staff/appeals.html",
        {
            "pending": selectors.appeals(request.user),
            "decided": selectors.appeals(request.user, pending_only=False).exclude(
                status=Rectification.Status.APPEALED
            )[:50],
        },
    )


ACTIONS = {
    "contact": lambda user, r, post: services.contact(
        actor=user, rectification=r, method=post.get("method", ""), note=post.get("note", "")
    ),
    "rectify": lambda user, r, post: services.rectify(
        actor=user, rectification=r, finding=post.get("finding", ""), measures=post.get("measures", "")
    ),
    "appeal": lambda user, r, post: services.appeal(
        actor=user, rectification=r, reason=post.get("reason", "")
    ),
    "confirm": lambda user, r, post: services.confirm(
        actor=user,
        rectification=r,
        satisfied=post.get("satisfied") == "yes",
        feedback=post.get("feedback", ""),
    ),
    "decide_appeal": lambda user, r, post: services.decide_appeal(
        actor=user, rectification=r, upheld=post.get("upheld") == "yes", opinion=post.get("opinion", "")
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.rectification(request.user, pk)
    if found is None:
        raise Http404
    error = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        handler = ACTIONS.get(action)
        try:
            if handler is None:
                raise DomainError("unknown_action", "未知操作", "unknown action")
            handler(request.user, found, request.POST)
            messages.success(request, "已保存。")
            return redirect("ratings:rectification", pk=pk)
        except DomainError as exc:
            error, status = exc, exc.status
    user = request.user
    may = {action: permissions.can_act(user, found, action) for action in ACTIONS}
    events = [{"event": e, "label": EVENT_LABELS.get(e.kind, e.kind)} for e in found.events.all()]
    return render(
        request,
        "ratings/rectification.html",
        {
            "r": found,
            "rating": found.rating,
            "may": may,
            "error": error,
            "events": events,
            "is_rater": found.rating.rater_id == user.pk,
            "post": request.POST if error else {},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_visit(request: HttpRequest) -> HttpResponse:
    ids = department_ids(request.user, WORKING)
    if not ids:
        raise Http404
    departments = list(Department.objects.filter(pk__in=ids).order_by("name"))
    error = None
    visit = None
    if request.method == "POST":
        department = next((d for d in departments if str(d.pk) == request.POST.get("department")), None)
        code = request.POST.get("item", "").strip()
        item = ServiceItem.objects.filter(implementation_code=code).first() if code else None
        try:
            if department is None:
                raise DomainError("department_required", "请选择部门", "choose a department")
            visit = services.record_visit(
                actor=request.user,
                department=department,
                item=item,
                visitor_name=request.POST.get("visitor_name", ""),
                summary=request.POST.get("summary", ""),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as exc:
            error = exc
    items = ServiceItem.objects.filter(department_id__in=ids, current_version__isnull=False).select_related(
        "current_version"
    )[:200]
    link = request.build_absolute_uri(f"/ratings/visit/{visit.code}/") if visit else ""
    return render(
        request,
        "ratings/staff/visit.html",
        {
            "departments": departments,
            "items": items,
            "visit": visit,
            "link": link,
            "qr": mark_safe(qr_svg(link)) if link else "",  # noqa: S308 - SVG we generated from our own URL
            "error": error,
        },
        status=error.status if error else 200,
    )

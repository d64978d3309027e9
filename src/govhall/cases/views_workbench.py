"""The staff workbench: task queue, window intake (窗口收件) and the staff case page with its actions.

Every read goes through the cases selectors (already narrowed to what the user may see); every
action is one service call whose DomainError is shown on the page — a task somebody else finished
first is a 409 with a plain message, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.cases import delivery, forms, handling, selectors, services
from govhall.cases.models import Case, CaseResult, Task
from govhall.cases.permissions import may_work
from govhall.cases.views_common import (
    KEY_FIELD,
    PageErrors,
    action_label,
    departments_now,
    due_state,
    material_download,
    new_key,
    page_errors,
    pop_code,
    remember_code,
    result_of,
    shows_domain_errors,
    staff_required,
    timeline,
    zh,
)
from govhall.cases.views_forms import (
    ApplicationInput,
    file_application,
    form_fields,
    material_rows,
    parse_application,
    replay_or_raise,
)
from govhall.catalog.models import ServiceItem
from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.identity.models import User

ACCEPT_KINDS = frozenset(handling.ACCEPT_KINDS)
OPS = ("accept", "reject", "supplement", "suspend", "resume", "claim", "task", "deliver")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- Queue ---------------------------------------------------------------------------------------


def _task_row(task: Task, user: User) -> dict[str, Any]:
    return {
        "task": task,
        "due": due_state(task.due_at),
        "mine": task.assignee_id == user.pk,
        "can_claim": task.status == Task.Status.OPEN,
    }


def _render_queue(
    request: HttpRequest, *, notice: str = "", error: DomainError | None = None
) -> HttpResponse:
    user = _user(request)
    tasks = list(selectors.task_queue(user)[:300])
    mine = [_task_row(t, user) for t in tasks if t.assignee_id == user.pk]
    department = [_task_row(t, user) for t in tasks if t.assignee_id != user.pk]
    return render(
        request,
        "cases/workbench/queue.html",
        {
            "mine": mine,
            "department": department,
            "overdue": sum(1 for row in mine + department if row["due"] == "overdue"),
            "soon": sum(1 for row in mine + department if row["due"] == "soon"),
            "notice": notice,
            "error": error,
        },
        # htmx swaps only 2xx answers; the refusal is in the swapped content.
        status=error.status if error and not request.headers.get("HX-Request") else 200,
    )


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return _render_queue(request)


@staff_required
@require_POST
def claim(request: HttpRequest, task_id: int) -> HttpResponseBase:
    """Claim from the queue; htmx swaps in the refreshed queue, a plain form post goes back to it."""
    user = _user(request)
    try:
        task = handling.claim_task(actor=user, task=selectors.get_task(user, task_id))
    except DomainError as error:
        if request.headers.get("HX-Request"):
            return _render_queue(request, error=error)
        messages.error(request, error.message)
        return redirect("workbench:queue")
    notice = f"已领取：{task.case.case_no} {zh(task.name)}"
    if request.headers.get("HX-Request"):
        return _render_queue(request, notice=notice)
    messages.success(request, notice)
    return redirect("workbench:queue")


# --- Window intake -------------------------------------------------------------------------------


def _intake_item(user: User, code: str) -> ServiceItem | None:
    return selectors.intake_items(user).filter(implementation_code=code).first()


def _intake_known(item: ServiceItem | None) -> dict[str, str]:
    known = {"id_number": "id_id_number", "uscc": "id_uscc", "item": "id_item", "applicant": "id_id_number"}
    if item is not None and item.current_version is not None:
        version = item.current_version
        known.update({name: f"id_form-{name}" for name in forms.schema_for(version).get("properties") or {}})
        known.update({f"materials.{m.pk}": f"material-{m.pk}" for m in version.materials.all()})
    return known


def _render_intake(
    request: HttpRequest,
    *,
    item: ServiceItem | None,
    applicant: User | None,
    key: str,
    app: ApplicationInput | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    user = _user(request)
    errors = page_errors(error, known=_intake_known(item))
    version = item.current_version if item is not None else None
    context: dict[str, Any] = {
        "items": list(selectors.intake_items(user)),
        "item": item,
        "applicant": applicant,
        "id_number": request.POST.get("id_number", "").strip(),
        "uscc": request.POST.get("uscc", "").strip().upper(),
        "key": key,
        "errors": errors,
        "had_uploads": bool(app and app.uploads),
    }
    if version is not None and applicant is not None:
        values = app.raw_values if app else {"contact_name": applicant.display_name}
        context["fields"] = form_fields(forms.schema_for(version), values, errors.by_field)
        context["materials"] = material_rows(
            version, chosen=app.chosen if app else None, errors=errors.by_field
        )
    return render(request, "cases/workbench/intake.html", context, status=error.status if error else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """Step 1 finds the applicant and the item; step 2 fills the form and files the case."""
    user = _user(request)
    if request.method == "GET":
        return _render_intake(request, item=None, applicant=None, key=new_key())
    key = request.POST.get(KEY_FIELD, "").strip()[:80] or new_key()
    item = _intake_item(user, request.POST.get("item", ""))
    id_number = request.POST.get("id_number", "").strip()
    uscc = request.POST.get("uscc", "").strip().upper()
    try:
        if item is None:
            raise DomainError(
                "item_required",
                "请选择本部门的办理事项",
                "choose an item of your department",
                status=422,
                details={"fields": [{"field": "item", "code": "required"}]},
            )
        applicant = services.find_applicant(id_number=id_number, uscc=uscc)
    except DomainError as error:
        return _render_intake(request, item=item, applicant=None, key=key, error=error)
    if request.POST.get("step") != "file":
        return _render_intake(request, item=item, applicant=applicant, key=key)

    earlier = selectors.submitted_with_key(user, key, applicant=applicant)
    if earlier is not None:
        messages.info(request, "该办件已经收件，没有重复录入。")
        return redirect("workbench:case", reference=earlier.reference)
    version = item.current_version
    assert version is not None
    app = parse_application(request, version)
    try:
        try:
            result = file_application(
                actor=user,
                version=version,
                app=app,
                submit=True,
                key=key,
                item=item,
                intake=(id_number, uscc),
            )
        except (DomainError, IntegrityError) as caught:
            result = replay_or_raise(caught, user=user, key=key, applicant=applicant)
    except DomainError as error:
        return _render_intake(request, item=item, applicant=applicant, key=key, app=app, error=error)
    case = result.case
    if result.verification_code is None or not case.case_no:
        messages.info(request, "该办件已经收件，没有重复录入。")
        return redirect("workbench:case", reference=case.reference)
    remember_code(request, case.case_no, result.verification_code)
    return redirect("workbench:filed", reference=case.case_no)


@staff_required
@require_GET
@shows_domain_errors
def filed(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.get_case(_user(request), reference)
    return render(
        request, "cases/workbench/filed.html", {"case": case, "code": pop_code(request, case.case_no or "")}
    )


# --- Case page -----------------------------------------------------------------------------------


def _form_labels(case: Case) -> list[tuple[str, Any]]:
    schema = forms.schema_for(case.item_version)
    fields = form_fields(schema, case.form_data, {})
    shown = [(f.title, case.form_data.get(f.name, "")) for f in fields]
    drawn = {f.name for f in fields}
    shown += [(name, value) for name, value in case.form_data.items() if name not in drawn]
    return shown


def _task_panel(user: User, case: Case, task: Task) -> dict[str, Any]:
    actions = [(a, action_label(task.step_kind, a)) for a in task.allowed_actions]
    colleagues = list(selectors.transfer_candidates(user, task)) if task.step_kind not in ACCEPT_KINDS else []
    if colleagues:
        actions.append(("transfer", "转办"))
    return {
        "task": task,
        "form_id": f"task-{task.pk}",
        "due": due_state(task.due_at),
        "workable": may_work(user, task),
        "claimed_by_other": task.status == Task.Status.CLAIMED and task.assignee_id not in (None, user.pk),
        "actions": actions,
        "colleagues": colleagues,
        "decides": task.step_kind in ("decide", "joint_review", "accept_decide"),
    }


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    error: DomainError | None = None,
    error_form: str = "",
    posted: dict[str, Any] | None = None,
) -> HttpResponse:
    user = _user(request)
    open_tasks = list(selectors.open_tasks(case))
    panels = [_task_panel(user, case, t) for t in open_tasks]
    accept_panel = next((p for p in panels if p["task"].step_kind in ACCEPT_KINDS and p["workable"]), None)
    result = result_of(user, case)
    can_deliver = (
        result is not None
        and result.delivered_at is None
        and case.status in delivery.DELIVERABLE
        and permissions.can_act(user, case, "complete")
    )
    # Completing a decided case goes through delivering its result (送达 then 办结).
    task_panels = [
        p
        for p in panels
        if p["task"].step_kind not in ACCEPT_KINDS and not (can_deliver and p["task"].step_kind == "complete")
    ]
    materials = case.item_version.materials.all()
    known = {
        "reason": f"id_{error_form}-reason",
        "opinion": f"id_{error_form}-opinion",
        "items": "supplement",
    }
    known.update({f"items[{i}].material_id": "supplement" for i in range(len(materials) + 20)})
    known.update({"note": "id_supplement-note", "procedure_id": "id_suspend-procedure"})
    known.update({"transfer_to": f"id_{error_form}-transfer", "action": f"id_{error_form}-action"})
    known["decision"] = "id_accept-decision"
    known.update({"method": "id_deliver-method", "tracking_number": "id_deliver-tracking"})
    errors = page_errors(error, known=known) if error else PageErrors()
    working = case.status in handling.WORKING_STATUSES
    return render(
        request,
        "cases/workbench/case.html",
        {
            "case": case,
            "applicant": case.applicant,
            "departments": departments_now(case),
            "participants": list(case.participant_departments.order_by("code")),
            "promised_due": due_state(case.promised_deadline) if case.is_open else "",
            "statutory_due": due_state(case.statutory_deadline) if case.is_open else "",
            "form_values": _form_labels(case),
            "materials": list(selectors.materials(case)),
            "catalogue_materials": list(materials),
            "form_field_names": [
                (f.name, f.title) for f in form_fields(forms.schema_for(case.item_version), {}, {})
            ],
            "supplement_requests": list(case.supplement_requests.order_by("-requested_at", "-id")),
            "suspensions": list(case.suspensions.select_related("procedure").order_by("-started_at")),
            "procedures": list(case.item_version.special_procedures.all()),
            "tasks": list(
                case.tasks.select_related("candidate_department", "assignee", "completed_by").order_by(
                    "created_at", "id"
                )
            ),
            "timeline": timeline(case, staff=True),
            "accept_panel": accept_panel if case.status == Case.Status.SUBMITTED else None,
            "reject_panel": accept_panel
            if case.status in (Case.Status.SUBMITTED, Case.Status.SUPPLEMENT_REQUESTED)
            else None,
            "task_panels": task_panels,
            "can_supplement": permissions.can_act(user, case, "request_supplement")
            and case.status in (Case.Status.SUBMITTED, *handling.WORKING_STATUSES),
            "can_suspend": permissions.can_act(user, case, "suspend") and working,
            "can_resume": permissions.can_act(user, case, "resume") and case.status == Case.Status.SUSPENDED,
            "result": result,
            "can_deliver": can_deliver,
            "delivery_methods": [(v, zh(label)) for v, label in CaseResult.DeliveryMethod.choices if v],
            "error": error,
            "errors": errors,
            "error_form": error_form,
            "posted": posted or {},
        },
        status=error.status if error else 200,
    )


@staff_required
@require_GET
@shows_domain_errors
def case_page(request: HttpRequest, reference: str) -> HttpResponseBase:
    return _render_case(request, selectors.get_case(_user(request), reference))


def _supplement_items(request: HttpRequest) -> list[handling.SupplementItem]:
    items = []
    for raw in request.POST.getlist("material"):
        if raw.isdigit():
            items.append(
                handling.SupplementItem(
                    material_id=int(raw), reason=request.POST.get(f"reason-material-{raw}", "").strip()
                )
            )
    for name in request.POST.getlist("field"):
        items.append(
            handling.SupplementItem(
                field=name[:100],
                name=request.POST.get(f"label-field-{name}", name)[:100],
                reason=request.POST.get(f"reason-field-{name}", "").strip(),
            )
        )
    for line in request.POST.get("other", "").splitlines():
        if line.strip():
            items.append(handling.SupplementItem(name=line.strip()[:200]))
    return items


def _do(request: HttpRequest, user: User, case: Case, op: str) -> str:
    """Run one staff action; the message to show afterwards."""
    post = request.POST
    if op == "accept":
        handling.accept_case(
            actor=user, case=case, decision=post.get("decision", ""), opinion=post.get("opinion", "")
        )
        return "已受理。"
    if op == "reject":
        handling.reject_case(actor=user, case=case, reason=post.get("reason", ""))
        return "已作出不予受理决定。"
    if op == "supplement":
        handling.request_supplement(
            actor=user, case=case, items=_supplement_items(request), note=post.get("note", "")
        )
        return "已一次性告知申请人需要补正的全部内容，办理时限暂停计算。"
    if op == "suspend":
        procedure = post.get("procedure_id", "")
        handling.suspend_for_special_procedure(
            actor=user,
            case=case,
            procedure_id=int(procedure) if procedure.isdigit() else 0,
            reason=post.get("reason", ""),
        )
        return "已启动特别程序，办理时限暂停计算。"
    if op == "resume":
        handling.resume_case(actor=user, case=case, note=post.get("note", ""))
        return "特别程序已结束，恢复计时。"
    if op == "deliver":
        delivery.deliver_result(
            actor=user,
            case=case,
            method=post.get("method", ""),
            tracking_number=post.get("tracking_number", ""),
            note=post.get("note", ""),
        )
        return "办理结果已送达，办件已办结。"
    task_id = post.get("task", "")
    task = selectors.get_task(user, int(task_id) if task_id.isdigit() else 0)
    if task.case_id != case.pk:
        raise DomainError("task_not_found", "任务不存在", "no such task", status=404)
    if op == "claim":
        handling.claim_task(actor=user, task=task)
        return f"已领取：{zh(task.name)}"
    action = post.get("action", "")
    transfer_to = None
    if action == "transfer":
        transfer_to = (
            selectors.transfer_candidates(user, task).filter(pk=post.get("transfer_to") or 0).first()
        )
    done = handling.complete_task(
        actor=user, task=task, action=action, opinion=post.get("opinion", ""), transfer_to=transfer_to
    )
    if action == "transfer" and transfer_to is not None:
        return f"已转办给 {transfer_to.display_name or transfer_to.username}。"
    return f"{zh(done.name)}：{action_label(done.step_kind, action)}，已办理。"


@staff_required
@require_POST
@shows_domain_errors
def case_action(request: HttpRequest, reference: str, op: str) -> HttpResponseBase:
    user = _user(request)
    case = selectors.get_case(user, reference)
    if op not in OPS:
        raise DomainError("unknown_action", "未知操作", "unknown action", status=404)
    try:
        message = _do(request, user, case, op)
    except DomainError as error:
        if error.status == 404:
            raise
        fresh = selectors.get_case(user, reference)
        form = f"task-{request.POST.get('task')}" if op == "task" else op
        return _render_case(request, fresh, error=error, error_form=form, posted=dict(request.POST.items()))
    messages.success(request, message)
    still_visible = selectors.visible_cases(user).filter(pk=case.pk).first()
    if still_visible is None:
        return redirect("workbench:queue")
    return redirect(reverse("workbench:case", args=[still_visible.reference]))


@staff_required
@require_GET
@shows_domain_errors
def download(request: HttpRequest, reference: str, material_pk: int) -> HttpResponseBase:
    case = selectors.get_case(_user(request), reference)
    return material_download(case, material_pk)

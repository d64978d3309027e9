"""The applicant's pages: apply online, 我的办件 (list and case), supplements, withdrawal, status query.

Views translate between HTML forms and the case services; what may be done is decided there.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from ninja.throttling import AnonRateThrottle

from govhall.cases import forms, selectors, services
from govhall.cases.models import UNDECIDED_STATUSES, Case, SupplementRequest
from govhall.cases.views_common import (
    KEY_FIELD,
    PageErrors,
    departments_now,
    mask_name,
    material_download,
    new_key,
    page_errors,
    pop_code,
    remember_code,
    result_of,
    shows_domain_errors,
    timeline,
)
from govhall.cases.views_forms import (
    ApplicationInput,
    attach_uploads,
    delete_stored,
    file_application,
    form_fields,
    material_rows,
    parse_application,
    parse_form,
    raw_form_values,
    replay_or_raise,
)
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.core.errors import DomainError, NotFound
from govhall.identity.models import User


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _item(code: str) -> ServiceItem | None:
    return (
        ServiceItem.objects.select_related("current_version", "department")
        .filter(implementation_code=code)
        .first()
    )


# --- Apply ---------------------------------------------------------------------------------------


def _known_fields(version: ItemVersion) -> dict[str, str]:
    """Service field names → ids of the controls that show them."""
    known = {name: f"id_form-{name}" for name in (forms.schema_for(version).get("properties") or {})}
    for material in version.materials.all():
        known[f"materials.{material.pk}"] = f"material-{material.pk}"
    return known


def _render_apply(
    request: HttpRequest,
    *,
    item: ServiceItem,
    version: ItemVersion,
    draft: Case | None,
    key: str,
    app: ApplicationInput | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    errors = page_errors(error, known=_known_fields(version))
    values: dict[str, Any] = app.raw_values if app else (draft.form_data if draft else {})
    user = _user(request)
    if app is None and draft is None and not values:
        values = {"contact_name": user.display_name}
    kind = services.applicant_kind_of(user)
    return render(
        request,
        "cases/apply.html",
        {
            "item": item,
            "version": version,
            "draft": draft,
            "key": key,
            "fields": form_fields(forms.schema_for(version), values, errors.by_field),
            "materials": material_rows(
                version,
                case=draft,
                chosen=app.chosen if app else None,
                errors=errors.by_field,
                holder=user,
                chosen_licences=app.chosen_licences if app else None,
            ),
            "errors": errors,
            "had_uploads": bool(app and app.uploads),
            "eligible": version.target in ("both", kind),
            "nav_section": "enterprise" if kind == Case.ApplicantKind.LEGAL else "citizen",
        },
        status=error.status if error else 200,
    )


def _not_for_staff(user: User) -> None:
    if user.is_staff_member:
        raise DomainError(
            "applicant_not_eligible",
            "工作人员账号不能作为申请人；为来窗口的群众办理请使用工作台的“窗口收件”",
            "a staff account cannot apply; use window intake on the workbench",
            status=403,
        )


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def apply(request: HttpRequest, code: str) -> HttpResponseBase:
    user = _user(request)
    _not_for_staff(user)
    item = _item(code)
    version = services.published_version(item)
    assert item is not None
    draft = None
    reference = request.POST.get("draft") or request.GET.get("draft")
    if reference:
        draft = selectors.get_case(user, reference, mine=True)
        if draft.item_id != item.pk:
            raise NotFound("case_not_found", "草稿不存在", "no such draft", status=404)
        if draft.status != Case.Status.DRAFT:
            return redirect("cases:my_case", reference=draft.reference)
        version = draft.item_version
    if request.method == "GET":
        return _render_apply(request, item=item, version=version, draft=draft, key=new_key())

    submit = request.POST.get("action") == "submit"
    key = request.POST.get(KEY_FIELD, "").strip()[:80]
    if submit:
        earlier = selectors.submitted_with_key(user, key)
        if earlier is not None:
            messages.info(request, "该申请已经提交过，没有重复提交。")
            return redirect("cases:my_case", reference=earlier.reference)
    app = parse_application(request, version, draft=draft)
    try:
        try:
            result = file_application(
                actor=user, version=version, app=app, submit=submit, key=key, item=item, draft=draft
            )
        except (DomainError, IntegrityError) as error:
            result = replay_or_raise(error, user=user, key=key)
    except DomainError as error:
        return _render_apply(request, item=item, version=version, draft=draft, key=key, app=app, error=error)
    case = result.case
    if not submit:
        messages.success(request, "草稿已保存。可随时在“我的办件”中继续填写。")
        return redirect(f"{reverse('cases:apply', args=[item.implementation_code])}?draft={case.uid}")
    if not result.created or result.verification_code is None:
        messages.info(request, "该申请已经提交过，没有重复提交。")
        return redirect("cases:my_case", reference=case.reference)
    assert case.case_no
    remember_code(request, case.case_no, result.verification_code)
    return redirect(f"{reverse('cases:code', args=[case.case_no])}?submitted=1")


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def verification_code(request: HttpRequest, reference: str) -> HttpResponseBase:
    """GET: the code issued a moment ago, shown once. POST: issue a new one (the old one stops working)."""
    user = _user(request)
    case = selectors.get_case(user, reference, mine=True)
    if request.method == "POST":
        code = services.reissue_verification_code(actor=user, case=case)
        assert case.case_no
        remember_code(request, case.case_no, code)
        return redirect("cases:code", reference=case.case_no)
    return render(
        request,
        "cases/code.html",
        {
            "case": case,
            "code": pop_code(request, case.case_no or ""),
            "submitted": request.GET.get("submitted") == "1",
        },
    )


# --- 我的办件 --------------------------------------------------------------------------------------


@login_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "")
    qs = selectors.with_open_tasks(selectors.my_cases(user))
    if status in Case.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [{"case": case, "departments": departments_now(case)} for case in page.object_list]
    return render(
        request,
        "cases/my_cases.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": Case.Status.choices,
            "query": f"status={status}" if status else "",
        },
    )


def _open_request(case: Case) -> SupplementRequest | None:
    if case.status != Case.Status.SUPPLEMENT_REQUESTED:
        return None
    return case.supplement_requests.filter(resolved_at__isnull=True).order_by("-requested_at").first()


def _supplement_known(case: Case, request: SupplementRequest | None) -> dict[str, str]:
    known = {"note": "id_supplement-note", "form": "supplement"}
    if request is None:
        return known
    for entry in request.items:
        if entry.get("material_id"):
            known[f"materials.{entry['material_id']}"] = f"material-{entry['material_id']}"
        if entry.get("field"):
            known[entry["field"]] = f"id_form-{entry['field']}"
    # Problems of other form fields (a resubmitted form is checked whole) also go to the top.
    return known


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    error: DomainError | None = None,
    error_form: str = "",
    posted: dict[str, Any] | None = None,
) -> HttpResponse:
    open_request = _open_request(case)
    errors = (
        page_errors(error, known=_supplement_known(case, open_request))
        if error_form == "supplement"
        else PageErrors()
    )
    withdraw_errors = page_errors(error, known={}) if error_form == "withdraw" else PageErrors()
    supplement_materials: list[Any] = []
    supplement_fields: list[Any] = []
    other: list[str] = []
    if open_request is not None:
        wanted = {e.get("material_id") for e in open_request.items if e.get("material_id")}
        supplement_materials = [
            row
            for row in material_rows(
                case.item_version,
                chosen=(posted or {}).get("chosen"),
                errors=errors.by_field,
                holder=case.applicant,
                chosen_licences=(posted or {}).get("chosen_licences"),
            )
            if row.material.pk in wanted
        ]
        names = {e.get("field") for e in open_request.items if e.get("field")}
        schema = forms.schema_for(case.item_version)
        values = (posted or {}).get("values") or case.form_data
        supplement_fields = [f for f in form_fields(schema, values, errors.by_field) if f.name in names]
        other = [
            e.get("name", "") for e in open_request.items if not e.get("material_id") and not e.get("field")
        ]
    return render(
        request,
        "cases/my_case.html",
        {
            "case": case,
            "departments": departments_now(case),
            "timeline": timeline(case, staff=False),
            "materials": list(selectors.materials(case)),
            "earlier_requests": list(
                case.supplement_requests.filter(resolved_at__isnull=False).order_by("-requested_at", "-id")
            ),
            "open_request": open_request,
            "supplement_materials": supplement_materials,
            "supplement_fields": supplement_fields,
            "supplement_other": other,
            "supplement_note": (posted or {}).get("note", ""),
            "errors": errors,
            "withdraw_errors": withdraw_errors,
            "can_withdraw": case.status in UNDECIDED_STATUSES,
            "result": result_of(_user(request), case),
        },
        status=error.status if error else 200,
    )


@login_required
@require_GET
@shows_domain_errors
def my_case(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = selectors.get_case(_user(request), reference, mine=True)
    return _render_case(request, case)


@login_required
@require_POST
@shows_domain_errors
def supplement(request: HttpRequest, reference: str) -> HttpResponseBase:
    """Answer the open supplement request: the missing materials, corrected fields and a note."""
    user = _user(request)
    case = selectors.get_case(user, reference, mine=True)
    open_request = _open_request(case)
    schema = forms.schema_for(case.item_version)
    names = {e.get("field") for e in (open_request.items if open_request else []) if e.get("field")}
    form_data, problems = parse_form(
        {**schema, "properties": {k: v for k, v in (schema.get("properties") or {}).items() if k in names}},
        request.POST,
        base=case.form_data,
    )
    app = parse_application(request, case.item_version)
    wanted = {
        e.get("material_id") for e in (open_request.items if open_request else []) if e.get("material_id")
    }
    note = request.POST.get("note", "").strip()
    posted = {
        "chosen": app.chosen,
        "chosen_licences": app.chosen_licences,
        "values": {**case.form_data, **raw_form_values(schema, request.POST)},
        "note": note,
    }
    stored: list[str] = []
    try:
        with transaction.atomic():
            for entry in app.provided:
                if entry.material_id in wanted:
                    services.attach_material(
                        actor=user,
                        case=case,
                        material_id=entry.material_id,
                        kind=entry.kind,
                        reference=entry.reference,
                    )
            uploads = {k: v for k, v in app.uploads.items() if k in wanted}
            problems += attach_uploads(actor=user, case=case, uploads=uploads, stored=stored)
            if problems:
                raise forms.invalid_application(problems)
            services.resubmit_supplement(
                actor=user, case=case, form_data=form_data if names else None, note=note
            )
    except DomainError as error:
        delete_stored(stored)
        return _render_case(
            request,
            selectors.get_case(user, reference, mine=True),
            error=error,
            error_form="supplement",
            posted=posted,
        )
    except BaseException:
        delete_stored(stored)
        raise
    messages.success(request, "补正材料已提交，办件将继续办理。")
    return redirect("cases:my_case", reference=case.reference)


@login_required
@require_POST
@shows_domain_errors
def withdraw(request: HttpRequest, reference: str) -> HttpResponseBase:
    user = _user(request)
    case = selectors.get_case(user, reference, mine=True)
    try:
        services.withdraw_case(actor=user, case=case, reason=request.POST.get("reason", "").strip()[:500])
    except DomainError as error:
        return _render_case(request, case, error=error, error_form="withdraw")
    messages.success(request, "申请已撤回。" if case.case_no else "草稿已放弃。")
    return redirect("cases:my_case", reference=case.reference)


@login_required
@require_GET
@shows_domain_errors
def download(request: HttpRequest, reference: str, material_pk: int) -> HttpResponseBase:
    case = selectors.get_case(_user(request), reference, mine=True)
    return material_download(case, material_pk)


# --- Public status query -------------------------------------------------------------------------


class StatusQueryThrottle(AnonRateThrottle):
    """Per client address, shared by every visitor of the page (logged in or not)."""

    scope = "case_status_page"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


STATUS_QUERY_RATE = "20/m"


@require_http_methods(["GET", "POST"])
def status_query(request: HttpRequest) -> HttpResponse:
    """办件查询: case number + the applicant's ID number or credit code + the verification code."""
    context: dict[str, Any] = {"case_no": "", "error": None, "case": None}
    if request.method == "GET":
        return render(request, "cases/status.html", context)
    case_no = request.POST.get("case_no", "").strip()[:40]
    identifier = request.POST.get("identifier", "").strip()[:40]
    code = request.POST.get("code", "").strip()[:20]
    context["case_no"] = case_no
    if not StatusQueryThrottle(STATUS_QUERY_RATE).allow_request(request):
        context["error"] = DomainError(
            "rate_limited", "查询过于频繁，请稍后再试", "too many queries; try again later", status=429
        )
        return render(request, "cases/status.html", context, status=429)
    if not (case_no and identifier and code):
        context["error"] = DomainError(
            "status_query_incomplete",
            "请填写办件编号、证件号码和查询码",
            "the case number, identifier and verification code are all required",
            status=422,
        )
        return render(request, "cases/status.html", context, status=422)
    try:
        case = selectors.status_query(case_no=case_no, identifier=identifier, code=code)
    except DomainError as error:
        context["error"] = error
        return render(request, "cases/status.html", context, status=error.status)
    context.update(
        case=case,
        applicant=mask_name(case.applicant_name),
        departments=departments_now(case),
        events=timeline(case, staff=False),
    )
    return render(request, "cases/status.html", context)

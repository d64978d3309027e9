"""Survey pages: the list, answering, results with charts, Excel export; the staff's builder."""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.core import permissions
from govhall.core.errors import DomainError
from govhall.identity.models import Department
from govhall.mailbox.views import shows_domain_errors
from govhall.surveys import builder, selectors, services
from govhall.surveys.export import survey_workbook
from govhall.surveys.forms import SurveyForm
from govhall.surveys.models import Question, Survey
from govhall.surveys.permissions import department_ids

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def working_departments(request: HttpRequest) -> QuerySet[Department]:
    return Department.objects.filter(pk__in=department_ids(request.user), is_active=True).order_by("code")


def staff_only(request: HttpRequest) -> None:
    if not department_ids(request.user):
        raise DomainError("staff_only", "仅限部门工作人员", "department staff only", status=403)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    surveys = list(selectors.public_surveys()[:50])
    return render(
        request,
        "surveys/index.html",
        {"open": [s for s in surveys if s.is_open], "past": [s for s in surveys if not s.is_open]},
    )


def _raw_answers(request: HttpRequest, survey: Survey) -> dict[int, Any]:
    raw: dict[int, Any] = {}
    for question in survey.questions.all():
        name = f"q{question.pk}"
        raw[question.pk] = (
            request.POST.getlist(name)
            if question.kind == Question.Kind.MULTIPLE
            else request.POST.get(name, "")
        )
    return raw


@require_http_methods(["GET", "POST"])
@shows_domain_errors
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey(request.user, pk)
    error: DomainError | None = None
    posted: dict[int, Any] = {}
    if request.method == "POST":
        posted = _raw_answers(request, survey)
        try:
            services.submit_response(
                actor=request.user,
                survey=survey,
                answers=posted,
                idempotency_key=request.POST.get("idempotency_key", ""),
                client=client_address(request),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, "感谢您的参与，答卷已提交。")
            return redirect("surveys:thanks", pk=survey.pk)
    questions = list(survey.questions.prefetch_related("choices").order_by("position"))
    for question in questions:
        value = posted.get(question.pk, [] if question.kind == Question.Kind.MULTIPLE else "")
        question.posted = [str(v) for v in value] if isinstance(value, list) else str(value)  # type: ignore[attr-defined]
        question.error = error is not None and error.details.get("field") == f"q{question.pk}"  # type: ignore[attr-defined]
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "questions": questions,
            "error": error,
            "answered": selectors.has_answered(request.user, survey),
            "needs_login": not request.user.is_authenticated and not survey.allow_anonymous,
            "key": secrets.token_hex(16),
            "results_visible": selectors.survey_results_visible(request.user, survey),
        },
        status=error.status if error is not None else 200,
    )


@require_GET
@shows_domain_errors
def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey(request.user, pk)
    return render(
        request,
        "surveys/thanks.html",
        {"survey": survey, "results_visible": selectors.survey_results_visible(request.user, survey)},
    )


def chart_data(results: list[selectors.QuestionResult]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"chart-{r.question.pk}",
            "kind": r.question.kind,
            "labels": [o["label"] for o in r.options],
            "counts": [o["count"] for o in r.options],
        }
        for r in results
        if r.options
    ]


@require_GET
@shows_domain_errors
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey(request.user, pk)
    if not selectors.survey_results_visible(request.user, survey):
        raise DomainError(
            "results_not_public",
            "调查结果将在截止后公布",
            "the results are published after the close",
            status=403,
        )
    total, rows = selectors.survey_results(survey)
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "total": total,
            "results": rows,
            "charts": json.dumps(chart_data(rows), ensure_ascii=False),
            "can_export": permissions.can_act(request.user, survey, "results"),
        },
    )


@login_required
@require_GET
@shows_domain_errors
def export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey(request.user, pk)
    if not permissions.can_act(request.user, survey, "results"):
        raise DomainError(
            "forbidden", "仅发起部门可以导出答卷", "only the organising department exports", status=403
        )
    response = HttpResponse(survey_workbook(survey), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.xlsx"'
    return response


@login_required
@require_GET
@shows_domain_errors
def staff(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    return render(
        request,
        "surveys/staff/index.html",
        {
            "surveys": list(selectors.staff_surveys(request.user).order_by("-created_at")[:100]),
            "votes": list(selectors.staff_votes(request.user).order_by("-created_at")[:100]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def new_survey(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    form = SurveyForm(request.POST or None, departments=working_departments(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.create_survey(
                actor=request.user,
                department=data["department"],
                title=data["title"],
                description=data["description"],
                questions=builder.parse(data["questions"]),
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                allow_anonymous=data["allow_anonymous"],
                results_public=data["results_public"],
            )
        except DomainError as error:
            field = error.details.get("field")
            form.add_error(field if field in form.fields else None, error.message_zh)
        else:
            messages.success(request, "调查已保存为草稿，请预览后发布。")
            return redirect("surveys:answer", pk=survey.pk)
    return render(request, "surveys/staff/form.html", {"form": form, "kind": "survey"})


@login_required
@require_POST
@shows_domain_errors
def survey_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    survey = selectors.survey(request.user, pk)
    if op == "publish":
        services.publish_survey(actor=request.user, survey=survey)
        messages.success(request, "调查已发布。")
    elif op == "close":
        services.close_survey(actor=request.user, survey=survey)
        messages.success(request, "调查已截止。")
    else:
        raise DomainError("unknown_action", "未知操作", "unknown action", status=404)
    return redirect("surveys:staff")

"""Mailbox pages: the public mailboxes and published letters, writing a letter, "my letters"."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from govhall.core.errors import DomainError
from govhall.mailbox import selectors, services
from govhall.mailbox.forms import LetterForm
from govhall.mailbox.models import Letter
from govhall.mailbox.redact import mask_name

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 20
STEP_LABELS = {
    "submitted": "提交来信",
    "assigned": "交办承办部门",
    "drafted": "拟写答复",
    "returned": "答复退回修改",
    "replied": "答复",
    "published": "公开",
    "unpublished": "撤回公开",
}
WRITER_STEPS = frozenset({"submitted", "assigned", "replied", "published"})


def shows_domain_errors(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render(request, "mailbox/error.html", {"error": error}, status=error.status)

    return wrapper


def labelled(steps: list[Any]) -> list[Any]:
    for step in steps:
        step.label = STEP_LABELS.get(step.kind, step.kind)
    return steps


def categories() -> list[tuple[str, str]]:
    return [(value, label.split(" ")[0]) for value, label in Letter.Category.choices]


@require_GET
@shows_domain_errors
def index(request: HttpRequest) -> HttpResponse:
    mailbox = None
    code = request.GET.get("mailbox", "")
    if code:
        mailbox = selectors.mailbox(code)
    category = request.GET.get("category", "")
    if category not in Letter.Category.values:
        category = ""
    letters = selectors.published_letters(mailbox=mailbox, category=category)
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mailbox/index.html",
        {
            "mailboxes": list(selectors.active_mailboxes()),
            "page": page,
            "selected": mailbox,
            "category": category,
            "categories": categories(),
        },
    )


@require_GET
@shows_domain_errors
def published(request: HttpRequest, number: str) -> HttpResponse:
    letter = selectors.published_letter(number)
    return render(
        request, "mailbox/published.html", {"letter": letter, "writer": mask_name(letter.writer_name)}
    )


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def write(request: HttpRequest, code: str) -> HttpResponse:
    mailbox = selectors.mailbox(code)
    if getattr(request.user, "kind", "") == "staff":
        raise DomainError(
            "writers_only",
            "请使用个人或法人账号写信",
            "letters are written from a citizen or enterprise account",
            status=403,
        )
    form = LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            letter = services.submit_letter(
                actor=request.user,
                mailbox=mailbox,
                category=data["category"],
                subject=data["subject"],
                content=data["content"],
                consent_publish=data["consent_publish"],
                idempotency_key=data["idempotency_key"] or "",
            )
        except DomainError as error:
            field = error.details.get("field")
            form.add_error(field if field in form.fields else None, error.message_zh)
        else:
            messages.success(request, f"来信已提交，信件编号 {letter.number}。")
            return redirect("mailbox:my_letter", number=letter.number)
    return render(request, "mailbox/write.html", {"mailbox": mailbox, "form": form})


@login_required
@require_GET
def my_letters(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_letters(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mailbox/my_letters.html", {"page": page})


@login_required
@require_GET
@shows_domain_errors
def my_letter(request: HttpRequest, number: str) -> HttpResponse:
    letter = selectors.my_letters(request.user).filter(number=number).first()
    if letter is None:
        raise DomainError("letter_not_found", "该来信不存在或您无权查看", "no such letter", status=404)
    steps = labelled([e for e in selectors.timeline(letter) if e.kind in WRITER_STEPS])
    return render(request, "mailbox/my_letter.html", {"letter": letter, "steps": steps})

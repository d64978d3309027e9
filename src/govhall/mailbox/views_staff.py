"""The staff pages of the mailboxes: the queue, one letter with its actions, the statistics."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.core import permissions
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import DomainError
from govhall.mailbox import selectors, services
from govhall.mailbox.forms import AssignForm, DraftForm, ReviewForm
from govhall.mailbox.models import Letter, ReplyDraft
from govhall.mailbox.views import PAGE_SIZE, labelled, shows_domain_errors


def _staff_only(request: HttpRequest) -> None:
    if getattr(request.user, "kind", "") != "staff":
        raise DomainError("staff_only", "仅限工作人员", "staff only", status=403)


@login_required
@require_GET
@shows_domain_errors
def queue(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    status = request.GET.get("status", "")
    if status not in Letter.Status.values:
        status = ""
    letters = selectors.staff_letters(request.user, status=status)
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mailbox/staff/queue.html",
        {
            "page": page,
            "status": status,
            "statuses": [(v, label.split(" ")[0]) for v, label in Letter.Status.choices],
            "offices": list(selectors.offices_of(request.user)),
        },
    )


@login_required
@require_GET
@shows_domain_errors
def letter_page(request: HttpRequest, number: str) -> HttpResponse:
    _staff_only(request)
    letter = selectors.private_letter(request.user, number)
    user = request.user
    pending = letter.drafts.filter(status=ReplyDraft.Status.PENDING).select_related("author").first()
    return render(
        request,
        "mailbox/staff/letter.html",
        {
            "letter": letter,
            "steps": labelled(selectors.timeline(letter)),
            "drafts": list(letter.drafts.select_related("author", "reviewer")),
            "pending": pending,
            "can_assign": letter.status in (Letter.Status.SUBMITTED, Letter.Status.ASSIGNED)
            and permissions.can_act(user, letter, "assign"),
            "can_draft": letter.status == Letter.Status.ASSIGNED
            and permissions.can_act(user, letter, "draft"),
            "can_review": pending is not None
            and pending.author_id != user.pk
            and permissions.can_act(user, letter, "review"),
            "can_publish": letter.status == Letter.Status.REPLIED
            and letter.consent_publish
            and permissions.can_act(user, letter, "publish"),
            "assign_form": AssignForm(),
            "draft_form": DraftForm(),
            "review_form": ReviewForm(),
        },
    )


@login_required
@require_POST
@shows_domain_errors
def letter_action(request: HttpRequest, number: str, op: str) -> HttpResponse:
    _staff_only(request)
    letter = selectors.private_letter(request.user, number)
    actor = request.user
    done = ""
    if op == "assign":
        form = AssignForm(request.POST)
        if not form.is_valid():
            raise DomainError("invalid_department", "请选择交办部门", "choose a department")
        services.assign_letter(
            actor=actor,
            letter=letter,
            department=form.cleaned_data["department"],
            note=form.cleaned_data["note"],
        )
        done = "已交办。"
    elif op == "draft":
        services.draft_reply(actor=actor, letter=letter, text=request.POST.get("text", ""))
        done = "答复草稿已提交审核。"
    elif op == "review":
        approve = request.POST.get("decision") == "approve"
        services.review_reply(actor=actor, letter=letter, approve=approve, note=request.POST.get("note", ""))
        done = "答复已发送来信人。" if approve else "答复已退回修改。"
    elif op == "publish":
        services.publish_letter(actor=actor, letter=letter)
        done = "来信及答复已公开。"
    elif op == "unpublish":
        services.unpublish_letter(actor=actor, letter=letter, note=request.POST.get("note", ""))
        done = "已撤回公开。"
    else:
        raise DomainError("unknown_action", "未知操作", "unknown action", status=404)
    messages.success(request, done)
    return redirect("mailbox:staff_letter", number=number)


def _day(value: str, *, end: bool = False) -> datetime | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=SHANGHAI)


@login_required
@require_http_methods(["GET"])
@shows_domain_errors
def statistics(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    since = _day(request.GET.get("since", ""))
    until = _day(request.GET.get("until", ""), end=True)
    figures = selectors.statistics(request.user, since=since, until=until)
    totals = {
        "received": sum(f.received for f in figures),
        "replied": sum(f.replied for f in figures),
        "late": sum(f.late for f in figures),
        "open_overdue": sum(f.open_overdue for f in figures),
    }
    return render(
        request,
        "mailbox/staff/statistics.html",
        {
            "figures": figures,
            "totals": totals,
            "since": request.GET.get("since", ""),
            "until": request.GET.get("until", ""),
        },
    )

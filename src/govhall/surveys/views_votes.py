"""Public vote pages: the list, the ballot, the tally after the close; the staff's vote builder."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhall.core.errors import DomainError
from govhall.mailbox.views import shows_domain_errors
from govhall.surveys import selectors, vote_services
from govhall.surveys.forms import VoteForm
from govhall.surveys.views import client_address, staff_only, working_departments


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    votes = list(selectors.public_votes()[:50])
    return render(
        request,
        "surveys/votes.html",
        {"open": [v for v in votes if v.is_open], "past": [v for v in votes if not v.is_open]},
    )


def _eligibility(request: HttpRequest) -> str:
    """Why the user cannot vote, in words; empty when they can."""
    try:
        vote_services.check_voter(request.user)
    except DomainError as error:
        return error.message_zh
    return ""


@require_http_methods(["GET", "POST"])
@shows_domain_errors
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.vote(request.user, pk)
    error: DomainError | None = None
    chosen: list[int] = []
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("candidate") if v.isdigit()]
        try:
            result = vote_services.cast_ballot(
                actor=request.user, vote=vote, candidate_ids=chosen, client=client_address(request)
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request, "改票成功，以最后一次提交为准。" if result.changed else "投票成功，感谢您的参与！"
            )
            return redirect("surveys:vote", pk=vote.pk)
    mine = selectors.my_ballot(request.user, vote)
    return render(
        request,
        "surveys/vote.html",
        {
            "vote": vote,
            "candidates": list(vote.candidates.order_by("position")),
            "mine": mine,
            # After a refusal the ballot as stored is shown, unless the voter may still change it.
            "chosen": mine if mine is not None and not vote.allow_change else (chosen or mine or []),
            "error": error,
            "ineligible": _eligibility(request) if request.user.is_authenticated else "",
            "results_visible": selectors.vote_results_visible(request.user, vote),
        },
        status=error.status if error is not None else 200,
    )


@require_GET
@shows_domain_errors
def results(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.vote(request.user, pk)
    if not selectors.vote_results_visible(request.user, vote):
        raise DomainError(
            "results_not_public",
            "投票结果将在投票截止后公布",
            "the tally is published after the close",
            status=403,
        )
    tally = selectors.tally(vote)
    chart = {"labels": [r["name"] for r in tally.rows], "votes": [r["votes"] for r in tally.rows]}
    return render(
        request,
        "surveys/vote_results.html",
        {
            "vote": vote,
            "tally": tally,
            "chart": json.dumps(chart, ensure_ascii=False),
            "chart_height": 60 + 30 * len(tally.rows),
            "final": vote.is_closed,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def new_vote(request: HttpRequest) -> HttpResponse:
    staff_only(request)
    form = VoteForm(request.POST or None, departments=working_departments(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vote = vote_services.create_vote(
                actor=request.user,
                department=data["department"],
                title=data["title"],
                description=data["description"],
                candidates=form.candidate_rows(),
                min_choices=data["min_choices"],
                max_choices=data["max_choices"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                allow_change=data["allow_change"],
            )
        except DomainError as error:
            field = error.details.get("field")
            form.add_error(field if field in form.fields else None, error.message_zh)
        else:
            messages.success(request, "投票已保存为草稿，请预览后发布。")
            return redirect("surveys:vote", pk=vote.pk)
    return render(request, "surveys/staff/form.html", {"form": form, "kind": "vote"})


@login_required
@require_POST
@shows_domain_errors
def vote_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    vote = selectors.vote(request.user, pk)
    if op != "publish":
        raise DomainError("unknown_action", "未知操作", "unknown action", status=404)
    vote_services.publish_vote(actor=request.user, vote=vote)
    messages.success(request, "投票已发布。")
    return redirect("surveys:staff")

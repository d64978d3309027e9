"""The message centre (/messages/): the user's messages, newest first, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from govhall.notifications import selectors, services

PAGE_SIZE = 20


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.inbox(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/messages.html",
        {"page": page, "unread_only": unread_only, "nav_section": "messages"},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.inbox(request.user).filter(pk=pk).first()
    if message is None:
        raise Http404
    services.mark_read(user=request.user, message_ids=[message.pk])
    # "Open" on a message marks it read and follows its link, if it is one of ours.
    target = message.link if request.POST.get("open") and message.link else ""
    if not (target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    return HttpResponseRedirect(reverse("notifications:list"))

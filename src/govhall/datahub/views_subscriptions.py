"""Change subscription pages: a consumer's subscriptions, subscribing a granted resource, deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from govhall.core.errors import DomainError
from govhall.datahub import exchange, subscriptions
from govhall.datahub import permissions as hub_permissions
from govhall.datahub.models import AccessGrant, Subscription
from govhall.datahub.views import page_of, show_error, staff_only


def _visible(user: object) -> QuerySet[Subscription]:
    """A consumer's officers see its subscriptions; nobody else needs the URLs they point at."""
    departments = hub_permissions.officer_department_ids(user)
    return Subscription.objects.filter(consumer_id__in=departments).select_related(
        "resource", "consumer", "grant"
    )


@staff_only
@require_http_methods(["GET", "POST"])
def subscription_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    departments = hub_permissions.officer_department_ids(user)
    grants = [
        g
        for g in AccessGrant.objects.filter(
            consumer_id__in=departments, status=AccessGrant.Status.APPROVED
        ).select_related("resource", "consumer")
        if exchange.is_usable(g)
    ]
    form = {"grant": "", "url": ""}
    if request.method == "POST":
        form = {"grant": request.POST.get("grant", ""), "url": request.POST.get("url", "")}
        grant = next((g for g in grants if str(g.pk) == form["grant"]), None)
        if grant is None:
            messages.error(request, "请选择一项有效的授权。")
        else:
            try:
                created = subscriptions.subscribe(
                    actor=user, grant=grant, url=form["url"], secret=request.POST.get("secret", "")
                )
                messages.success(request, "已订阅。")
                return redirect("datahub:subscription", pk=created.pk)
            except DomainError as exc:
                show_error(request, exc)
    context = {
        "nav": "subscriptions",
        "grants": grants,
        "form": form,
        "min_secret": subscriptions.MIN_SECRET_LENGTH,
        "page": page_of(request, _visible(user)),
    }
    return render(request, "datahub/subscriptions.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = _visible(request.user).filter(pk=pk).first()
    if subscription is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "cancel":
        try:
            subscriptions.cancel_subscription(actor=request.user, subscription=subscription)
            messages.success(request, "订阅已取消。")
            return redirect("datahub:subscription", pk=pk)
        except DomainError as exc:
            show_error(request, exc)
    notices = subscription.notices.order_by("-sequence")
    context = {"nav": "subscriptions", "subscription": subscription, "page": page_of(request, notices, 50)}
    return render(request, "datahub/subscription.html", context)

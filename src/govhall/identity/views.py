"""Sign-in, registration, password and account pages; rules live in services and permissions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from govhall.core.errors import DomainError
from govhall.identity import selectors
from govhall.identity.forms import (
    AuditedPasswordChangeForm,
    AuditedSetPasswordForm,
    CitizenRegistrationForm,
    EnterpriseRegistrationForm,
    LoginForm,
    StyledPasswordResetForm,
)


class LoginView(auth_views.LoginView):
    template_name = "identity/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    # Django's LoginView names the site after the request's host; the page shows the platform's name.
    extra_context = {"site_name": settings.GOVHALL_SITE_NAME}


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def register_choice(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/register_choice.html")


_REGISTRATION_KINDS: dict[str, tuple[type[CitizenRegistrationForm | EnterpriseRegistrationForm], str]] = {
    "citizen": (CitizenRegistrationForm, "个人用户注册"),
    "enterprise": (EnterpriseRegistrationForm, "法人用户注册"),
}


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, kind: str) -> HttpResponse:
    form_class, heading = _REGISTRATION_KINDS[kind]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.register()
        except DomainError as exc:
            form.add_error(form.error_field(exc.details.get("field")), exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "注册成功，欢迎使用。")
            return redirect("identity:account")
    return render(request, "identity/register_form.html", {"form": form, "heading": heading, "kind": kind})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "account": request.user,
        "memberships": selectors.memberships_of(request.user),
    }
    return render(request, "identity/account.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "identity/password_reset_form.html"
    form_class = StyledPasswordResetForm
    email_template_name = "identity/password_reset_email.txt"
    subject_template_name = "identity/password_reset_subject.txt"
    success_url = reverse_lazy("identity:password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, Any]:
        return {"site_name": settings.GOVHALL_SITE_NAME}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "identity/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "identity/password_reset_confirm.html"
    form_class = AuditedSetPasswordForm
    success_url = reverse_lazy("identity:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "identity/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "identity/password_change_form.html"
    form_class = AuditedPasswordChangeForm
    success_url = reverse_lazy("identity:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "identity/password_change_done.html"

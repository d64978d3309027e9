"""The OpenID Connect endpoints: django-oauth-toolkit's views with govhall's rules on top.

- authorization: staff who still owe the second factor pass it first (or, with ``prompt=none``,
  the client is told ``interaction_required``); consent is asked only of non-government clients;
- discovery and JWKS: the published database keys and only what this provider accepts (code flow,
  PKCE with S256, RS256);
- RP-initiated logout: audited, ends the govhall session, returns to the registered address.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.generic import View
from oauth2_provider import views as dot_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import AccessToken, get_application_model

from govhall.core.audit import record_event
from govhall.sso import keys, otp, services

SUPPORTED = {
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "code_challenge_methods_supported": ["S256"],
    "id_token_signing_alg_values_supported": [keys.ALGORITHM],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
}


def _prompts(request: HttpRequest) -> set[str]:
    return set(request.GET.get("prompt", "").split())


class AuthorizeView(dot_views.AuthorizationView):
    """``/o/authorize/``: the sign-in page of every connected system."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and otp.needs_second_factor(request.user):
            if "none" in _prompts(request):
                return self._error_redirect("interaction_required")
            return redirect_to_login(request.get_full_path(), reverse("sso:otp_verify"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)
        # The consent page cannot be shown to a client that asked for no interaction.
        if "none" in _prompts(request) and response.status_code == 200:
            return self._error_redirect("consent_required")
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        application = get_application_model().objects.filter(client_id=form.cleaned_data["client_id"]).first()
        with transaction.atomic():
            record_event(
                actor=self.request.user,
                action="sso.consent_granted" if form.cleaned_data.get("allow") else "sso.consent_denied",
                obj="oauth2_provider.application",
                object_id=application.pk if application else None,
                after={
                    "client_id": form.cleaned_data["client_id"],
                    "scope": form.cleaned_data.get("scope", ""),
                },
            )
        return response

    def _error_redirect(self, error: str) -> HttpResponse:
        """Send an OpenID error back to the client, but only to a redirect URI it registered."""
        try:
            _scopes, credentials = self.validate_authorization_request(self.request)
        except OAuthToolkitError as exc:
            return self.error_response(exc, application=None)
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        params = {"error": error}
        if credentials.get("state"):
            params["state"] = credentials["state"]
        uri = credentials["redirect_uri"]
        return self.redirect(uri + ("&" if "?" in uri else "?") + urlencode(params), application)


def _restated(response: HttpResponse, **overrides: Any) -> JsonResponse:
    data = json.loads(response.content)
    data.update(overrides)
    restated = JsonResponse(data)
    restated["Access-Control-Allow-Origin"] = "*"
    return restated


class DiscoveryView(dot_views.ConnectDiscoveryInfoView):
    """``/o/.well-known/openid-configuration``."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        return _restated(
            response,
            **SUPPORTED,
            revocation_endpoint=self._get_endpoint_url(request, "revoke-token", required=True),
            claims_parameter_supported=False,
            request_parameter_supported=False,
        )


class ServerMetadataView(dot_views.OAuthServerMetadataView):
    """``/o/.well-known/oauth-authorization-server`` (RFC 8414), consistent with the OIDC document."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        jwks_uri = self._get_endpoint_url(request, "jwks-info", required=True)
        return _restated(response, jwks_uri=jwks_uri, **SUPPORTED)


@method_decorator(cache_control(public=True, max_age=300), name="dispatch")
class JwksView(View):
    """``/o/.well-known/jwks.json``: the signing key and the retired keys still published.

    Cached for five minutes only, so a client sees a new key soon after a rotation; clients that
    meet an unknown key id fetch the set again.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        response = JsonResponse(keys.jwks())
        response["Access-Control-Allow-Origin"] = "*"
        return response


class LogoutView(dot_views.RPInitiatedLogoutView):
    """``/o/logout/``: a connected system's logout ends the govhall session (and so all systems')."""

    def do_logout(
        self,
        application: Any = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        user = token_user or self.request.user
        revoked = AccessToken.objects.filter(user=user).count() if getattr(user, "pk", None) else 0
        response: HttpResponse = super().do_logout(application, post_logout_redirect_uri, state, token_user)
        if getattr(user, "pk", None):
            services.audit_token_event(
                action="sso.logout",
                user=user,
                application=application,
                object_id=None,
                after={
                    "access_tokens_revoked": revoked,
                    "post_logout_redirect": bool(post_logout_redirect_uri),
                },
            )
        return response

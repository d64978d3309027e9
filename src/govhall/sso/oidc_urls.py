"""The provider's endpoints under ``/o/`` (the issuer is ``<site>/o``).

Only what govhall offers is routed: no application self-registration (clients are registered by
the platform admin), no device flow, no dynamic client registration.
"""

from django.urls import path, re_path
from oauth2_provider import views as dot_views

from govhall.sso import oidc_views

app_name = "oauth2_provider"
urlpatterns = [
    path("authorize/", oidc_views.AuthorizeView.as_view(), name="authorize"),
    path("token/", dot_views.TokenView.as_view(), name="token"),
    path("revoke_token/", dot_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("userinfo/", dot_views.UserInfoView.as_view(), name="user-info"),
    path("logout/", oidc_views.LogoutView.as_view(), name="rp-initiated-logout"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        oidc_views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        oidc_views.ServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", oidc_views.JwksView.as_view(), name="jwks-info"),
]

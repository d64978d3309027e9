"""The OAuth 2.0 / OpenID Connect validator: govhall's claims, database signing keys, token audit.

django-oauth-toolkit reads one RSA key from its settings; here ID tokens are signed with the
active :class:`~govhall.sso.models.SigningKey` and any published key verifies an ``id_token_hint``,
so a key can be rotated without a deployment.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from jwcrypto import jwk, jws, jwt
from oauth2_provider.models import AccessToken, Application, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from govhall.identity.models import Membership, User
from govhall.sso import keys, services

# Claims by the scope that releases them; "sub" (the user's id) always goes out.
CLAIM_SCOPES = {
    "sub": "openid",
    "name": "profile",
    "preferred_username": "profile",
    "user_kind": "profile",
    "real_name_level": "realname",
    "acr": "realname",
    "roles": "roles",
}
ACR_PREFIX = "urn:govhall:loa:"


def real_name_claims(user: User) -> dict[str, Any]:
    level = f"L{user.real_name_level}"
    return {"real_name_level": level, "acr": ACR_PREFIX + level}


def role_claims(user: User) -> list[dict[str, str]]:
    if user.kind != User.Kind.STAFF:
        return []
    rows = (
        Membership.objects.filter(user=user, department__is_active=True)
        .select_related("department")
        .order_by("department__code", "role")
    )
    return [
        {"department": m.department.code, "department_name": m.department.name, "role": m.role} for m in rows
    ]


class GovhallOIDCValidator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPES

    # --- Claims ----------------------------------------------------------------------------------

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user: User = request.user
        scopes = set(request.scopes or [])
        claims: dict[str, Any] = {}
        if "profile" in scopes:
            claims.update(
                name=user.display_name or user.username, preferred_username=user.username, user_kind=user.kind
            )
        if "realname" in scopes:
            claims.update(real_name_claims(user))
        if "roles" in scopes:
            claims["roles"] = role_claims(user)
        return claims

    def get_discovery_claims(self, request: Any) -> list[str]:
        return ["iss", "aud", "exp", "iat", "auth_time", "nonce", *CLAIM_SCOPES]

    # --- prompt=none -----------------------------------------------------------------------------
    # oauthlib asks these while validating a request that wants no interaction. The authorization
    # view has already decided both: it answers login_required for a visitor without a session
    # and consent_required where it would have shown the consent page.

    def validate_silent_login(self, request: Any) -> bool:
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        return True

    # --- Signing with the database key -----------------------------------------------------------

    def finalize_id_token(
        self, id_token: dict[str, Any], token: Any, token_handler: Any, request: Any
    ) -> str:
        claims, expiration_time = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        kid, key = keys.signing_jwk()
        signed = jwt.JWT(
            header=json.dumps({"typ": "JWT", "alg": keys.ALGORITHM, "kid": kid}),
            claims=json.dumps(id_token, default=str),
        )
        signed.make_signed_token(key)
        with transaction.atomic():
            saved = self._save_id_token(id_token["jti"], request, expiration_time)
        request.access_token = saved
        request.id_token = saved
        return str(signed.serialize())

    def _get_key_for_token(self, token: str) -> jwk.JWK | None:
        unverified = jws.JWS()
        unverified.deserialize(token)
        header = unverified.jose_header
        if not isinstance(header, dict) or header.get("alg") != keys.ALGORITHM or not header.get("kid"):
            return None
        return keys.public_jwk_for(str(header["kid"]))

    # --- Audit of issuance and revocation --------------------------------------------------------

    def save_bearer_token(self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            result = super().save_bearer_token(token, request, *args, **kwargs)
            access = getattr(request, "access_token", None)
            services.audit_token_event(
                action="sso.token_issued",
                user=request.user,
                application=request.client,
                object_id=getattr(access, "pk", None),
                after={
                    "grant_type": request.grant_type,
                    "scope": token.get("scope", ""),
                    "refresh_token": bool(token.get("refresh_token")),
                    "id_token": bool(token.get("id_token")),
                },
            )
        return result

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        client: Application | None = request.client
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        lookup = {"token_checksum": checksum, "application_id": getattr(client, "pk", None)}
        with transaction.atomic():
            found: AccessToken | RefreshToken | None = None
            if lookup["application_id"] is not None:
                found = AccessToken.objects.filter(**lookup).first() or (
                    RefreshToken.objects.filter(**lookup, revoked__isnull=True).first()
                )
            result = super().revoke_token(token, token_type_hint, request, *args, **kwargs)
            # An unknown token changes nothing (and RFC 7009 answers 200 all the same).
            if found is not None:
                services.audit_token_event(
                    action="sso.token_revoked",
                    user=found.user,
                    application=client,
                    object_id=found.pk,
                    after={"kind": type(found).__name__, "via": "revocation_endpoint"},
                )
        return result

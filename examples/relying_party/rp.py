"""A demo relying party: a tiny Django site that signs its users in through govhall's OpenID Connect.

The authorization code flow with PKCE is written out by hand (urllib for HTTP, jwcrypto for the ID
token) so that a department's developers can see every step their own system has to take:

1. ``/login/``: make a state, a nonce and a PKCE verifier, remember them in the session, send the
   browser to govhall's authorization endpoint;
2. ``/callback/``: check the state (and the ``iss`` parameter), exchange the code with the
   verifier and the client secret, verify the ID token's signature against govhall's JWKS and its
   ``iss``, ``aud``, ``exp`` and ``nonce``, read the userinfo endpoint, keep the user in the session;
3. ``/protected/``: a page for signed-in users. When the local sign-in is older than
   ``--recheck-seconds`` the site asks govhall again with ``prompt=none``: still signed in there
   → a fresh code, no page shown; signed out there (at govhall or through another system) →
   ``login_required``, and this site forgets its user too. That is how a logout anywhere ends the
   session everywhere, without any call from govhall to the systems;
4. ``/logout/``: forget the user and send the browser to govhall's end-session endpoint with the
   ID token as hint; govhall ends its session and returns to this site's registered address.

Run: ``python examples/relying_party/rp.py --port 8101 --issuer http://127.0.0.1:8000/o
--client-id ... --client-secret ...`` (see README.md). Needs only Django and jwcrypto.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import secrets
import socketserver
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings

CONFIG: dict[str, Any] = {}
urlpatterns: list[Any] = []  # filled once Django is configured (this module is the URLconf)
_CACHE: dict[str, Any] = {}
SILENT_ERRORS = {"login_required", "interaction_required", "consent_required"}


def configure(args: argparse.Namespace) -> None:
    CONFIG.update(
        name=args.name,
        issuer=args.issuer.rstrip("/"),
        client_id=args.client_id,
        client_secret=args.client_secret or "",
        scope=args.scope,
        recheck=args.recheck_seconds,
        host=args.host,
        port=args.port,
        base=f"http://{args.host}:{args.port}",
    )
    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS=[args.host, "localhost", "127.0.0.1"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.sessions"],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        # No database: the session lives in a signed cookie, named per port because browsers
        # share cookies between ports of one host.
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        SESSION_COOKIE_NAME=f"rp{args.port}_session",
        CSRF_COOKIE_NAME=f"rp{args.port}_csrf",
        SESSION_COOKIE_HTTPONLY=True,
        DATABASES={},
        USE_TZ=True,
    )
    django.setup()
    urlpatterns[:] = _urlpatterns()


# --- Talking to govhall --------------------------------------------------------------------------


def _http(url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    if not url.startswith(("http://", "https://")):
        raise OidcError(f"refusing to fetch {url!r}")
    all_headers = {"Accept": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=body, headers=all_headers)  # noqa: S310 - http(s) only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the configured issuer
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise OidcError(f"{url} answered {exc.code}: {exc.read()[:300]!r}") from exc


class OidcError(Exception):
    pass


def discovery() -> dict[str, Any]:
    if "discovery" not in _CACHE:
        doc = _http(CONFIG["issuer"] + "/.well-known/openid-configuration")
        if doc["issuer"] != CONFIG["issuer"]:
            raise OidcError(f"issuer mismatch: {doc['issuer']} != {CONFIG['issuer']}")
        _CACHE["discovery"] = doc
    return dict(_CACHE["discovery"])


def verify_id_token(id_token: str, nonce: str) -> dict[str, Any]:
    from jwcrypto import jwk, jwt

    for attempt in range(2):
        if attempt or "jwks" not in _CACHE:
            _CACHE["jwks"] = jwk.JWKSet.from_json(json.dumps(_http(discovery()["jwks_uri"])))
        try:
            token = jwt.JWT(
                jwt=id_token,
                key=_CACHE["jwks"],
                algs=["RS256"],
                check_claims={"iss": CONFIG["issuer"], "aud": CONFIG["client_id"], "exp": None},
            )
            break
        except jwt.JWTMissingKey:
            if attempt:  # fetched afresh and still unknown: not govhall's key
                raise
    claims: dict[str, Any] = json.loads(token.claims)
    if claims.get("nonce") != nonce:
        raise OidcError("the ID token's nonce is not the one sent")
    return claims


def exchange(code: str, verifier: str) -> dict[str, Any]:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CONFIG["base"] + "/callback/",
        "code_verifier": verifier,
        "client_id": CONFIG["client_id"],
    }
    headers = {}
    if CONFIG["client_secret"]:
        pair = f"{urllib.parse.quote(CONFIG['client_id'])}:{urllib.parse.quote(CONFIG['client_secret'])}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    return dict(_http(discovery()["token_endpoint"], data, headers))


# --- Pages ---------------------------------------------------------------------------------------


def _page(title: str, body: str) -> Any:
    from django.http import HttpResponse
    from django.utils.html import format_html

    html = format_html(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{} · {}</title>'
        "<style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;line-height:1.6}}"
        "header{{border-bottom:3px solid #1f5fa8;margin-bottom:1rem}}.who{{background:#eef4fb;padding:.75rem}}"
        "</style></head><body><header><h1>{}</h1></header>{}</body></html>",
        title,
        CONFIG["name"],
        CONFIG["name"],
        body,
    )
    return HttpResponse(html)


def _user_block(request: Any) -> str:
    from django.middleware.csrf import get_token
    from django.utils.html import format_html

    user = request.session.get("user")
    if not user:
        return format_html(
            '<p class="who">未登录。</p><p><a id="login" href="/login/?next=/protected/">通过统一身份认证登录</a></p>'
        )
    return format_html(
        '<p class="who" id="who">已登录：{} (实名等级 {})</p>'
        '<form method="post" action="/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit">退出登录</button></form>',
        user.get("name") or user.get("preferred_username") or user["sub"],
        user.get("real_name_level", "—"),
        get_token(request),
    )


def home(request: Any) -> Any:
    from django.utils.html import format_html

    return _page("首页", format_html('{}<p><a href="/protected/">进入办事页面</a></p>', _user_block(request)))


def protected(request: Any) -> Any:
    from django.shortcuts import redirect
    from django.utils.html import format_html

    user = request.session.get("user")
    if not user:
        return redirect("/login/?next=/protected/")
    # The page the callback sends the browser to is shown without asking again.
    just_checked = request.session.pop("just_checked", False)
    if not just_checked and time.time() - request.session.get("checked_at", 0) >= CONFIG["recheck"]:
        return redirect("/login/?next=/protected/&silent=1")
    return _page(
        "办事页面", format_html("<h2>办事页面</h2><p>只有登录用户可见。</p>{}", _user_block(request))
    )


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def login(request: Any) -> Any:
    from django.shortcuts import redirect

    next_url = request.GET.get("next", "/")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"
    silent = request.GET.get("silent") == "1"
    pending = {
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "verifier": secrets.token_urlsafe(48),
        "next": next_url,
        "silent": silent,
    }
    request.session["pending"] = pending
    params = {
        "response_type": "code",
        "client_id": CONFIG["client_id"],
        "redirect_uri": CONFIG["base"] + "/callback/",
        "scope": CONFIG["scope"],
        "state": pending["state"],
        "nonce": pending["nonce"],
        "code_challenge": _challenge(pending["verifier"]),
        "code_challenge_method": "S256",
    }
    if silent:
        params["prompt"] = "none"
    return redirect(discovery()["authorization_endpoint"] + "?" + urllib.parse.urlencode(params))


def callback(request: Any) -> Any:
    from django.http import HttpResponseBadRequest
    from django.shortcuts import redirect
    from django.utils.html import format_html

    pending = request.session.pop("pending", None)
    if not pending or not secrets.compare_digest(request.GET.get("state", ""), pending["state"]):
        return HttpResponseBadRequest("state mismatch")
    if "iss" in request.GET and request.GET["iss"] != CONFIG["issuer"]:
        return HttpResponseBadRequest("issuer mismatch")
    error = request.GET.get("error")
    if error:
        request.session.pop("user", None)
        if pending["silent"] and error in SILENT_ERRORS:
            # Signed out at govhall: sign out here too and ask for a normal sign-in.
            return redirect("/login/?" + urllib.parse.urlencode({"next": pending["next"]}))
        return _page("登录失败", format_html("<p>统一身份认证返回错误：{}</p>", error))
    try:
        tokens = exchange(request.GET.get("code", ""), pending["verifier"])
        claims = verify_id_token(tokens["id_token"], pending["nonce"])
        info = _http(
            discovery()["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
    except Exception as exc:
        request.session.pop("user", None)
        return _page("登录失败", format_html("<p>令牌校验失败：{}</p>", exc))
    if info.get("sub") != claims["sub"]:
        return HttpResponseBadRequest("userinfo subject differs from the ID token")
    request.session["user"] = {**claims, **info}
    request.session["id_token"] = tokens["id_token"]
    request.session["checked_at"] = time.time()
    request.session["just_checked"] = True
    request.session.cycle_key()
    return redirect(pending["next"])


def logout(request: Any) -> Any:
    from django.shortcuts import redirect

    id_token = request.session.get("id_token", "")
    request.session.flush()
    params = {"post_logout_redirect_uri": CONFIG["base"] + "/", "client_id": CONFIG["client_id"]}
    if id_token:
        params["id_token_hint"] = id_token
    return redirect(discovery()["end_session_endpoint"] + "?" + urllib.parse.urlencode(params))


def _urlpatterns() -> list[Any]:
    from django.urls import path
    from django.views.decorators.http import require_POST

    return [
        path("", home),
        path("protected/", protected),
        path("login/", login),
        path("callback/", callback),
        path("logout/", require_POST(logout)),
    ]


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"[{CONFIG['name']}] {format % args}\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--issuer", required=True, help="govhall's issuer, e.g. http://127.0.0.1:8000/o")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", default="", help="empty for a public client")
    parser.add_argument("--name", default="演示应用")
    parser.add_argument("--scope", default="openid profile realname")
    parser.add_argument("--recheck-seconds", type=float, default=60.0)
    configure(parser.parse_args(argv))

    from django.core.wsgi import get_wsgi_application

    server = make_server(
        CONFIG["host"],
        CONFIG["port"],
        get_wsgi_application(),
        server_class=_ThreadingServer,
        handler_class=_Handler,
    )
    print(f"{CONFIG['name']} listening on {CONFIG['base']}/ (issuer {CONFIG['issuer']})", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()

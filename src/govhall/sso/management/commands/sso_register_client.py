"""Register a client system from the command line (scripts, the demo relying party)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govhall.core.errors import DomainError
from govhall.identity.models import Department
from govhall.sso import services


class Command(BaseCommand):
    help = "Register an OpenID Connect client; prints its client_id and (once) its client_secret as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
        parser.add_argument("--post-logout-uri", action="append", default=[], dest="post_logout_uris")
        parser.add_argument(
            "--government", action="store_true", help="a government system: no consent screen"
        )
        parser.add_argument("--public", action="store_true", help="a public client (no secret, PKCE only)")
        parser.add_argument("--department", help="code of the owning department")

    def handle(self, *args: Any, **options: Any) -> None:
        department = None
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"no department with code {options['department']!r}")
        try:
            registered = services.register_client(
                actor=None,
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                post_logout_redirect_uris=options["post_logout_uris"],
                is_government=options["government"],
                department=department,
                confidential=not options["public"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            json.dumps(
                {"client_id": registered.application.client_id, "client_secret": registered.client_secret},
                ensure_ascii=False,
            )
        )

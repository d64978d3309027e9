"""Rotate the ID-token signing key: ``manage.py sso_rotate_key [--withdraw-previous]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govhall.sso import keys, services


class Command(BaseCommand):
    help = (
        "Make a new RSA key the ID-token signing key; the old one stays in the JWKS until its tokens expire."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--withdraw-previous",
            action="store_true",
            help="drop the previous keys from the JWKS at once (the key leaked): their tokens stop verifying",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = services.rotate_signing_key(actor=None, withdraw_previous=options["withdraw_previous"])
        published = [k.kid for k in keys.published_keys()]
        self.stdout.write(f"signing key: {key.kid}")
        self.stdout.write(f"published keys: {', '.join(published)}")

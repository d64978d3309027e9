"""``manage.py payments_keys``: make the platform's RSA2 key pair for the payment gateway if it is
missing, and print where it is and the public key to register with the gateway."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from govhall.payments import conf, rsa2


class Command(BaseCommand):
    help = "Create (if missing) and show the platform's RSA2 key pair for the payment gateway."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-if-present", action="store_true", help="print nothing when the keys exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = conf.gateway()
        existed = config.app_private_key_file.is_file()
        key = conf.app_private_key(config)
        if existed and options["quiet_if_present"]:
            return
        self.stdout.write(f"{'Using' if existed else 'Created'} the payment key pair in {config.key_dir}")
        self.stdout.write(f"  app id:                {config.app_id}")
        self.stdout.write(f"  gateway:               {config.gateway_url}")
        self.stdout.write(f"  gateway's public key:  {config.gateway_public_key_file}")
        self.stdout.write("  platform public key (register it with the gateway):")
        self.stdout.write(rsa2.public_pem(key.public_key()).decode("ascii"))

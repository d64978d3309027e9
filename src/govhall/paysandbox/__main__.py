"""``python -m govhall.paysandbox``: serve the sandbox gateway on its own port.

Defaults follow ``make run``: port ``PAYSANDBOX_PORT`` (else ``PORT`` + 1, else 8001), data under
``GOVHALL_VAR/paysandbox/``, the merchant's public key at ``GOVHALL_VAR/payments/app_public.pem``
(written by ``manage.py payments_keys``), app id ``GOVHALL_PAY_APP_ID``. SIGINT or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socketserver
import sys
import threading
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from govhall.paysandbox import SANDBOX_APP_ID
from govhall.paysandbox.app import Sandbox, SandboxConfig

logger = logging.getLogger("govhall.paysandbox")


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)


def default_port() -> int:
    if os.environ.get("PAYSANDBOX_PORT"):
        return int(os.environ["PAYSANDBOX_PORT"])
    return int(os.environ.get("PORT", "8000")) + 1


def parse(argv: list[str]) -> argparse.Namespace:
    var = Path(os.environ.get("GOVHALL_VAR", "var"))
    parser = argparse.ArgumentParser(prog="python -m govhall.paysandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port())
    parser.add_argument(
        "--var", type=Path, default=var / "paysandbox", help="the sandbox's own data directory"
    )
    parser.add_argument("--app-id", default=os.environ.get("GOVHALL_PAY_APP_ID", SANDBOX_APP_ID))
    parser.add_argument(
        "--app-public-key",
        type=Path,
        default=Path(os.environ.get("GOVHALL_PAY_APP_PUBLIC_KEY_FILE", var / "payments" / "app_public.pem")),
        help="the merchant's (the platform's) RSA public key, PEM",
    )
    parser.add_argument("--tick", type=float, default=1.0, help="seconds between notification rounds")
    return parser.parse_args(argv)


def serve(sandbox: Sandbox, host: str, port: int, tick: float) -> None:
    server = make_server(host, port, sandbox, server_class=ThreadingServer, handler_class=QuietHandler)
    stop = threading.Event()

    def notify_loop() -> None:
        while not stop.wait(tick):
            try:
                sandbox.deliver_due()
            except Exception:  # the loop must outlive one bad round
                logger.exception("notification round failed")

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    notifier = threading.Thread(target=notify_loop, name="paysandbox-notifier", daemon=True)
    notifier.start()
    logger.info("payment sandbox on http://%s:%s/ (gateway /gateway.do)", host, port)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        server.server_close()
        notifier.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    args = parse(sys.argv[1:] if argv is None else argv)
    sandbox = Sandbox(
        SandboxConfig(var_dir=args.var.resolve(), app_id=args.app_id, app_public_key_file=args.app_public_key)
    )
    serve(sandbox, args.host, args.port, args.tick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A local payment gateway that speaks the Alipay-style open API (RSA2), for offline use and tests.

A separate small WSGI application with no Django in it, run by ``make run`` as its own process
(``python -m govhall.paysandbox``): it keeps its trades in its own SQLite file, signs with its own
RSA key pair (made on first start under ``GOVHALL_VAR/paysandbox/``) and verifies the platform's
requests with the platform's public key, read from a file. See :mod:`govhall.paysandbox.app`.
"""

# The merchant application id the sandbox knows unless told otherwise (GOVHALL_PAY_APP_ID).
SANDBOX_APP_ID = "9021000000000001"

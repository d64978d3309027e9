"""Payment codes (缴款码): 20 digits the payer quotes at a bank, a counter or online.

``RRRRRR YY NNNNNNNNNNN C``: the GB/T 2260 division of the collecting department (6), the year (2),
eleven random digits, and an ISO 7064 MOD 11-10 check digit over the first nineteen. Random rather
than sequential, so that one code does not reveal its neighbours.
"""

from __future__ import annotations

import re
import secrets

from stdnum.iso7064 import mod_11_10

PAYMENT_CODE = re.compile(r"^\d{20}$")


def new_payment_code(*, division: str, year: int) -> str:
    body = f"{division[:6]:0<6}{year % 100:02d}{secrets.randbelow(10**11):011d}"
    return body + mod_11_10.calc_check_digit(body)


def is_payment_code(value: str) -> bool:
    return bool(PAYMENT_CODE.fullmatch(value)) and mod_11_10.is_valid(value)


def normalise(value: str) -> str:
    """What people type (spaces, dashes between groups) → the bare digits."""
    return re.sub(r"[\s-]", "", value or "")

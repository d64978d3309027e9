"""SM2 signatures (GB/T 32918.2) over the recommended curve, with SM3 (GB/T 32905) from cryptography.

Two implementations of the same scheme:

- :func:`sign` / :func:`verify`: integer Jacobian arithmetic with the curve's ``a = -3``, a
  precomputed fixed-base table for ``k·G`` (64 additions, no doublings) and a 4-bit window table
  per public key, kept per process. This is the path the platform uses.
- :func:`gmssl_sign` / :func:`gmssl_verify`: gmssl's pure-Python ``CryptSM2`` on the same digest,
  the reference the tests check the fast path against in both directions and the benchmark's
  baseline. gmssl draws its nonce from :mod:`random` and strips leading ``0``/``4`` characters off
  public keys that start with ``04``; both wrappers work around that.

Neither runs in constant time; signing happens on the server, where the timing an attacker can
observe is dominated by the database round trips around it.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from cryptography.hazmat.primitives import hashes

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
# The default signer identity of GM/T 0009 ("1234567812345678"); every SM2 library uses it.
DEFAULT_ID = b"1234567812345678"

Point = tuple[int, int]  # affine
Jacobian = tuple[int, int, int]  # Z == 0 is the point at infinity
INFINITY: Jacobian = (1, 1, 0)
WINDOW = 4


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _double(point: Jacobian) -> Jacobian:
    x, y, z = point
    if z == 0 or y == 0:
        return INFINITY
    delta = z * z % P
    gamma = y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) * (y + z) - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return x3, y3, z3


def _add_affine(point: Jacobian, other: Point) -> Jacobian:
    x1, y1, z1 = point
    x2, y2 = other
    if z1 == 0:
        return x2, y2, 1
    z1z1 = z1 * z1 % P
    h = (x2 * z1z1 - x1) % P
    r = (y2 * z1 * z1z1 - y1) % P
    if h == 0:
        return _double(point) if r == 0 else INFINITY
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - y1 * hhh) % P
    return x3, y3, z1 * h % P


def _add(point: Jacobian, other: Jacobian) -> Jacobian:
    if other[2] == 0:
        return point
    return _add_affine(point, _affine(other)) if point[2] else other


def _affine(point: Jacobian) -> Point:
    x, y, z = point
    if z == 0:
        raise ValueError("the point at infinity has no affine coordinates")
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


def on_curve(point: Point) -> bool:
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


@lru_cache(maxsize=1)
def _base_table() -> tuple[tuple[Point, ...], ...]:
    """``table[i][j] = j · 16^i · G`` (j = 1..15) in affine form, built once per process."""
    rows: list[tuple[Point, ...]] = []
    base: Jacobian = (GX, GY, 1)
    for _ in range(256 // WINDOW):
        multiples: list[Point] = []
        running: Jacobian = INFINITY
        base_affine = _affine(base)
        for _ in range(1, 1 << WINDOW):
            running = _add_affine(running, base_affine)
            multiples.append(_affine(running))
        rows.append(tuple(multiples))
        for _ in range(WINDOW):
            base = _double(base)
    return tuple(rows)


def _base_multiply(k: int) -> Jacobian:
    table = _base_table()
    result = INFINITY
    for i in range(256 // WINDOW):
        digit = (k >> (WINDOW * i)) & 0xF
        if digit:
            result = _add_affine(result, table[i][digit - 1])
    return result


@lru_cache(maxsize=256)
def _point_table(point: Point) -> tuple[Point, ...]:
    """``j · point`` for j = 1..15, kept per public key: a department verifies many licences."""
    multiples: list[Point] = [point]
    running: Jacobian = (point[0], point[1], 1)
    for _ in range(2, 1 << WINDOW):
        running = _add_affine(running, point)
        multiples.append(_affine(running))
    return tuple(multiples)


def _multiply(k: int, point: Point) -> Jacobian:
    table = _point_table(point)
    result = INFINITY
    for shift in range(256 - WINDOW, -1, -WINDOW):
        for _ in range(WINDOW):
            result = _double(result)
        digit = (k >> shift) & 0xF
        if digit:
            result = _add_affine(result, table[digit - 1])
    return result


# --- Keys and encodings -------------------------------------------------------------------------


def public_key_hex(point: Point) -> str:
    """128 hex digits, x then y, without the ``04`` prefix."""
    return f"{point[0]:064x}{point[1]:064x}"


def parse_public_key(value: str) -> Point:
    value = value.strip().lower()
    if len(value) == 130 and value.startswith("04"):
        value = value[2:]
    if len(value) != 128:
        raise ValueError("an SM2 public key is 64 bytes (128 hex digits)")
    point = int(value[:64], 16), int(value[64:], 16)
    if not on_curve(point):
        raise ValueError("the public key is not a point of the SM2 curve")
    return point


def generate_private_key() -> int:
    return secrets.randbelow(N - 2) + 1  # d in [1, n-2]: (1 + d) must be invertible


def public_key_of(private_key: int) -> Point:
    return _affine(_base_multiply(private_key))


def signer_digest(public_key: Point, data: bytes, user_id: bytes = DEFAULT_ID) -> int:
    """``e = SM3(Z_A ‖ M)`` with ``Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)``."""
    z = sm3(
        (len(user_id) * 8).to_bytes(2, "big")
        + user_id
        + b"".join(v.to_bytes(32, "big") for v in (A, B, GX, GY, public_key[0], public_key[1]))
    )
    return int.from_bytes(sm3(z + data), "big")


def sign(private_key: int, data: bytes, *, nonce: int | None = None) -> str:
    """The signature of ``data`` as 128 hex digits (r ‖ s)."""
    if not 1 <= private_key <= N - 2:
        raise ValueError("the private key is out of range")
    e = signer_digest(public_key_of(private_key), data)
    inverse = pow(1 + private_key, -1, N)
    while True:
        k = nonce if nonce is not None else secrets.randbelow(N - 1) + 1
        x1 = _affine(_base_multiply(k))[0]
        r = (e + x1) % N
        if r and r + k != N:
            s = inverse * (k - r * private_key) % N
            if s:
                return f"{r:064x}{s:064x}"
        if nonce is not None:
            raise ValueError("the nonce gives a degenerate signature")


def _split(signature: str) -> tuple[int, int] | None:
    if len(signature) != 128:
        return None
    try:
        r, s = int(signature[:64], 16), int(signature[64:], 16)
    except ValueError:
        return None
    if not (1 <= r < N and 1 <= s < N):
        return None
    return r, s


def verify(public_key: Point, data: bytes, signature: str) -> bool:
    parts = _split(signature.strip().lower())
    if parts is None or not on_curve(public_key):
        return False
    r, s = parts
    t = (r + s) % N
    if t == 0:
        return False
    total = _add(_base_multiply(s), _multiply(t, public_key))
    if total[2] == 0:
        return False
    x1 = _affine(total)[0]
    return (signer_digest(public_key, data) + x1) % N == r


# --- The gmssl reference --------------------------------------------------------------------


def _gmssl(private_key: int | None, public_key: Point) -> object:
    from gmssl.sm2 import CryptSM2

    crypt = CryptSM2(private_key=f"{private_key:064x}" if private_key is not None else "", public_key="00")
    # Set after construction: the constructor's lstrip("04") eats leading digits of some keys.
    crypt.public_key = public_key_hex(public_key)
    return crypt


def gmssl_sign(private_key: int, public_key: Point, data: bytes) -> str:
    """gmssl's signature of the same ``e`` (it would hash Z with its own, slower SM3)."""
    e = signer_digest(public_key, data).to_bytes(32, "big")
    crypt = _gmssl(private_key, public_key)
    while True:
        value = crypt.sign(e, f"{secrets.randbelow(N - 1) + 1:064x}")  # type: ignore[attr-defined]
        if value:
            return str(value)


def gmssl_verify(public_key: Point, data: bytes, signature: str) -> bool:
    if _split(signature.strip().lower()) is None:
        return False
    e = signer_digest(public_key, data).to_bytes(32, "big")
    return bool(_gmssl(None, public_key).verify(signature, e))  # type: ignore[attr-defined]

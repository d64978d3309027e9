"""The RSA2 signature of the Alipay-style open API, shared by the gateway adapter and the sandbox.

- Signing string: every parameter except ``sign`` (and, when verifying a notification or a return,
  ``sign_type``) whose value is not empty, sorted by name, joined as ``k=v&k=v`` with raw values
  (not URL-encoded).
- ``sign``: SHA256withRSA (PKCS#1 v1.5) over the UTF-8 signing string, base64.
- A synchronous API response ``{"<method>_response": {...}, "sign": "..."}`` is signed over the exact
  text of the ``<method>_response`` value as it appears in the body.

No Django here: the sandbox gateway, a separate process, uses this module as well.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGN_TYPE = "RSA2"
REQUEST_EXCLUDED = ("sign",)
CALLBACK_EXCLUDED = ("sign", "sign_type")


def signing_string(params: Mapping[str, object], *, exclude: Iterable[str] = REQUEST_EXCLUDED) -> str:
    skipped = frozenset(exclude)
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in skipped and params[key] is not None and str(params[key]) != ""
    )


def sign_text(text: str, private_key: rsa.RSAPrivateKey) -> str:
    signature = private_key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify_text(text: str, signature: str, public_key: rsa.RSAPublicKey) -> bool:
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return False
    try:
        public_key.verify(raw, text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def sign(params: Mapping[str, object], private_key: rsa.RSAPrivateKey) -> str:
    """The ``sign`` of a request (everything but ``sign`` itself is covered)."""
    return sign_text(signing_string(params, exclude=REQUEST_EXCLUDED), private_key)


def sign_callback(params: Mapping[str, object], private_key: rsa.RSAPrivateKey) -> str:
    """The ``sign`` of a notification or a return (``sign_type`` is not covered)."""
    return sign_text(signing_string(params, exclude=CALLBACK_EXCLUDED), private_key)


def verify(
    params: Mapping[str, str],
    public_key: rsa.RSAPublicKey,
    *,
    exclude: Iterable[str] = CALLBACK_EXCLUDED,
) -> bool:
    signature = params.get("sign") or ""
    if not signature or params.get("sign_type", SIGN_TYPE) != SIGN_TYPE:
        return False
    return verify_text(signing_string(params, exclude=exclude), signature, public_key)


# --- Responses -----------------------------------------------------------------------------------


def response_node_name(method: str) -> str:
    return method.replace(".", "_") + "_response"


def signed_response(method: str, node: Mapping[str, object], private_key: rsa.RSAPrivateKey) -> str:
    text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    name = response_node_name(method)
    return f'{{"{name}":{text},"sign":"{sign_text(text, private_key)}"}}'


def response_node_text(body: str, method: str) -> str | None:
    """The exact text of the ``<method>_response`` value in ``body``, or None when it is absent."""
    marker = f'"{response_node_name(method)}"'
    start = body.find(marker)
    if start < 0:
        return None
    colon = body.find(":", start + len(marker))
    if colon < 0:
        return None
    begin = colon + 1
    while begin < len(body) and body[begin].isspace():
        begin += 1
    try:
        _, end = json.JSONDecoder().raw_decode(body, begin)
    except ValueError:
        return None
    return body[begin:end]


# --- Keys ----------------------------------------------------------------------------------------


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(data: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_armoured(data, "PRIVATE KEY"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(data: bytes) -> rsa.RSAPublicKey:
    """A PEM public key, or the bare base64 text that gateways' consoles hand out."""
    key = serialization.load_pem_public_key(_armoured(data, "PUBLIC KEY"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def _armoured(data: bytes, label: str) -> bytes:
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        return text
    body = b"".join(text.split())
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join([f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----".encode()])


def ensure_key_pair(private_path: Path, public_path: Path) -> rsa.RSAPrivateKey:
    """Load the key pair at the two paths, generating and storing it first when absent.

    The private key file is created readable by its owner only.
    """
    if private_path.is_file():
        key = load_private_key(private_path.read_bytes())
        if not public_path.is_file():
            public_path.write_bytes(public_pem(key.public_key()))
        return key
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_private_key()
    # Written aside and linked into place: two processes starting at once end up with one key,
    # and nobody ever reads a half-written file.
    scratch = private_path.with_name(f".{private_path.name}.{os.getpid()}.tmp")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem(key))
    try:
        os.link(scratch, private_path)
    except FileExistsError:
        key = load_private_key(private_path.read_bytes())
    finally:
        scratch.unlink(missing_ok=True)
    public_path.write_bytes(public_pem(key.public_key()))
    return key

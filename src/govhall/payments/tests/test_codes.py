"""Payment codes and the RSA2 signature, checked against OpenSSL as an outside implementation."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhall.payments import codes, rsa2


def test_payment_code_shape() -> None:
    code = codes.new_payment_code(division="445300", year=2026)
    assert len(code) == 20 and code.startswith("44530026") and codes.is_payment_code(code)
    assert codes.normalise("4453 0026-1234") == "445300261234"


@given(st.integers(min_value=0, max_value=19), st.integers(min_value=1, max_value=9))
def test_a_mistyped_digit_is_caught(position: int, shift: int) -> None:
    code = codes.new_payment_code(division="445302", year=2026)
    wrong = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1 :]
    assert not codes.is_payment_code(wrong)


def test_signing_string_sorts_and_skips() -> None:
    params = {"b": "2", "a": "1", "sign": "x", "sign_type": "RSA2", "empty": "", "c": "中文 &="}
    assert rsa2.signing_string(params) == "a=1&b=2&c=中文 &=&sign_type=RSA2"
    assert rsa2.signing_string(params, exclude=rsa2.CALLBACK_EXCLUDED) == "a=1&b=2&c=中文 &="


def test_sign_and_verify_round_trip() -> None:
    key = rsa2.generate_private_key()
    params = {"app_id": "9021000000000001", "out_trade_no": "1", "total_amount": "20.00", "sign_type": "RSA2"}
    params["sign"] = rsa2.sign_callback(params, key)
    assert rsa2.verify(params, key.public_key())
    assert not rsa2.verify({**params, "total_amount": "20.01"}, key.public_key())
    assert not rsa2.verify({**params, "sign_type": "RSA"}, key.public_key())
    assert not rsa2.verify({**params, "sign": "not base64!"}, key.public_key())
    assert not rsa2.verify(params, rsa2.generate_private_key().public_key())


def test_openssl_verifies_our_signature_and_we_verify_its(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key = rsa2.generate_private_key()
    (tmp_path / "private.pem").write_bytes(rsa2.private_pem(key))
    (tmp_path / "public.pem").write_bytes(rsa2.public_pem(key.public_key()))
    params = {
        "method": "alipay.trade.query",
        "biz_content": json.dumps({"out_trade_no": "缴款"}, ensure_ascii=False),
    }
    text = rsa2.signing_string(params)
    (tmp_path / "data").write_bytes(text.encode("utf-8"))
    (tmp_path / "ours.sig").write_bytes(base64.b64decode(rsa2.sign(params, key)))
    checked = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-verify",
            str(tmp_path / "public.pem"),
            "-signature",
            str(tmp_path / "ours.sig"),
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "Verified OK" in checked.stdout
    subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha256",
            "-sign",
            str(tmp_path / "private.pem"),
            "-out",
            str(tmp_path / "theirs.sig"),
            str(tmp_path / "data"),
        ],
        check=True,
    )
    signature = base64.b64encode((tmp_path / "theirs.sig").read_bytes()).decode()
    assert rsa2.verify_text(text, signature, key.public_key())


def test_response_node_is_the_exact_text() -> None:
    key = rsa2.generate_private_key()
    body = rsa2.signed_response(
        "alipay.trade.query", {"code": "10000", "msg": "Success", "x": {"y": [1, "}"]}}, key
    )
    node = rsa2.response_node_text(body, "alipay.trade.query")
    assert node == '{"code":"10000","msg":"Success","x":{"y":[1,"}"]}}'
    assert rsa2.verify_text(node, json.loads(body)["sign"], key.public_key())
    assert rsa2.response_node_text(body, "alipay.trade.refund") is None


def test_bare_base64_public_keys_load(tmp_path: Path) -> None:
    key = rsa2.generate_private_key()
    bare = b"".join(rsa2.public_pem(key.public_key()).splitlines()[1:-1])
    assert rsa2.load_public_key(bare).public_numbers() == key.public_key().public_numbers()
    private = tmp_path / "k" / "app_private.pem"
    made = rsa2.ensure_key_pair(private, tmp_path / "k" / "app_public.pem")
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    assert (
        rsa2.ensure_key_pair(private, tmp_path / "k" / "app_public.pem").private_numbers()
        == made.private_numbers()
    )

"""Licence signatures: SM2 sign and verify per licence, the platform's path against the baselines.

Inputs are the canonical JSON of realistic business-licence payloads (about 600 bytes each). Each
signature includes the SM3 digest with Z_A (GB/T 32918), computed by cryptography on every side.

- The platform's SM2 (govhall.keys.sm2: integer Jacobian arithmetic, fixed-base table for k·G, a
  window table per public key) against gmssl's pure-Python CryptSM2 on the same digests — the
  baseline the issue names; ratio = times faster.
- The same SM2 sign+verify against Ed25519 and ECDSA P-256 from cryptography (OpenSSL, C) over the
  same bytes: what choosing the national algorithm in Python costs against a C library.
- One licence verified end to end through the verification service (database reads, decryption of
  the personal part, SM3, SM2), against the bare SM2 verification inside it.
Every signature of every side is checked by the other implementation before timing.
"""

from __future__ import annotations

import json
from typing import Any

from harness import Row, measure

LICENCES = 40


def _payloads() -> list[bytes]:
    out = []
    for n in range(LICENCES):
        payload: dict[str, Any] = {
            "identifier": f"1.2.156.3005.2.SCJG001.11445300MB2C1234X5.2026{n:08d}.001.X",
            "version": 1,
            "operation": "issue",
            "type": {"code": "SCJG001", "name": "营业执照"},
            "issuer": {"uscc": "11445300MB2C1234X5", "name": "云浮市市场监督管理局"},
            "holder": {"kind": "legal", "name": f"云浮市石艺{n}号有限公司", "id": f"9144530{n:011d}"},
            "valid_from": "2026-11-21",
            "valid_until": None,
            "issued_on": "2026-11-21",
            "data": {
                "company_type": "有限责任公司（自然人投资或控股）",
                "legal_representative": "何建国",
                "business_scope": "石材加工、销售；建筑装饰材料销售。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
                "registered_capital": "人民币伍佰万元",
                "address": f"云浮市云城区河口街石材大道{n}号",
            },
        }
        out.append(
            json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        )
    return out


def run() -> list[Row]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    from govhall.keys import sm2

    payloads = _payloads()
    private = sm2.generate_private_key()
    public = sm2.public_key_of(private)
    inputs = [(data,) for data in payloads]

    fast_signatures = [sm2.sign(private, data) for data in payloads]
    gmssl_signatures = [sm2.gmssl_sign(private, public, data) for data in payloads]
    assert all(sm2.gmssl_verify(public, d, s) for d, s in zip(payloads, fast_signatures, strict=True))
    assert all(sm2.verify(public, d, s) for d, s in zip(payloads, gmssl_signatures, strict=True))

    def fast_sign(data: bytes) -> str:
        return sm2.sign(private, data)

    def gmssl_sign(data: bytes) -> str:
        return sm2.gmssl_sign(private, public, data)

    pairs = list(zip(payloads, fast_signatures, strict=True))
    sign_fast = measure(fast_sign, inputs, rounds=5)
    sign_gmssl = measure(gmssl_sign, inputs, rounds=3)
    verify_fast = measure(lambda d, s: sm2.verify(public, d, s), pairs, rounds=5)
    verify_gmssl = measure(lambda d, s: sm2.gmssl_verify(public, d, s), pairs, rounds=3)
    assert all(verify_fast.results) and all(verify_gmssl.results)

    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_public = ed_key.public_key()
    p256 = ec.generate_private_key(ec.SECP256R1())
    p256_public = p256.public_key()

    def ed_round(data: bytes) -> bool:
        ed_public.verify(ed_key.sign(data), data)
        return True

    def p256_round(data: bytes) -> bool:
        p256_public.verify(p256.sign(data, ec.ECDSA(hashes.SHA256())), data, ec.ECDSA(hashes.SHA256()))
        return True

    def sm2_round(data: bytes) -> bool:
        return sm2.verify(public, data, sm2.sign(private, data))

    round_sm2 = measure(sm2_round, inputs, rounds=5)
    round_gmssl = sign_gmssl.per_call + verify_gmssl.per_call
    round_ed = measure(ed_round, inputs, rounds=5)
    round_p256 = measure(p256_round, inputs, rounds=5)

    end_to_end = _end_to_end()

    return [
        Row(
            "SM2 sign one licence (canonical JSON, SM3 with Z_A)",
            sign_fast.per_call,
            sign_gmssl.per_call,
            baseline_name="gmssl CryptSM2",
        ),
        Row(
            "SM2 verify one licence",
            verify_fast.per_call,
            verify_gmssl.per_call,
            baseline_name="gmssl CryptSM2",
        ),
        Row(
            "SM2 signatures per second",
            1 / sign_fast.per_call,
            1 / sign_gmssl.per_call,
            unit="signs/s",
            baseline_name="gmssl CryptSM2",
        ),
        Row(
            "SM2 verifications per second",
            1 / verify_fast.per_call,
            1 / verify_gmssl.per_call,
            unit="verifies/s",
            baseline_name="gmssl CryptSM2",
        ),
        Row("SM2 sign + verify one licence", round_sm2.per_call, round_gmssl, baseline_name="gmssl CryptSM2"),
        Row(
            "SM2 sign + verify one licence (vs C Ed25519)",
            round_sm2.per_call,
            round_ed.per_call,
            baseline_name="Ed25519 (cryptography/OpenSSL)",
        ),
        Row(
            "SM2 sign + verify one licence (vs C ECDSA P-256)",
            round_sm2.per_call,
            round_p256.per_call,
            baseline_name="ECDSA P-256 (cryptography/OpenSSL)",
        ),
        end_to_end,
    ]


def _end_to_end() -> Row:
    """verification.verify(identifier) through the database, against its bare SM2 verify."""
    from govhall.keys import sm2
    from govhall.licences import demo, sealing, services, verification
    from govhall.licences.models import LicenceType
    from govhall.testing import personas

    demo.ensure_types()
    department = personas.department("dept_a")
    licence_type = LicenceType.objects.get(name="营业执照")
    licence_type.issuing_departments.add(department)
    enterprise = personas.enterprise("enterprise")
    identifiers = []
    for n in range(10):
        licence = services.issue_licence(
            actor="bench",
            licence_type=licence_type,
            issuer=department,
            holder=services.holder_from_account(enterprise),
            data={"business_scope": f"石材加工 {n}", "address": "云浮市云城区"},
            authorised_by_case=True,
        )
        identifiers.append((licence.identifier,))
    full = measure(lambda identifier: verification.verify(identifier).outcome, identifiers, rounds=5)
    assert set(full.results) == {"valid"}
    from govhall.licences.models import LicenceVersion

    versions = list(LicenceVersion.objects.filter(identifier__in=[i for (i,) in identifiers]))
    public = sm2.parse_public_key(versions[0].licence.issuer.signing_keys.get(is_active=True).public_key)
    bare_inputs = [
        (sealing.canonical(sealing.payload(v, holder_kind="legal")), v.signature) for v in versions
    ]
    bare = measure(lambda data, signature: sm2.verify(public, data, signature), bare_inputs, rounds=5)
    assert all(bare.results)
    return Row(
        "verify a licence end to end (DB, decrypt, SM3, SM2)",
        full.per_call,
        bare.per_call,
        baseline_name="its bare SM2 verify",
        notes=["ratio < 1 is the share of the work that is not the signature"],
    )

"""The licence PDF: A4, embedded CJK font, the identifier and a QR code of the verification URL."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from govhall.licences import pdf, services
from govhall.licences.models import Licence, LicenceType

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def _tool(name: str) -> None:
    if shutil.which(name) is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")


def test_licence_pdf_carries_identifier_and_verification_qr(issued: Licence, tmp_path: Path) -> None:
    """Renders test-artifacts/licence-certificate.png for people to look at."""
    _tool("pdftoppm")
    _tool("pdftotext")
    version = issued.current_version
    assert version is not None
    data = pdf.render_version(issued, version, base_url="https://www.yunfu.gov.cn")
    assert data.startswith(b"%PDF") and b"/FontFile2" in data
    source = tmp_path / "licence.pdf"
    source.write_bytes(data)
    text = subprocess.run(["pdftotext", str(source), "-"], check=True, capture_output=True, text=True).stdout
    flat = "".join(text.split())
    for expected in (
        "营业执照",
        "云浮市石艺有限公司",
        issued.issuer.name,
        "石材加工、销售",
        version.identifier,
    ):
        assert expected in flat, expected
    info = subprocess.run(["pdfinfo", str(source)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276 pts (A4)" in info and re.search(r"^Pages:\s+1$", info, re.M)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-singlefile", str(source), str(ARTIFACTS / "licence-certificate")],
        check=True,
    )
    assert (ARTIFACTS / "licence-certificate.png").stat().st_size > 10_000


def test_qr_code_encodes_the_verification_url(issued: Licence) -> None:
    version = issued.current_version
    assert version is not None
    url = pdf.verification_url(version.identifier, "https://www.yunfu.gov.cn")
    assert url.startswith("https://www.yunfu.gov.cn/licences/verify/?id=1.2.156.3005.2.SCJG001.")
    code = pdf.QRCode(url, 100)
    import qrcode

    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    expected.add_data(url)
    expected.make(fit=True)
    assert code.matrix == expected.get_matrix() and len(code.matrix) >= 29


def test_portrait_layout_for_a_personal_licence(
    citizen: Any, other_dept_approver: Any, licence_types: dict[str, LicenceType], dept_b: Any, tmp_path: Path
) -> None:
    _tool("pdftoppm")
    licence = services.issue_licence(
        actor=other_dept_approver,
        licence_type=licence_types["不动产权证书"],
        issuer=dept_b,
        holder=services.holder_from_account(citizen),
        data={
            "co_ownership": "单独所有",
            "location": "云浮市云城区星岩四路18号3座1201房",
            "unit_no": "445302001001GB00001F00010001",
            "right_type": "国有建设用地使用权/房屋所有权",
            "use": "住宅",
            "area": "共有宗地面积 3200㎡/房屋建筑面积 98.6㎡",
            "term": "2016年5月1日起2086年4月30日止",
        },
    )
    version = licence.current_version
    assert version is not None
    source = tmp_path / "home.pdf"
    source.write_bytes(pdf.render_version(licence, version, base_url="https://www.yunfu.gov.cn"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(ARTIFACTS / "licence-portrait")],
        check=True,
    )
    info = subprocess.run(["pdfinfo", str(source)], capture_output=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info and re.search(r"^Pages:\s+1$", info, re.M)

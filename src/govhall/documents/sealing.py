"""Rendering a signed-off document and its electronic seal, and checking a received file's seal.

The seal is the rendered PDF's SM3 digest signed with the issuing department's SM2 key
(:mod:`govhall.core.signing`); the signature is kept beside the file (``DocumentSeal``), so any
changed byte of the file changes its digest and fails verification, and a signature by another
department's key is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone

from govhall.core import signing
from govhall.documents import rendering
from govhall.documents.models import Document, DocumentSeal, Secrecy


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def sheet_for(document: Document, *, copy_number: str = "") -> rendering.Sheet:
    secrecy = ""
    if document.secrecy > Secrecy.NONE:
        secrecy = document.get_secrecy_display()
        if document.secrecy_period:
            secrecy += f"★{document.secrecy_period}"
    return rendering.Sheet(
        issuing_mark=document.issuing_mark,
        document_number=document.document_number or "",
        title=document.title,
        body=document.body,
        signature_name=document.signature_name,
        written_on=chinese_date(document.written_on),
        copy_number=copy_number,
        secrecy=secrecy,
        urgency=document.get_urgency_display() if document.urgency else "",
        signer=document.signer_name,
        upward=document.is_upward,
        main_recipients=document.main_recipients,
        attachments=document.attachment_list(),
        notes=document.notes,
        copy_to=document.copy_to,
        printed_by=document.printed_by,
        printed_on=chinese_date(document.printed_on),
        seal_name=document.department.name,
    )


def render_and_seal(document: Document) -> DocumentSeal:
    """Render the numbered document, store the file and sign its digest; inside the sign-off."""
    data = rendering.render(sheet_for(document), title=f"{document.document_number} {document.title}")
    name = f"{document.department.code}-{document.number_year}-{document.number_sequence:05d}.pdf"
    document.pdf.save(name, ContentFile(data), save=False)
    document.save(update_fields=["pdf"])
    signature = signing.sign(document.department, data)
    return DocumentSeal.objects.create(
        document=document,
        department=document.department,
        digest_sm3=signing.sm3_hex(data),
        key_id=signature.key_id,
        algorithm=signature.algorithm,
        signature=signature.value,
        sealed_at=timezone.now(),
    )


def stored_file(document: Document) -> bytes:
    with document.pdf.open("rb") as handle:
        return bytes(handle.read())


@dataclass(frozen=True)
class SealCheck:
    valid: bool
    code: str  # valid, no_seal, digest_mismatch, signature_invalid, unknown_file
    message: str
    document: Document | None = None
    digest: str = ""
    key_id: str = ""

    def as_dict(self) -> dict[str, object]:
        doc = self.document
        return {
            "valid": self.valid,
            "code": self.code,
            "message": self.message,
            "digest_sm3": self.digest,
            "key_id": self.key_id,
            "document_number": doc.document_number if doc else None,
            "title": doc.title if doc else None,
            "issuer": doc.department.name if doc else None,
        }


def check(document: Document, data: bytes) -> SealCheck:
    """Whether ``data`` is exactly the file ``document`` was sealed as, signed by its department."""
    seal = DocumentSeal.objects.filter(document=document).first()
    digest = signing.sm3_hex(data)
    if seal is None:
        return SealCheck(False, "no_seal", "该公文未加盖电子印章", document, digest)
    if digest != seal.digest_sm3:
        return SealCheck(
            False, "digest_mismatch", "文件内容与签章时不一致，可能已被篡改", document, digest, seal.key_id
        )
    if not signing.verify(seal.key_id, data, seal.signature, department=document.department):
        return SealCheck(False, "signature_invalid", "电子印章签名验证失败", document, digest, seal.key_id)
    return SealCheck(
        True, "valid", f"电子印章有效：{document.department.name}", document, digest, seal.key_id
    )


def check_file(data: bytes) -> SealCheck:
    """Find the sealed document this file claims to be by its digest, then check the signature."""
    digest = signing.sm3_hex(data)
    seal = DocumentSeal.objects.select_related("document__department").filter(digest_sm3=digest).first()
    if seal is None:
        return SealCheck(
            False, "unknown_file", "未找到与该文件一致的已签章公文，文件可能已被篡改", None, digest
        )
    return check(seal.document, data)

"""Shortcuts used by several case test modules."""

from __future__ import annotations

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.cases import services
from govhall.cases.models import Case, CaseMaterial
from govhall.catalog import services as catalog_services
from govhall.catalog.codes import build_basic_code
from govhall.catalog.content import GuideContent, MaterialSpec, ProcedureSpec
from govhall.catalog.models import ServiceItem
from govhall.identity import services as identity_services
from govhall.identity.models import Department, User
from govhall.testing import personas

_main = itertools.count(50001)

FORM = {"contact_name": "张三", "contact_phone": "13800138000"}
PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def publish_item(
    department: Department,
    *,
    name: str = "食品经营许可",
    target: str = "both",
    item_type: str = "promised",
    promised_days: int = 10,
    statutory_days: int = 20,
    joint: list[Department] | None = None,
    materials: list[MaterialSpec] | None = None,
    online_depth: int = 3,
) -> ServiceItem:
    admin = personas.staff("platform_admin")
    content = GuideContent(
        name=name,
        target=target,
        legal_basis="《中华人民共和国行政许可法》",
        conditions="符合法定条件",
        item_type=item_type,
        statutory_days=statutory_days,
        promised_days=promised_days,
        online_depth=online_depth,
        joint_department_codes=[d.code for d in joint or []],
        materials=materials
        if materials is not None
        else [
            MaterialSpec(name="申请书", medium="electronic"),
            MaterialSpec(name="营业执照", source="licence", licence_type="营业执照"),
            MaterialSpec(name="委托书", required=False, condition="委托他人办理的"),
        ],
        special_procedures=[ProcedureSpec(kind="expert_review", name="专家评审", max_days=3)],
    )
    version = catalog_services.create_item(
        actor=admin,
        department=department,
        level="city",
        basic_code=build_basic_code(kind="01", main=next(_main)),
        content=content,
    )
    catalog_services.submit_for_review(actor=admin, version=version)
    catalog_services.publish(actor=admin, version=version)
    return ServiceItem.objects.select_related("current_version", "department").get(pk=version.item_id)


def staff_member(username: str, department: Department, role: str) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return identity_services.create_staff(
        actor=None,
        username=username,
        password=personas.PASSWORD,
        display_name=username,
        memberships=[(department, role)],
        email=f"{username}@yunfu.gov.cn",
    )


def material_ids(item: ServiceItem) -> dict[str, int]:
    assert item.current_version is not None
    return {m.name: m.pk for m in item.current_version.materials.all()}


def pdf(name: str = "申请书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def draft_with_materials(applicant: User, item: ServiceItem) -> Case:
    """A draft with every required material: the form PDF uploaded, the licence referenced."""
    ids = material_ids(item)
    draft = services.save_draft(
        actor=applicant,
        item=item,
        form_data=dict(FORM),
        provided=[
            services.ProvidedMaterial(
                material_id=ids["营业执照"], kind=CaseMaterial.Kind.LICENCE, reference="91445302MA4W0001XX"
            )
        ],
    )
    upload = pdf()
    services.attach_material(
        actor=applicant,
        case=draft,
        material_id=ids["申请书"],
        stream=upload.file,
        filename=upload.name or "",
        size=upload.size,
    )
    return draft


def submitted(applicant: User, item: ServiceItem, *, key: str = "") -> services.SubmitResult:
    draft = draft_with_materials(applicant, item)
    return services.submit_case(actor=applicant, draft=draft, idempotency_key=key)

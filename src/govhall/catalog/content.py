"""The content of a guide as plain data: what services, Excel import and the demo loader write.

:class:`GuideContent` mirrors :class:`~govhall.catalog.models.ItemVersion` and its child rows.
:func:`validate_content` returns every problem at once (field, Chinese, English) so an importer can
report them all; :func:`write_content` replaces a version's content with it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from govhall.catalog import stars
from govhall.catalog.models import FAQ, Fee, ItemVersion, Material, SpecialProcedure, Target, Theme
from govhall.identity.models import Department


@dataclass
class MaterialSpec:
    name: str
    required: bool = True
    condition: str = ""
    original: bool = False
    copies: int = 1
    medium: str = Material.Medium.BOTH
    source: str = Material.Source.APPLICANT
    licence_type: str = ""
    has_form: bool = False
    has_sample: bool = False
    note: str = ""


@dataclass
class FeeSpec:
    name: str
    amount: Decimal
    basis: str = ""


@dataclass
class ProcedureSpec:
    kind: str
    name: str
    max_days: int


@dataclass
class FaqSpec:
    question: str
    answer: str


@dataclass
class GuideContent:
    name: str
    target: str
    legal_basis: str
    conditions: str
    item_type: str
    aliases: list[str] = field(default_factory=list)
    theme_codes: list[str] = field(default_factory=list)
    joint_department_codes: list[str] = field(default_factory=list)
    statutory_days: int = 0
    promised_days: int = 0
    trips: int = 1
    online_depth: int = 1
    original_check: str = stars.ORIGINALS_NONE
    process_template: str = ""
    process_steps: list[str] = field(default_factory=list)
    place: str = ""
    hours: str = ""
    consult_phone: str = ""
    complaint_phone: str = ""
    result_licence_type: str = ""
    change_note: str = ""
    materials: list[MaterialSpec] = field(default_factory=list)
    fees: list[FeeSpec] = field(default_factory=list)
    special_procedures: list[ProcedureSpec] = field(default_factory=list)
    faqs: list[FaqSpec] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


SCALAR_FIELDS = (
    "name",
    "target",
    "legal_basis",
    "conditions",
    "item_type",
    "aliases",
    "statutory_days",
    "promised_days",
    "trips",
    "online_depth",
    "original_check",
    "process_template",
    "process_steps",
    "place",
    "hours",
    "consult_phone",
    "complaint_phone",
    "result_licence_type",
    "change_note",
)

Problem = tuple[str, str, str]  # field, Chinese message, English message


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_content(
    content: GuideContent, *, audience_themes: dict[str, str] | None = None
) -> list[Problem]:
    """Every problem with ``content``; ``audience_themes`` maps theme code → audience when known."""
    problems: list[Problem] = []

    def problem(where: str, zh: str, en: str) -> None:
        problems.append((where, zh, en))

    if not content.name.strip():
        problem("name", "事项名称不能为空", "the name is required")
    elif len(content.name) > 200:
        problem("name", "事项名称不能超过200字", "the name is at most 200 characters")
    if content.target not in Target.values:
        problem("target", "服务对象应为 person、legal 或 both", "target must be person, legal or both")
    if not content.legal_basis.strip():
        problem("legal_basis", "设定依据不能为空", "the legal basis is required")
    if not content.conditions.strip():
        problem("conditions", "受理条件不能为空", "the acceptance conditions are required")
    if content.item_type not in ItemVersion.ItemType.values:
        problem("item_type", "办件类型应为 instant 或 promised", "item type must be instant or promised")
    for name in ("statutory_days", "promised_days"):
        if not _is_int(getattr(content, name), 0, 3650):
            problem(name, "办结时限应为0–3650个工作日", "a time limit is 0–3650 working days")
    if _is_int(content.statutory_days, 0, 3650) and _is_int(content.promised_days, 0, 3650):
        if content.promised_days > content.statutory_days:
            problem(
                "promised_days",
                "承诺时限不能长于法定时限",
                "the promised limit cannot exceed the statutory one",
            )
        if content.item_type == ItemVersion.ItemType.INSTANT and content.promised_days != 0:
            problem("promised_days", "即办件的承诺时限应为0", "an instant item has a promised limit of 0")
        if content.item_type == ItemVersion.ItemType.PROMISED and content.promised_days == 0:
            problem("promised_days", "承诺件须有承诺时限", "a promised item needs a promised limit")
    if not _is_int(content.trips, 0, 9):
        problem("trips", "到现场次数应为0–9", "trips must be 0–9")
    if not _is_int(content.online_depth, 1, 4):
        problem("online_depth", "网上办理深度应为1–4", "online depth must be 1–4")
    if content.original_check not in stars.ORIGINAL_CHECKS:
        problem("original_check", "原件核验方式无效", "unknown originals check")
    if not all(isinstance(alias, str) and 0 < len(alias) <= 60 for alias in content.aliases):
        problem("aliases", "俗称应为1–60字的文字", "each alias is 1–60 characters")
    if audience_themes is not None:
        for code in content.theme_codes:
            audience = audience_themes.get(code)
            if audience is None:
                problem("themes", f"主题 {code} 不存在", f"unknown theme {code}")
            elif content.target != Target.BOTH and audience != content.target:
                problem("themes", f"主题 {code} 与服务对象不符", f"theme {code} does not fit the target")
    for index, material in enumerate(content.materials, start=1):
        where = f"materials[{index}]"
        if not material.name.strip():
            problem(where, "材料名称不能为空", "a material needs a name")
        if material.medium not in Material.Medium.values:
            problem(where, "材料载体无效", "unknown material medium")
        if material.source not in Material.Source.values:
            problem(where, "材料来源无效", "unknown material source")
        if material.source == Material.Source.LICENCE and not material.licence_type.strip():
            problem(where, "可由电子证照替代的材料须注明证照类型", "name the licence type that replaces it")
        if not material.required and not material.condition.strip():
            problem(where, "容缺或情形材料须写明适用情形", "a conditional material needs its condition")
        if not _is_int(material.copies, 0, 99):
            problem(where, "份数应为0–99", "copies must be 0–99")
    for index, fee in enumerate(content.fees, start=1):
        where = f"fees[{index}]"
        if not fee.name.strip():
            problem(where, "收费项目名称不能为空", "a fee needs a name")
        try:
            amount = Decimal(str(fee.amount))
        except (InvalidOperation, ValueError):
            problem(where, "收费金额无效", "invalid fee amount")
            continue
        if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            problem(
                where, "收费金额应为非负数，最多两位小数", "a fee is non-negative with at most 2 decimals"
            )
    for index, procedure in enumerate(content.special_procedures, start=1):
        where = f"special_procedures[{index}]"
        if procedure.kind not in SpecialProcedure.ProcedureKind.values:
            problem(where, "特别程序类型无效", "unknown special procedure kind")
        if not _is_int(procedure.max_days, 1, 365):
            problem(where, "特别程序时限应为1–365个工作日", "a special procedure lasts 1–365 working days")
    for index, faq in enumerate(content.faqs, start=1):
        if not faq.question.strip() or not faq.answer.strip():
            problem(f"faqs[{index}]", "常见问题须有问有答", "a FAQ needs a question and an answer")
    return problems


def write_content(version: ItemVersion, content: GuideContent) -> None:
    """Replace ``version``'s content with ``content`` (caller validated it and holds a transaction)."""
    for name in SCALAR_FIELDS:
        setattr(version, name, getattr(content, name))
    version.aliases = [alias.strip() for alias in content.aliases if alias.strip()]
    version.save()
    version.themes.set(Theme.objects.filter(code__in=content.theme_codes))
    version.joint_departments.set(Department.objects.filter(code__in=content.joint_department_codes))
    version.materials.all().delete()
    version.fees.all().delete()
    version.special_procedures.all().delete()
    version.faqs.all().delete()
    Material.objects.bulk_create(
        [
            Material(version=version, order=i, **asdict(spec))
            for i, spec in enumerate(content.materials, start=1)
        ]
    )
    Fee.objects.bulk_create(
        [
            Fee(version=version, order=i, name=fee.name, amount=Decimal(str(fee.amount)), basis=fee.basis)
            for i, fee in enumerate(content.fees, start=1)
        ]
    )
    SpecialProcedure.objects.bulk_create(
        [SpecialProcedure(version=version, **asdict(spec)) for spec in content.special_procedures]
    )
    FAQ.objects.bulk_create(
        [
            FAQ(version=version, order=i, question=faq.question, answer=faq.answer)
            for i, faq in enumerate(content.faqs, start=1)
        ]
    )


def read_content(version: ItemVersion) -> GuideContent:
    """The content of a stored version, ready to copy into a new draft or to export."""
    return GuideContent(
        **{name: getattr(version, name) for name in SCALAR_FIELDS},
        theme_codes=sorted(theme.code for theme in version.themes.all()),
        joint_department_codes=sorted(dept.code for dept in version.joint_departments.all()),
        materials=[
            MaterialSpec(
                name=m.name,
                required=m.required,
                condition=m.condition,
                original=m.original,
                copies=m.copies,
                medium=m.medium,
                source=m.source,
                licence_type=m.licence_type,
                has_form=m.has_form,
                has_sample=m.has_sample,
                note=m.note,
            )
            for m in version.materials.all()
        ],
        fees=[FeeSpec(name=f.name, amount=f.amount, basis=f.basis) for f in version.fees.all()],
        special_procedures=[
            ProcedureSpec(kind=p.kind, name=p.name, max_days=p.max_days)
            for p in version.special_procedures.all()
        ],
        faqs=[FaqSpec(question=f.question, answer=f.answer) for f in version.faqs.all()],
    )


def snapshot(version: ItemVersion) -> dict[str, Any]:
    """What an audit event records about a version (the content is in the version row itself)."""
    return {
        "item": version.item.implementation_code,
        "version": version.number,
        "status": version.status,
        "name": version.name,
        "star_level": version.star_level,
    }

"""Application forms on pages: fields generated from the item version's JSON Schema, the materials
table with its upload fields, and filing an application together with its uploads.

No rule about cases lives here: the services decide; this module only turns HTML form posts into
service calls and service answers back into fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from govhall.cases import forms, selectors, services
from govhall.cases.models import Case, CaseMaterial
from govhall.cases.views_common import mask_name
from govhall.catalog.models import ItemVersion, Material, ServiceItem
from govhall.core.errors import Conflict, DomainError
from govhall.identity.models import User
from govhall.licences import selectors as licence_selectors
from govhall.licences.models import HolderKind, Licence

FORM_PREFIX = "form-"

# --- Application form ----------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    title: str
    title_en: str
    widget: str  # text, tel, textarea, integer, number, checkbox, select, lines
    required: bool
    value: Any = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def input_name(self) -> str:
        return FORM_PREFIX + self.name

    @property
    def input_id(self) -> str:
        return "id_" + self.input_name


def _split_title(title: str, fallback: str) -> tuple[str, str]:
    title = title.strip() or fallback
    head, _, tail = title.partition(" ")
    if tail and re.search(r"[\u4e00-\u9fff]", head) and not re.search(r"[\u4e00-\u9fff]", tail):
        return head, tail
    return title, ""


def _widget(name: str, prop: Mapping[str, Any]) -> str | None:
    kind = prop.get("type", "string")
    if "enum" in prop:
        return "select"
    if kind == "string":
        if int(prop.get("maxLength", 0) or 0) > 200 or prop.get("format") == "textarea":
            return "textarea"
        return "tel" if "phone" in name or "tel" in name else "text"
    if kind in ("integer", "number", "boolean"):
        return {"integer": "integer", "number": "number", "boolean": "checkbox"}[kind]
    if kind == "array" and isinstance(prop.get("items"), dict) and prop["items"].get("type") == "string":
        return "lines"
    return None  # nested objects are not edited on the page; their values are kept as they are


def _properties(schema: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any], str]]:
    found: list[tuple[str, Mapping[str, Any], str]] = []
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            widget = _widget(name, prop)
            if widget is not None:
                found.append((name, prop, widget))
    return found


def _display_value(value: Any, widget: str) -> Any:
    if value is None:
        return ""
    if widget == "lines" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if widget == "checkbox":
        return bool(value)
    return str(value)


def form_fields(
    schema: Mapping[str, Any], values: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> list[FormField]:
    """The fields to draw for ``schema``, showing ``values`` (typed data or the raw POST)."""
    required = set(schema.get("required") or [])
    fields = []
    for name, prop, widget in _properties(schema):
        title, title_en = _split_title(str(prop.get("title", "")), name)
        max_length = prop.get("maxLength")
        fields.append(
            FormField(
                name=name,
                title=title,
                title_en=title_en,
                widget=widget,
                required=name in required,
                value=_display_value(values.get(name), widget),
                choices=[(str(v), str(v)) for v in prop.get("enum", [])],
                max_length=int(max_length) if isinstance(max_length, int) else None,
                errors=list(errors.get(name, [])),
            )
        )
    return fields


def raw_form_values(schema: Mapping[str, Any], post: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, _prop, widget in _properties(schema):
        key = FORM_PREFIX + name
        values[name] = key in post if widget == "checkbox" else post.get(key, "")
    return values


def parse_form(
    schema: Mapping[str, Any], post: Mapping[str, Any], *, base: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[forms.FieldProblem]]:
    """Typed form data from the POST (fields the page does not draw are kept from ``base``)."""
    data: dict[str, Any] = dict(base or {})
    problems: list[forms.FieldProblem] = []
    for name, prop, widget in _properties(schema):
        key = FORM_PREFIX + name
        if widget == "checkbox":
            data[name] = key in post
            continue
        raw = str(post.get(key, "")).strip()
        if raw == "":
            data.pop(name, None)
            continue
        if widget in ("integer", "number"):
            try:
                data[name] = int(raw) if widget == "integer" else float(raw)
            except ValueError:
                data.pop(name, None)
                problems.append(
                    forms.FieldProblem(
                        name,
                        "not_a_number",
                        "请输入整数" if widget == "integer" else "请输入数字",
                        "must be a whole number" if widget == "integer" else "must be a number",
                    )
                )
        elif widget == "select":
            data[name] = next((v for v in prop.get("enum", []) if str(v) == raw), raw)
        elif widget == "lines":
            data[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        else:
            data[name] = raw
    return data, problems


# --- Materials -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceChoice:
    """One of the applicant's usable licences, as offered in place of a material."""

    identifier: str
    name: str
    holder: str
    valid_until: date | None

    @classmethod
    def of(cls, licence: Licence) -> LicenceChoice:
        name = licence.holder_name
        if licence.holder_kind == HolderKind.PERSON:
            name = mask_name(name)
        holder = f"{name}（{licence.holder_id_masked}）" if licence.holder_id_masked else name
        return cls(licence.identifier, licence.licence_type.name, holder, licence.valid_until)


@dataclass
class MaterialRow:
    material: Material
    can_counter: bool
    licence_type: str
    chosen: str = CaseMaterial.Kind.UPLOAD
    provided: list[CaseMaterial] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # None: this page does not offer licences (window intake for a walk-in applicant).
    licences: list[LicenceChoice] | None = None
    chosen_licence: str = ""

    @property
    def key(self) -> str:
        return f"materials.{self.material.pk}"

    @property
    def way_name(self) -> str:
        return f"material-{self.material.pk}-way"

    @property
    def file_name(self) -> str:
        return f"material-{self.material.pk}-file"

    @property
    def licence_name(self) -> str:
        return f"material-{self.material.pk}-licence"


def material_rows(
    version: ItemVersion,
    *,
    case: Case | None = None,
    chosen: Mapping[int, str] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    holder: User | None = None,
    chosen_licences: Mapping[int, str] | None = None,
) -> list[MaterialRow]:
    """The materials table; with ``holder``, licence materials offer that user's usable licences."""
    provided: dict[int, list[CaseMaterial]] = {}
    if case is not None and case.pk:
        for given in selectors.materials(case):
            provided.setdefault(given.material_id, []).append(given)
    rows = []
    for material in version.materials.all():
        row = MaterialRow(
            material=material,
            # What the service accepts (services._check_provision): an electronic-only material
            # cannot be shown on paper at the counter.
            can_counter=material.medium != Material.Medium.ELECTRONIC,
            licence_type=material.licence_type if material.source == Material.Source.LICENCE else "",
            provided=provided.get(material.pk, []),
        )
        row.chosen = (chosen or {}).get(material.pk, CaseMaterial.Kind.UPLOAD)
        row.errors = list((errors or {}).get(row.key, []))
        if holder is not None and row.licence_type:
            usable = licence_selectors.usable_licences_for(holder, row.licence_type)
            row.licences = [LicenceChoice.of(licence) for licence in usable]
            row.chosen_licence = (chosen_licences or {}).get(material.pk, "")
        rows.append(row)
    return rows


@dataclass
class ApplicationInput:
    """An application form as posted: typed data, materials shown at the counter, uploads."""

    form_data: dict[str, Any]
    provided: list[services.ProvidedMaterial]
    uploads: dict[int, UploadedFile]
    chosen: dict[int, str]
    chosen_licences: dict[int, str]
    problems: list[forms.FieldProblem]
    raw_values: dict[str, Any]


def parse_application(
    request: HttpRequest, version: ItemVersion, *, draft: Case | None = None
) -> ApplicationInput:
    schema = forms.schema_for(version)
    form_data, problems = parse_form(schema, request.POST, base=draft.form_data if draft else None)
    already = set(draft.materials.values_list("material_id", flat=True)) if draft and draft.pk else set()
    provided: list[services.ProvidedMaterial] = []
    uploads: dict[int, UploadedFile] = {}
    chosen: dict[int, str] = {}
    chosen_licences: dict[int, str] = {}
    for material in version.materials.all():
        way = request.POST.get(f"material-{material.pk}-way", CaseMaterial.Kind.UPLOAD)
        chosen[material.pk] = way
        if way in (CaseMaterial.Kind.COUNTER, CaseMaterial.Kind.LICENCE):
            # Whether the licence is the applicant's, of the right type and valid is for the services.
            reference = request.POST.get(f"material-{material.pk}-licence", "").strip()[:200]
            if way == CaseMaterial.Kind.LICENCE:
                chosen_licences[material.pk] = reference
            else:
                reference = ""
            if material.pk not in already:
                provided.append(
                    services.ProvidedMaterial(material_id=material.pk, kind=way, reference=reference)
                )
            continue
        upload = request.FILES.get(f"material-{material.pk}-file")
        if upload is not None and upload.size:
            uploads[material.pk] = upload
    return ApplicationInput(
        form_data=form_data,
        provided=provided,
        uploads=uploads,
        chosen=chosen,
        chosen_licences=chosen_licences,
        problems=problems,
        raw_values=raw_form_values(schema, request.POST),
    )


def _relabel(error: DomainError, field_name: str) -> list[forms.FieldProblem]:
    entries = error.details.get("fields") or [{}]
    return [
        forms.FieldProblem(
            field_name,
            str(entry.get("code") or error.code),
            str(entry.get("message_zh") or error.message_zh),
            str(entry.get("message_en") or error.message_en),
        )
        for entry in entries
    ]


def attach_uploads(
    *, actor: User, case: Case, uploads: Mapping[int, UploadedFile], stored: list[str]
) -> list[forms.FieldProblem]:
    """Attach every upload; a refused file becomes a problem of its material, the others go on."""
    problems: list[forms.FieldProblem] = []
    for material_id, upload in uploads.items():
        try:
            with transaction.atomic():
                row = services.attach_material(
                    actor=actor,
                    case=case,
                    material_id=material_id,
                    stream=upload.file,
                    filename=upload.name or "",
                    size=upload.size,
                )
        except DomainError as error:
            if error.status in (403, 404, 409):
                raise
            problems.extend(_relabel(error, f"materials.{material_id}"))
        else:
            if row.file:
                stored.append(row.file.name)
    return problems


def delete_stored(names: Iterable[str]) -> None:
    storage = CaseMaterial._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def file_application(
    *,
    actor: User,
    version: ItemVersion,
    app: ApplicationInput,
    submit: bool,
    key: str = "",
    item: ServiceItem | None = None,
    draft: Case | None = None,
    intake: tuple[str, str] | None = None,
) -> services.SubmitResult:
    """Save the draft (new or existing) with its uploads and, with ``submit``, file it — all or nothing.

    ``intake``: (ID number, credit code) of a walk-in applicant a window clerk files for. Any error
    rolls everything back, stored files included, and carries every field problem found.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            if draft is not None:
                case = services.save_draft(
                    actor=actor, item=None, draft=draft, form_data=app.form_data, provided=app.provided
                )
            elif intake is not None:
                case = services.window_intake(
                    actor=actor,
                    item=item,
                    form_data=app.form_data,
                    id_number=intake[0],
                    uscc=intake[1],
                    provided=app.provided,
                    submit=False,
                ).case
            else:
                case = services.save_draft(
                    actor=actor, item=item, form_data=app.form_data, provided=app.provided
                )
            problems = list(app.problems) + attach_uploads(
                actor=actor, case=case, uploads=app.uploads, stored=stored
            )
            if problems:
                # Report the form's own problems too, so one round trip shows everything.
                named = {p.field for p in problems}
                problems += [
                    p
                    for p in forms.validate_form(app.form_data, forms.schema_for(version))
                    if p.field not in named
                ]
                raise forms.invalid_application(problems)
            if not submit:
                return services.SubmitResult(case=case, created=True, verification_code=None)
            return services.submit_case(actor=actor, draft=case, idempotency_key=key)
    except BaseException:
        delete_stored(stored)
        raise


def replay_or_raise(
    error: Exception, *, user: User, key: str, applicant: User | None = None
) -> services.SubmitResult:
    """A submission that lost a race with its own retry: the first one's case, or the error again."""
    if isinstance(error, IntegrityError) or (
        isinstance(error, Conflict) and error.code == "idempotency_key_reused"
    ):
        existing = selectors.submitted_with_key(user, key, applicant=applicant)
        if existing is not None:
            return services.SubmitResult(case=existing, created=False, verification_code=None)
    raise error

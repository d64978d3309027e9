"""Forms of the data hub pages: they collect input; the services decide whether it is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from govhall.datahub.catalogue import ElementSpec
from govhall.datahub.models import ComparisonJob, Dataset, ElementType, ImportJob, Resource
from govhall.identity.models import Department

ELEMENT_HELP = (
    "每行一个数据项：标识符,中文名称,类型[,个人]。类型可为 "
    + "、".join(ElementType.values)
    + "。例如：uscc,统一社会信用代码,uscc 或 id_number,身份证号码,id_number,个人"
)


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput | forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def parse_elements(text: str) -> list[ElementSpec]:
    elements: list[ElementSpec] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [part.strip() for part in line.replace("，", ",").split(",")]
        if not any(parts):
            continue
        if len(parts) < 3:
            raise forms.ValidationError(
                f"第 {number} 行应为“标识符,中文名称,类型[,个人]” (line {number}: name,label,type)"
            )
        personal = len(parts) > 3 and parts[3] in {"个人", "personal", "是", "1", "yes"}
        elements.append(ElementSpec(parts[0], parts[1], parts[2], personal))
    return elements


class ResourceForm(StyledForm):
    provider = DepartmentChoiceField(label="提供部门", queryset=Department.objects.none())
    name = forms.CharField(label="资源名称", max_length=200)
    code = forms.CharField(
        label="资源代码", max_length=40, required=False, help_text="留空自动生成，如 445300-MZJ-0001"
    )
    summary = forms.CharField(label="资源摘要", widget=forms.Textarea(attrs={"rows": 3}))
    dataset = forms.ChoiceField(
        label="对应基础库", choices=[("", "无（部门自有数据）"), *Dataset.choices], required=False
    )
    elements = forms.CharField(
        label="数据项", widget=forms.Textarea(attrs={"rows": 6}), help_text=ELEMENT_HELP
    )
    key_element = forms.CharField(label="主键数据项（标识符）", max_length=60)
    sharing_type = forms.ChoiceField(label="共享类型", choices=Resource.SharingType.choices)
    sharing_conditions = forms.CharField(
        label="共享条件", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    not_shared_reason = forms.CharField(
        label="不予共享的法律法规依据", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    open_type = forms.ChoiceField(label="开放类型", choices=Resource.OpenType.choices, initial="not_open")
    update_cycle = forms.ChoiceField(label="更新周期", choices=Resource.UpdateCycle.choices)
    format = forms.ChoiceField(label="资源格式", choices=Resource.Format.choices)
    access_methods = forms.MultipleChoiceField(
        label="共享方式", choices=Resource.AccessMethod.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = departments  # type: ignore[attr-defined]

    def clean_elements(self) -> list[ElementSpec]:
        return parse_elements(self.cleaned_data["elements"])


class ApplyForm(StyledForm):
    consumer = DepartmentChoiceField(label="申请部门", queryset=Department.objects.none())
    purpose = forms.CharField(label="用途", widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label="依据（法律法规或职责）", widget=forms.Textarea(attrs={"rows": 2}))
    requested_fields = forms.MultipleChoiceField(label="申请的数据项", widget=forms.CheckboxSelectMultiple)

    def __init__(
        self, *args: Any, resource: Resource, departments: QuerySet[Department], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        consumers = departments.exclude(pk=resource.provider_id)
        self.fields["consumer"].queryset = consumers  # type: ignore[attr-defined]
        if len(consumers) == 1:
            self.fields["consumer"].initial = consumers[0].pk
        choices = [(e.name, f"{e.label}（{e.name}）") for e in resource.elements.all()]
        self.fields["requested_fields"].choices = choices  # type: ignore[attr-defined]


class ApproveForm(StyledForm):
    allowed_fields = forms.MultipleChoiceField(label="批准的数据项", widget=forms.CheckboxSelectMultiple)
    unmasked_fields = forms.MultipleChoiceField(
        label="不脱敏的个人信息项", widget=forms.CheckboxSelectMultiple, required=False
    )
    conditions = forms.CharField(label="使用条件", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    expires_on = forms.DateField(
        label="有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rate_limit_per_minute = forms.IntegerField(label="每分钟调用上限", min_value=1, initial=60)

    def __init__(
        self, *args: Any, requested: list[tuple[str, str]], personal: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["allowed_fields"].choices = requested  # type: ignore[attr-defined]
        self.fields["unmasked_fields"].choices = personal  # type: ignore[attr-defined]


class ReasonForm(StyledForm):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(StyledForm):
    department = DepartmentChoiceField(label="导入部门", queryset=Department.objects.none())
    target = forms.ChoiceField(label="导入到")
    mode = forms.ChoiceField(
        label="导入方式", choices=ImportJob.Mode.choices, widget=forms.RadioSelect, initial="all_or_nothing"
    )
    file = forms.FileField(label="文件（.csv 或 .xlsx，首行为列名）")

    def __init__(
        self, *args: Any, departments: QuerySet[Department], resources: QuerySet[Resource], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        choices = [(f"dataset:{value}", f"基础库：{label}") for value, label in Dataset.choices]
        choices += [(f"resource:{r.code}", f"本部门资源：{r.name}（{r.code}）") for r in resources]
        self.fields["target"].choices = choices  # type: ignore[attr-defined]


class ComparisonForm(StyledForm):
    department = DepartmentChoiceField(label="发起部门", queryset=Department.objects.none())
    name = forms.CharField(label="任务名称", max_length=100)
    kind = forms.ChoiceField(label="比对方式", choices=ComparisonJob.Kind.choices)
    resource_a = forms.ChoiceField(label="资源 A")
    key_a = forms.CharField(label="A 的比对键", max_length=60)
    filter_field = forms.CharField(label="A 的筛选数据项（可选）", max_length=60, required=False)
    filter_value = forms.CharField(label="筛选值", max_length=100, required=False)
    resource_b = forms.ChoiceField(label="资源 B")
    key_b = forms.CharField(label="B 的比对键", max_length=60)
    condition_field = forms.CharField(label="B 的匹配条件数据项（可选）", max_length=60, required=False)
    condition_op = forms.ChoiceField(label="条件", choices=[("=", "等于"), ("!=", "不等于")], required=False)
    condition_value = forms.CharField(label="条件值", max_length=100, required=False)
    output_fields = forms.CharField(
        label="结果中包含的 A 的数据项", max_length=300, required=False, help_text="标识符，以逗号分隔"
    )

    def __init__(
        self, *args: Any, departments: QuerySet[Department], resources: QuerySet[Resource], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        choices = [(r.code, f"{r.name}（{r.provider.short_name}）") for r in resources]
        self.fields["resource_a"].choices = choices  # type: ignore[attr-defined]
        self.fields["resource_b"].choices = choices  # type: ignore[attr-defined]


class AssignForm(StyledForm):
    department = DepartmentChoiceField(
        label="指派给", queryset=Department.objects.filter(is_active=True).order_by("code")
    )


class PersonLookupForm(StyledForm):
    id_number = forms.CharField(label="公民身份号码", max_length=18)
    purpose = forms.CharField(label="查阅用途", max_length=200, help_text="查阅记录将连同用途记入审计日志")
    unmasked = forms.BooleanField(label="显示完整信息（须有必要）", required=False)

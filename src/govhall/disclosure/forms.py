"""Forms of the disclosure pages; they only shape input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from govhall.disclosure.answers import ALL_REASONS
from govhall.disclosure.models import Category, InformationRequest, PenaltyDecision, Publication, Topic
from govhall.identity.models import Department

DATE = forms.DateInput(attrs={"type": "date"})


def zh_choices(choices: list[tuple[str, str]], *, blank: str = "") -> list[tuple[str, str]]:
    """Model choices read "中文 English"; forms show the Chinese."""
    shown = [(value, str(label).split(" ")[0]) for value, label in choices]
    return [("", blank), *shown] if blank else shown


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so the templates can render fields one by one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class PublicationForm(StyledForm):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label="公开部门")
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label="公开类别")
    title = forms.CharField(label="标题", max_length=200)
    issuing_body = forms.CharField(label="发布机构", max_length=100)
    document_number = forms.CharField(
        label="文号", max_length=60, required=False, help_text="例如：云市监〔2026〕12号"
    )
    topic = forms.ChoiceField(label="主题分类", choices=Topic.choices, initial=Topic.GENERAL)
    keywords = forms.CharField(
        label="关键词", max_length=200, required=False, help_text="多个关键词用空格分隔"
    )
    written_on = forms.DateField(label="成文日期", required=False, widget=DATE)
    effective_from = forms.DateField(label="生效日期", required=False, widget=DATE)
    effective_until = forms.DateField(label="失效日期", required=False, widget=DATE)
    validity = forms.ChoiceField(
        label="有效性", choices=zh_choices(Publication.Validity.choices), initial="valid"
    )
    summary = forms.CharField(label="内容概述", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(pk__in=[d.pk for d in departments])  # type: ignore[attr-defined]
        if len(departments) == 1:
            self.fields["department"].initial = departments[0].pk
        own = [d.pk for d in departments]
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            department__isnull=True
        ) | Category.objects.filter(department_id__in=own)


class ReviewForm(StyledForm):
    conclusion = forms.ChoiceField(
        label="审查结论",
        choices=[("cleared", "可以公开"), ("revise", "修改后重新送审"), ("refused", "不得公开")],
    )
    opinion = forms.CharField(label="审查意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label="理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class RequestForm(StyledForm):
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True).order_by("region__code", "code"),
        label="受理机关",
        to_field_name="code",
    )
    content = forms.CharField(
        label="所需政府信息的名称、文号或者便于查询的其他特征性描述",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    purpose = forms.CharField(
        label="用途（选填）", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    delivery = forms.ChoiceField(
        label="获取信息的方式",
        choices=zh_choices(InformationRequest.Delivery.choices),
        widget=forms.RadioSelect,
        initial="online",
    )
    postal_address = forms.CharField(label="邮寄地址（选择邮寄时填写）", max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class CorrectionForm(StyledForm):
    content = forms.CharField(
        label="补正后的申请内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


class CorrectionRequestForm(StyledForm):
    note = forms.CharField(label="需要补正的事项和理由", widget=forms.Textarea(attrs={"rows": 3}))
    days = forms.IntegerField(label="补正期限（工作日）", min_value=1, max_value=30, initial=15)


class ConsultationForm(StyledForm):
    note = forms.CharField(
        label="征求意见的对象和事项（或意见结果）", widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(StyledForm):
    answer = forms.ChoiceField(
        label="答复类型", choices=zh_choices(InformationRequest.Answer.choices, blank="请选择")
    )
    reason = forms.ChoiceField(label="具体情形", required=False, choices=[("", "—"), *ALL_REASONS.items()])
    text = forms.CharField(label="答复内容", widget=forms.Textarea(attrs={"rows": 6}))
    legal_basis = forms.CharField(label="法律依据", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    referral_agency = forms.CharField(label="负责公开的机关及联系方式", max_length=200, required=False)
    publications = forms.CharField(
        label="已公开信息的索引号（每行一个）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PenaltyForm(StyledForm):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label="处罚机关")
    decision_number = forms.CharField(label="处罚决定书文号", max_length=80)
    party_kind = forms.ChoiceField(label="当事人类型", choices=zh_choices(PenaltyDecision.PartyKind.choices))
    party_name = forms.CharField(label="当事人名称或姓名", max_length=200)
    party_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    party_id_number = forms.CharField(label="身份证号码（自然人）", max_length=18, required=False)
    legal_representative = forms.CharField(label="法定代表人或经营者", max_length=60, required=False)
    violation = forms.CharField(label="违法行为", widget=forms.Textarea(attrs={"rows": 3}))
    basis = forms.CharField(label="处罚依据", widget=forms.Textarea(attrs={"rows": 2}))
    penalty = forms.CharField(label="处罚内容", widget=forms.Textarea(attrs={"rows": 2}))
    fine_amount = forms.DecimalField(label="罚没金额（元）", required=False, min_value=0, decimal_places=2)
    decided_on = forms.DateField(label="处罚决定日期", widget=DATE)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(pk__in=[d.pk for d in departments])  # type: ignore[attr-defined]
        if len(departments) == 1:
            self.fields["department"].initial = departments[0].pk

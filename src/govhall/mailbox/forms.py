"""Forms of the mailbox pages (validation of shape only; the rules are in the services)."""

from __future__ import annotations

import secrets

from django import forms

from govhall.identity.models import Department
from govhall.mailbox.models import Letter

TEXT = {"class": "form-control"}


def _category_choices() -> list[tuple[str, str]]:
    return [(value, label.split(" ")[0]) for value, label in Letter.Category.choices]


class LetterForm(forms.Form):
    category = forms.ChoiceField(
        label="来信类别",
        choices=_category_choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    subject = forms.CharField(label="来信标题", max_length=120, widget=forms.TextInput(attrs=TEXT))
    content = forms.CharField(
        label="来信内容",
        max_length=5000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 8}),
        help_text="请写明事情经过、地点和诉求，不超过5000字。",
    )
    consent_publish = forms.BooleanField(
        label="同意在答复后公开本信件（公开时隐去姓名、电话、身份证号码等个人信息）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial["idempotency_key"] = secrets.token_hex(16)


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label="交办部门",
        queryset=Department.objects.filter(is_active=True).order_by("region__code", "code"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(label="交办意见", required=False, widget=forms.TextInput(attrs=TEXT))


class DraftForm(forms.Form):
    text = forms.CharField(
        label="答复内容", max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 6})
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "同意发送"), ("return", "退回修改")])
    note = forms.CharField(label="审核意见", required=False, widget=forms.TextInput(attrs=TEXT))

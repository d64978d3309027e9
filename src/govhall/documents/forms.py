"""Forms of the documents pages; they only shape input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from govhall.documents.models import ArchiveRecord, Kind, Secrecy, Urgency
from govhall.identity.models import Department

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class DraftForm(forms.Form):
    department = forms.ModelChoiceField(
        label="发文单位", queryset=Department.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    kind = forms.ChoiceField(label="文种", choices=Kind.choices, widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label="标题", max_length=200, widget=forms.TextInput(attrs=TEXT))
    main_recipients = forms.CharField(
        label="主送机关", max_length=300, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={**TEXT, "rows": 12}))
    attachment_notes = forms.CharField(
        label="附件说明",
        required=False,
        help_text="每行一个附件名称",
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
    secrecy = forms.TypedChoiceField(
        label="密级", choices=Secrecy.choices, coerce=int, widget=forms.Select(attrs=SELECT)
    )
    secrecy_period = forms.CharField(
        label="保密期限", max_length=20, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    urgency = forms.ChoiceField(
        label="紧急程度", choices=Urgency.choices, required=False, widget=forms.Select(attrs=SELECT)
    )
    copy_to = forms.CharField(
        label="抄送机关", max_length=300, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    notes = forms.CharField(label="附注", max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class CountersignRequestForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label="会签部门",
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 8}),
    )

    def __init__(self, *args: Any, exclude: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Department.objects.filter(is_active=True).order_by("region__code", "code")
        self.fields["departments"].queryset = qs.exclude(pk=exclude) if exclude else qs  # type: ignore[attr-defined]


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label="意见", max_length=500, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=300, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class SendForm(forms.Form):
    groups = forms.MultipleChoiceField(
        label="收文单位组", required=False, widget=forms.CheckboxSelectMultiple
    )
    units = forms.ModelMultipleChoiceField(
        label="主送单位",
        required=False,
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 10}),
    )
    copy_units = forms.ModelMultipleChoiceField(
        label="抄送单位",
        required=False,
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 6}),
    )

    def __init__(self, *args: Any, group_choices: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = group_choices or []  # type: ignore[attr-defined]
        qs = Department.objects.filter(is_active=True).order_by("region__code", "code")
        self.fields["units"].queryset = qs  # type: ignore[attr-defined]
        self.fields["copy_units"].queryset = qs  # type: ignore[attr-defined]


class HandlingForm(forms.Form):
    stage = forms.CharField(widget=forms.HiddenInput)
    opinion = forms.CharField(
        label="意见", max_length=2000, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class ArchiveForm(forms.Form):
    retention = forms.ChoiceField(
        label="保管期限", choices=ArchiveRecord.Retention.choices, widget=forms.Select(attrs=SELECT)
    )


class VerifyForm(forms.Form):
    file = forms.FileField(label="公文版式文件（PDF）")

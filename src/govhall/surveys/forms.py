"""Staff forms for building surveys and votes (shape only; the rules are in the services)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from govhall.identity.models import Department

TEXT = {"class": "form-control"}
CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})
WHEN = {"class": "form-control", "type": "datetime-local"}
WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class _Common(forms.Form):
    department = forms.ModelChoiceField(
        label="发起部门",
        queryset=Department.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    title = forms.CharField(label="标题", max_length=120, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    opens_at = forms.DateTimeField(
        label="开始时间",
        input_formats=WHEN_FORMATS,
        widget=forms.DateTimeInput(attrs=WHEN, format=WHEN_FORMATS[0]),
    )
    closes_at = forms.DateTimeField(
        label="截止时间",
        input_formats=WHEN_FORMATS,
        widget=forms.DateTimeInput(attrs=WHEN, format=WHEN_FORMATS[0]),
    )

    def __init__(self, *args: Any, departments: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments if departments is not None else Department.objects.none()
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("opens_at", now)
            self.initial.setdefault("closes_at", now + timedelta(days=14))


class SurveyForm(_Common):
    questions = forms.CharField(
        label="题目",
        widget=forms.Textarea(attrs={**TEXT, "rows": 12, "class": "form-control font-monospace"}),
        help_text="每题一行，以[单选][多选][填空][评分]开头；选项另起一行，以“-”开头。[多选3]表示最多选3项，"
        "[评分10]表示1—10分；题目末尾写“（选填）”为选答题。",
    )
    allow_anonymous = forms.BooleanField(label="允许未登录用户匿名填写", required=False, widget=CHECK)
    results_public = forms.BooleanField(
        label="截止后向公众公开统计结果", required=False, initial=True, widget=CHECK
    )


class VoteForm(_Common):
    candidates = forms.CharField(
        label="候选项目",
        widget=forms.Textarea(attrs={**TEXT, "rows": 10}),
        help_text="每行一个项目，可用“｜”隔开项目名称和简介。",
    )
    min_choices = forms.IntegerField(
        label="每人至少选择", min_value=1, initial=1, widget=forms.NumberInput(attrs=TEXT)
    )
    max_choices = forms.IntegerField(label="每人最多选择", min_value=1, widget=forms.NumberInput(attrs=TEXT))
    allow_change = forms.BooleanField(label="截止前允许改票", required=False, widget=CHECK)

    def candidate_rows(self) -> list[tuple[str, str]]:
        rows = []
        for line in self.cleaned_data["candidates"].splitlines():
            if not line.strip():
                continue
            name, _, description = line.replace("|", "｜").partition("｜")
            rows.append((name.strip(), description.strip()))
        return rows

"""Forms of the second-factor, session and client-registration pages."""

from __future__ import annotations

from django import forms

from govhall.identity.forms import StyledFieldsMixin
from govhall.identity.models import Department


class OtpCodeForm(StyledFieldsMixin, forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=20,
        help_text="身份验证器上的6位数字；手机不在身边时可输入一个恢复码。",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


class OtpEnrolForm(StyledFieldsMixin, forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=10,
        help_text="扫描二维码后，输入身份验证器显示的6位数字。",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ClientForm(StyledFieldsMixin, forms.Form):
    name = forms.CharField(label="应用名称", max_length=255)
    is_government = forms.BooleanField(
        label="政府部门系统（用户登录时免于授权确认）", required=False, initial=True
    )
    department = forms.ModelChoiceField(
        label="主管部门", queryset=Department.objects.filter(is_active=True), required=False
    )
    confidential = forms.BooleanField(
        label="机密客户端（服务器端应用，持有客户端密钥）", required=False, initial=True
    )
    redirect_uris = forms.CharField(
        label="登录回调地址",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个，须与应用发起登录时的 redirect_uri 完全一致。",
    )
    post_logout_redirect_uris = forms.CharField(
        label="退出后返回地址",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一个；应用发起统一退出后返回的地址。",
    )
    description = forms.CharField(label="说明", max_length=200, required=False)

    # Service error fields that are named differently on the form.
    def error_field(self, field: str | None) -> str | None:
        return field if field in self.fields else None


class OtpResetForm(StyledFieldsMixin, forms.Form):
    username = forms.CharField(label="工作人员用户名", max_length=150)

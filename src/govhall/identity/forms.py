"""Registration and sign-in forms; validation of codes and uniqueness happens in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from govhall.identity import services
from govhall.identity.models import User


class StyledFieldsMixin:
    """Give every input the site stylesheet's control class, so templates can render fields plainly."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            field.widget.attrs.setdefault("class", css)


class LoginForm(StyledFieldsMixin, AuthenticationForm):
    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class _RegistrationForm(StyledFieldsMixin, forms.Form):
    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位，不能全为数字，不能与用户名过于相似。",
    )
    password2 = forms.CharField(
        label="确认密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    # Service error fields that are named differently on the form.
    field_aliases = {"password": "password1"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "两次输入的密码不一致 (the two passwords differ)")
        return cleaned

    def error_field(self, field: str | None) -> str | None:
        field = self.field_aliases.get(field or "", field)
        return field if field in self.fields else None


class CitizenRegistrationForm(_RegistrationForm):
    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    display_name = forms.CharField(label="姓名", max_length=100)
    id_number = forms.CharField(label="身份证号码", max_length=30, help_text="18位，末位可为 X。")
    phone = forms.CharField(
        label="手机号码", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    email = forms.EmailField(label="电子邮箱", required=False, help_text="用于找回密码。")

    field_order = ["username", "display_name", "id_number", "phone", "email", "password1", "password2"]

    def register(self) -> User:
        data = self.cleaned_data
        return services.register_citizen(
            username=data["username"],
            password=data["password1"],
            display_name=data["display_name"],
            id_number=data["id_number"],
            phone=data["phone"],
            email=data.get("email", ""),
        )


class EnterpriseRegistrationForm(_RegistrationForm):
    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    name = forms.CharField(label="单位名称", max_length=100)
    uscc = forms.CharField(label="统一社会信用代码", max_length=30, help_text="18位，见营业执照。")
    legal_representative = forms.CharField(label="法定代表人", max_length=60)
    phone = forms.CharField(
        label="联系手机", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    email = forms.EmailField(label="电子邮箱", required=False, help_text="用于找回密码。")

    field_order = [
        "username",
        "name",
        "uscc",
        "legal_representative",
        "phone",
        "email",
        "password1",
        "password2",
    ]

    def register(self) -> User:
        data = self.cleaned_data
        return services.register_enterprise(
            username=data["username"],
            password=data["password1"],
            name=data["name"],
            uscc=data["uscc"],
            legal_representative=data["legal_representative"],
            phone=data["phone"],
            email=data.get("email", ""),
        )


class StyledPasswordResetForm(StyledFieldsMixin, PasswordResetForm):
    pass


class AuditedSetPasswordForm(StyledFieldsMixin, SetPasswordForm):
    """Sets the password through the service so that the change is audited."""

    via = "reset"

    def save(self, commit: bool = True) -> Any:
        return services.change_password(
            actor=self.user, user=self.user, new_password=self.cleaned_data["new_password1"], via=self.via
        )


class AuditedPasswordChangeForm(StyledFieldsMixin, PasswordChangeForm):
    via = "change"

    def save(self, commit: bool = True) -> Any:
        return services.change_password(
            actor=self.user, user=self.user, new_password=self.cleaned_data["new_password1"], via=self.via
        )

from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "govhall.sso"
    label = "sso"
    verbose_name = "统一身份认证 Single sign-on"

    def ready(self) -> None:
        # Session bookkeeping on sign-in/out, permission rules, and the admin pages this app replaces.
        from govhall.sso import admin, rules, signals  # noqa: F401

        admin.unregister_replaced()

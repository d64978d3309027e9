from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "govhall.identity"
    label = "identity"
    verbose_name = "身份与组织 Identity"

    def ready(self) -> None:
        # Connect the sign-in audit receivers and register the identity permission rules.
        from govhall.core import permissions  # noqa: F401
        from govhall.identity import signals  # noqa: F401

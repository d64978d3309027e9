from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "govhall.cases"
    label = "cases"
    verbose_name = "办件 Cases"

    def ready(self) -> None:
        from govhall.cases import permissions

        permissions.register()

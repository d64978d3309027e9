from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "govhall.disclosure"
    label = "disclosure"
    verbose_name = "政务公开 Government information disclosure"

    def ready(self) -> None:
        from govhall.disclosure import notices, permissions

        permissions.register()
        notices.register_events()
        notices.register_supervision_rules()

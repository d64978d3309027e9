from django.apps import AppConfig, apps


class ComplaintsConfig(AppConfig):
    name = "govhall.complaints"
    label = "complaints"
    verbose_name = "咨询投诉 Consultations and complaints"

    def ready(self) -> None:
        from govhall.complaints import notices, permissions

        permissions.register()
        notices.register_events()
        if apps.is_installed("govhall.supervision"):
            from govhall.complaints import supervision_rules

            supervision_rules.register()

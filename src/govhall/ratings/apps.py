from django.apps import AppConfig, apps


class RatingsConfig(AppConfig):
    name = "govhall.ratings"
    label = "ratings"
    verbose_name = "好差评 Service ratings"

    def ready(self) -> None:
        from govhall.ratings import notices, permissions

        permissions.register()
        notices.register_events()
        if apps.is_installed("govhall.supervision"):
            from govhall.ratings import supervision_rules

            supervision_rules.register()

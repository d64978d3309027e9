from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "govhall.documents"
    label = "documents"
    verbose_name = "电子公文 Official documents"

    def ready(self) -> None:
        from govhall.documents import notices, permissions

        permissions.register()
        notices.register_events()
        notices.register_supervision_rules()

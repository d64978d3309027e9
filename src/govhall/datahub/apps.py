from django.apps import AppConfig


class DatahubConfig(AppConfig):
    name = "govhall.datahub"
    label = "datahub"
    verbose_name = "数据共享交换 Data hub"

    def ready(self) -> None:
        from govhall.datahub.permissions import register

        register()

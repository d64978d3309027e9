from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "govhall.catalog"
    label = "catalog"
    verbose_name = "事项目录 Service catalogue"

    def ready(self) -> None:
        from govhall.catalog import permissions

        permissions.register()

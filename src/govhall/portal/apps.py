from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "govhall.portal"
    label = "portal"
    verbose_name = "网上办事大厅 Portal"

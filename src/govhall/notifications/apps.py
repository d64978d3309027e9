from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "govhall.notifications"
    label = "notifications"
    verbose_name = "消息通知 Notifications"

    def ready(self) -> None:
        from govhall.notifications.permissions import register

        register()

from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "govhall.mailbox"
    label = "mailbox"
    verbose_name = "统一互动平台·信箱 Mailboxes"

    def ready(self) -> None:
        from govhall.mailbox import notices, permissions

        permissions.register()
        notices.register_events()
        notices.register_supervision_rules()

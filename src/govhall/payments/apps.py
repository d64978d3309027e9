from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "govhall.payments"
    label = "payments"
    verbose_name = "统一公共支付 Payments"

    def ready(self) -> None:
        from govhall.payments import hooks

        hooks.connect()

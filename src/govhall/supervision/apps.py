from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "govhall.supervision"
    label = "supervision"
    verbose_name = "电子监察 Supervision"

    def ready(self) -> None:
        from govhall.supervision import case_evaluator, case_specs, notify, permissions, registry, signals

        for spec in case_specs.SPECS:
            registry.register_rule(spec)
        registry.register_evaluator(case_evaluator.CaseEvaluator())
        permissions.register()
        notify.register_events()
        signals.connect()

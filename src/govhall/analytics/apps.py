from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "govhall.analytics"
    label = "analytics"
    verbose_name = "决策辅助 Analytics and decision support"

    def ready(self) -> None:
        from govhall.analytics import facts, facts_interaction, permissions

        permissions.register()
        facts.register_builtin_facts()
        facts_interaction.register_interaction_facts()

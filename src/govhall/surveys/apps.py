from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "govhall.surveys"
    label = "surveys"
    verbose_name = "网上调查与民生投票 Surveys and public votes"

    def ready(self) -> None:
        from govhall.surveys import permissions

        permissions.register()

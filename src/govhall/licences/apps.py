from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "govhall.licences"
    label = "licences"
    verbose_name = "电子证照库 Electronic licences"

    def ready(self) -> None:
        from govhall.cases.results import register_result_hook
        from govhall.licences import permissions
        from govhall.licences.issuance import issue_from_case

        permissions.register()
        register_result_hook(issue_from_case)

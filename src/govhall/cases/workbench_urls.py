"""The staff workbench (mounted at /workbench/)."""

from django.urls import path

from govhall.cases import views_workbench as views

app_name = "workbench"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tasks/<int:task_id>/claim/", views.claim, name="claim"),
    path("intake/", views.intake, name="intake"),
    path("cases/<str:reference>/", views.case_page, name="case"),
    path("cases/<str:reference>/filed/", views.filed, name="filed"),
    path("cases/<str:reference>/materials/<int:material_pk>/", views.download, name="download"),
    path("cases/<str:reference>/<str:op>/", views.case_action, name="act"),
]

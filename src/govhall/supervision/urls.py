"""Supervision pages (mounted at /supervision/)."""

from django.urls import path

from govhall.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.board, name="board"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/export.xlsx", views.alerts_export, name="alerts_export"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/explain/", views.alert_explain, name="explain"),
    path("alerts/<int:pk>/decide/", views.alert_decide, name="decide"),
    path("metrics/", views.metrics_table, name="metrics"),
    path("metrics/export.xlsx", views.metrics_export, name="metrics_export"),
    path("ranking/", views.ranking_table, name="ranking"),
    path("rules/", views.rules, name="rules"),
]

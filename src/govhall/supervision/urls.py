"""Supervision pages (mounted at /supervision/)."""

from django.urls import path

from govhall.supervision import views, views_drill

app_name = "supervision"
urlpatterns = [
    path("", views.board, name="board"),
    path("board/charts.json", views_drill.board_charts, name="board_charts"),
    path("cases/", views_drill.figure_cases, name="cases"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/export.xlsx", views.alerts_export, name="alerts_export"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/explain/", views.alert_explain, name="explain"),
    path("alerts/<int:pk>/decide/", views.alert_decide, name="decide"),
    path("alerts/<int:pk>/escalate/", views.alert_escalate, name="escalate"),
    path("metrics/", views.metrics_table, name="metrics"),
    path("metrics/export.xlsx", views.metrics_export, name="metrics_export"),
    path("ranking/", views.ranking_table, name="ranking"),
    path("rules/", views.rules, name="rules"),
]

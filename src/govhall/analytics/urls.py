"""Leaders' dashboards (mounted at /analytics/)."""

from django.urls import path

from govhall.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.big_screen, name="big_screen"),
    path("charts/<slug:name>.json", views.chart_json, name="chart_json"),
    path("charts/<slug:name>.xlsx", views.chart_xlsx, name="chart_xlsx"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("refresh/", views.refresh, name="refresh"),
]

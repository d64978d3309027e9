from django.urls import path

from govhall.datahub import views, views_jobs, views_subscriptions

app_name = "datahub"
urlpatterns = [
    path("", views.home, name="home"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/export.xlsx", views.catalogue_export, name="catalogue_export"),
    path("catalogue/new/", views.resource_new, name="resource_new"),
    path("catalogue/<str:code>/", views.resource_detail, name="resource"),
    path("grants/", views.grants, name="grants"),
    path("grants/<int:pk>/", views.grant_detail, name="grant"),
    path("subscriptions/", views_subscriptions.subscription_list, name="subscriptions"),
    path("subscriptions/<int:pk>/", views_subscriptions.subscription_detail, name="subscription"),
    path("access-log/", views.access_log, name="access_log"),
    path("contributions/", views.contributions, name="contributions"),
    path("people/", views.person_lookup, name="people"),
    path("imports/", views_jobs.imports, name="imports"),
    path("imports/<int:pk>/", views_jobs.import_detail, name="import"),
    path("comparisons/", views_jobs.comparison_list, name="comparisons"),
    path("comparisons/<int:pk>/", views_jobs.comparison_detail, name="comparison"),
    path("comparisons/<int:pk>/export.xlsx", views_jobs.comparison_export, name="comparison_export"),
]

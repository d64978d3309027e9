"""The applicant's pages (mounted at the site root): /apply/…, /my/cases/…, /status/."""

from django.urls import path

from govhall.cases import views_applicant as views

app_name = "cases"
urlpatterns = [
    path("apply/<str:code>/", views.apply, name="apply"),
    path("my/cases/", views.my_cases, name="my_cases"),
    path("my/cases/<str:reference>/", views.my_case, name="my_case"),
    path("my/cases/<str:reference>/code/", views.verification_code, name="code"),
    path("my/cases/<str:reference>/supplement/", views.supplement, name="supplement"),
    path("my/cases/<str:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("my/cases/<str:reference>/materials/<int:material_pk>/", views.download, name="download"),
    path("status/", views.status_query, name="status"),
]

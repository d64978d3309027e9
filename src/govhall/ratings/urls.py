"""Rating pages, mounted at /ratings/."""

from django.urls import path

from govhall.ratings import views

app_name = "ratings"
urlpatterns = [
    path("", views.public, name="public"),
    path("my/", views.mine, name="mine"),
    path("case/<str:case_no>/", views.rate_case, name="rate_case"),
    path("visit/<str:code>/", views.rate_visit, name="rate_visit"),
    path("rectifications/<int:pk>/", views.rectification, name="rectification"),
    path("staff/", views.staff_queue, name="staff"),
    path("staff/visits/new/", views.new_visit, name="new_visit"),
    path("appeals/", views.appeals, name="appeals"),
]

"""Consultation and complaint pages, mounted at /interaction/."""

from django.urls import path

from govhall.complaints import views

app_name = "complaints"
urlpatterns = [
    path("my/", views.mine, name="mine"),
    path("consult/new/", views.new_consultation, name="new_consultation"),
    path("complain/new/", views.new_complaint, name="new_complaint"),
    path("consultations/<str:number>/", views.consultation, name="consultation"),
    path("complaints/<str:number>/", views.complaint, name="complaint"),
    path("staff/", views.staff, name="staff"),
    path("supervision/", views.supervision, name="supervision"),
]

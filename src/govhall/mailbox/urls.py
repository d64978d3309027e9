"""Mailboxes (统一互动平台·信箱), mounted at /mailbox/."""

from django.urls import path

from govhall.mailbox import views, views_staff

app_name = "mailbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("letters/<str:number>/", views.published, name="published"),
    path("write/<slug:code>/", views.write, name="write"),
    path("my/", views.my_letters, name="my_letters"),
    path("my/<str:number>/", views.my_letter, name="my_letter"),
    path("staff/", views_staff.queue, name="staff"),
    path("staff/statistics/", views_staff.statistics, name="staff_statistics"),
    path("staff/letters/<str:number>/", views_staff.letter_page, name="staff_letter"),
    path("staff/letters/<str:number>/<str:op>/", views_staff.letter_action, name="staff_letter_action"),
]

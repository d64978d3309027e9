"""Government information disclosure (政务公开), mounted at /disclosure/."""

from django.urls import path

from govhall.disclosure import views_public as public
from govhall.disclosure import views_requests as requests
from govhall.disclosure import views_staff as staff

app_name = "disclosure"
urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("departments/<str:code>/", public.department, name="department"),
    path("publications/<int:pk>/", public.publication, name="publication"),
    path("lists/", public.lists_index, name="lists"),
    path("lists/responsibility/", public.responsibility_list, name="responsibility"),
    path("lists/negative/", public.negative_list, name="negative"),
    path("lists/funds/", public.fund_list, name="funds"),
    path("penalties/", public.penalty_list, name="penalties"),
    path("penalties/<int:pk>/", public.penalty, name="penalty"),
    path("requests/new/", requests.new_request, name="new_request"),
    path("my/requests/", requests.my_requests, name="my_requests"),
    path("my/requests/<str:number>/", requests.my_request, name="my_request"),
    path("my/requests/<str:number>/withdraw/", requests.withdraw, name="withdraw"),
    path("requests/<str:number>/files/<int:file_id>/", requests.reply_file, name="reply_file"),
    path("staff/", staff.dashboard, name="staff"),
    path("staff/publications/new/", staff.publication_form, name="staff_new_publication"),
    path("staff/publications/<int:pk>/", staff.publication_page, name="staff_publication"),
    path("staff/publications/<int:pk>/edit/", staff.publication_form, name="staff_edit_publication"),
    path("staff/publications/<int:pk>/<str:op>/", staff.publication_action, name="staff_publication_action"),
    path("staff/requests/", staff.request_queue, name="staff_requests"),
    path("staff/requests/<str:number>/", staff.request_page, name="staff_request"),
    path("staff/requests/<str:number>/<str:op>/", staff.request_action, name="staff_request_action"),
    path("staff/penalties/new/", staff.penalty_form, name="staff_new_penalty"),
    path("staff/penalties/<int:pk>/<str:op>/", staff.penalty_action, name="staff_penalty_action"),
    path("staff/report/", staff.annual_report, name="staff_report"),
]

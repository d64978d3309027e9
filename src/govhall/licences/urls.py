"""/licences/…: verification (public), 我的证照, downloads and share links."""

from django.urls import path

from govhall.licences import views

app_name = "licences"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("mine/", views.mine, name="mine"),
    path("pdf/<str:identifier>/", views.licence_pdf, name="pdf"),
    path("share/<str:identifier>/", views.share, name="share"),
    path("shared/<str:token>/", views.shared, name="shared"),
]

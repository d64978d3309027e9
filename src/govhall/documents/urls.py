"""Official documents (公文), mounted at /documents/."""

from django.urls import path

from govhall.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.draft, name="draft"),
    path("verify/", views.verify, name="verify"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/tracking/", views.tracking, name="tracking"),
    path("<int:pk>/tracking/rows/", views.tracking_rows, name="tracking_rows"),
    path("<int:pk>/document.pdf", views.pdf, name="pdf"),
    path("<int:pk>/verify/", views.verify_stored, name="verify_stored"),
    path("inbox/<int:pk>/", views.copy, name="copy"),
]

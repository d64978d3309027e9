from django.urls import path

from govhall.sso import views

app_name = "sso"
urlpatterns = [
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:pk>/revoke/", views.revoke_session, name="revoke_session"),
    path("clients/", views.clients, name="clients"),
    path("clients/new/", views.client_new, name="client_new"),
    path("clients/<int:pk>/remove/", views.client_remove, name="client_remove"),
    path("otp-reset/", views.otp_reset, name="otp_reset"),
    path("real-name/", views.verify_real_name, name="verify_real_name"),
]

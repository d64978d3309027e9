"""Payment pages (mounted at the site root): /my/payments/…, /payments/…, /workbench/payments/…"""

from django.urls import path

from govhall.payments import views, views_staff

app_name = "payments"
urlpatterns = [
    path("my/payments/", views.my_orders, name="my_orders"),
    path("my/payments/<str:code>/", views.order_page, name="order"),
    path("my/payments/<str:code>/pay/", views.pay, name="pay"),
    path("my/payments/<str:code>/result/", views.result, name="result"),
    path("my/payments/<str:code>/receipts/<str:receipt_no>.pdf", views.receipt, name="receipt"),
    path("payments/return/", views.gateway_return, name="return"),
    path("payments/notify/", views.notify, name="notify"),
    path("workbench/payments/", views_staff.orders, name="staff_orders"),
    path("workbench/payments/reconciliation/", views_staff.runs, name="runs"),
    path("workbench/payments/reconciliation/run/", views_staff.run_reconciliation, name="run_reconciliation"),
    path("workbench/payments/reconciliation/<int:run_id>/", views_staff.run_page, name="run"),
    path("workbench/payments/reconciliation/<int:run_id>.xlsx", views_staff.run_excel, name="run_excel"),
    path("workbench/payments/differences/<int:item_id>/resolve/", views_staff.resolve, name="resolve"),
    path("workbench/payments/<str:code>/", views_staff.order, name="staff_order"),
    path("workbench/payments/<str:code>/receipts/<str:receipt_no>.pdf", views.receipt, name="staff_receipt"),
    path("workbench/payments/<str:code>/<str:op>/", views_staff.order_action, name="staff_act"),
]

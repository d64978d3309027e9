from django.urls import path

from govhall.catalog import views

app_name = "catalog"
urlpatterns = [
    path("items/", views.item_list, name="items"),
    path("items/<str:code>/", views.item_guide, name="item"),
    path(
        "items/<str:code>/materials/<int:material_id>/<str:which>/", views.material_file, name="material_file"
    ),
    path("themes/", views.theme_index, name="themes"),
    path("themes/<str:code>/", views.theme_detail, name="theme"),
    path("departments/", views.department_index, name="departments"),
    path("departments/<str:code>/", views.department_detail, name="department"),
    path("power-list/", views.power_list, name="power_list"),
]

from django.urls import path

from firms import views

app_name = "firms"

urlpatterns = [
    path("<int:firm_id>/", views.firm_detail, name="detail"),
    path("<int:firm_id>/edit/", views.firm_edit, name="edit"),
    path("associations/<int:association_id>/", views.association_detail, name="association"),
]

from django.urls import path

from firms import views

app_name = "firms"

urlpatterns = [
    path("<int:firm_id>/", views.firm_detail, name="detail"),
    path("associations/<int:association_id>/", views.association_detail, name="association"),
]

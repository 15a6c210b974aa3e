"""Pages of the privacy app (mounted at /privacy/)."""

from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/export.json", views.my_data_export, name="my_data_export"),
]

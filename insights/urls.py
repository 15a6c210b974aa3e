"""Pages of the insights app (mounted at /insights/ by haechi/urls.py)."""

from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("city/", views.city_dashboard, name="city"),
    path("data/", views.open_data, name="open_data"),
    path("data/<slug:slug>.csv", views.table_csv, name="csv"),
    path("city/data/<slug:slug>.csv", views.city_table_csv, name="city_csv"),
]

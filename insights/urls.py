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
    path("reports/", views.monthly_reports, name="reports"),
    path("reports/<str:month>/", views.city_monthly_report, name="city_report"),
    path("reports/<str:month>/<str:code>/", views.agency_monthly_report, name="agency_report"),
    path("data/<slug:slug>.xlsx", views.table_xlsx, name="xlsx"),
    path("city/data/<slug:slug>.xlsx", views.city_table_xlsx, name="city_xlsx"),
]

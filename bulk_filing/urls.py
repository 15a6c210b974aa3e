"""Pages of the bulk_filing app (mounted at /bulk/)."""

from django.urls import path

from bulk_filing import views

app_name = "bulk_filing"

urlpatterns = [
    path("", views.index, name="index"),
    path("template.csv", views.template_file, {"fmt": "csv"}, name="template_csv"),
    path("template.xlsx", views.template_file, {"fmt": "xlsx"}, name="template_xlsx"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/errors.csv", views.errors_csv, name="errors_csv"),
    path("<int:pk>/created.csv", views.created_csv, name="created_csv"),
]

"""Pages of the regulations app (mounted at /regulations/ by haechi/urls.py)."""

from django.urls import path

from regulations import views

app_name = "regulations"

urlpatterns = [
    path("", views.search, name="search"),
    path("sandbox/", views.sandbox_advisor, name="sandbox"),
    path("sectors/<str:code>/", views.sector_core, name="sector"),
    path("<str:law_id>/", views.statute_passport, name="statute"),
    path("<str:law_id>/<str:number>/", views.article_passport, name="article"),
]

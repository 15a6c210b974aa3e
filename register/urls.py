"""Pages of the register app (mounted at /register/ by haechi/urls.py)."""

from django.urls import path

from register import feeds, views

app_name = "register"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("feeds/sector/<slug:code>/", feeds.SectorFeed(), name="sector_feed"),
    path("feeds/agency/<str:code>/", feeds.AgencyFeed(), name="agency_feed"),
    path("review/", views.review_queue, name="queue"),
    path("review/<int:barrier_id>/", views.review, name="review"),
    path("review/<int:barrier_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:public_id>/", views.detail, name="detail"),
]

"""Pages of the programs app (mounted at /programs/ by haechi/urls.py)."""

from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("<int:pk>/", views.program_detail, name="detail"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/unreached/", views.unreached, name="unreached"),
    path("for/<int:firm_id>/", views.for_firm, name="for_firm"),
    path("for/<int:firm_id>/notices-read/", views.notices_read, name="notices_read"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/decide/", views.decide, name="decide"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("uptake/", views.uptake, name="uptake"),
    path("import/", views.import_programs, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("sites/", views.site_list, name="sites"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/book/", views.book, name="book"),
    path("sites/<int:pk>/calendar.ics", views.site_ics, name="site_ics"),
    path("bookings/<int:pk>/<str:action>/", views.booking_action, name="booking_action"),
]

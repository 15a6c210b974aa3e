"""Pages of the routing app (mounted at /routing/ by haechi/urls.py)."""

from django.urls import path

from routing import views

app_name = "routing"

urlpatterns = [
    path("barriers/<int:barrier_id>/proposal/", views.proposal, name="proposal"),
    path("barriers/<int:barrier_id>/accept/", views.accept, name="accept"),
    path("barriers/<int:barrier_id>/correct/", views.correct, name="correct"),
    path("barriers/<int:barrier_id>/reroute/", views.reroute, name="reroute"),
    path("recurring/", views.recurring_list, name="recurring_list"),
    path("recurring/<int:regulation_id>/", views.recurring_detail, name="recurring_detail"),
    path("recurring/<int:regulation_id>/confirm/", views.confirm, name="confirm"),
    path("recurring/<int:regulation_id>/merge/", views.merge, name="merge"),
    path("recurring/<int:regulation_id>/split/", views.split, name="split"),
    path("recurring/<int:regulation_id>/answer/", views.answer, name="answer"),
    path("statute/", views.for_statute, name="for_statute"),
]

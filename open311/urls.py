"""Open311 GeoReport v2 (mounted at /open311/). The format is the extension: .json or .xml."""

from django.urls import re_path

from open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^v2/discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[a-z0-9_-]{1,60})" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.request_list, name="requests"),
    re_path(r"^v2/requests/(?P<public_id>[A-Za-z0-9]{1,20})" + FMT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[a-f0-9]{1,40})" + FMT, views.token_detail, name="token"),
]

"""A URL configuration with the home page moved, for test_cached_urls."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("core.urls"))]

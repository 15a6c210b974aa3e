"""Pages of the surveys app (mounted at /surveys/ by haechi/urls.py)."""

from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("t/<str:token>/", views.answer_by_token, name="answer_by_token"),
    path("invitations/<int:invitation_id>/", views.answer, name="answer"),
    path("invitations/<int:invitation_id>/thanks/", views.thanks, name="thanks"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:survey_id>/invite/", views.invite_all, name="invite_all"),
    path("manage/<int:survey_id>/remind/", views.remind, name="remind"),
    path("manage/<int:survey_id>/comments/", views.comments, name="comments"),
]

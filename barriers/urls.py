"""Pages of the barriers app (mounted at /barriers/ by haechi/urls.py)."""

from django.urls import path

from barriers import views

app_name = "barriers"

urlpatterns = [
    path("", views.barrier_list, name="list"),
    path("queue/", views.work_queue, name="queue"),
    path("new/", views.new_barrier, name="new"),
    path("autosave/", views.autosave, name="autosave"),
    path("preview/", views.preview, name="preview"),
    path("<int:barrier_id>/", views.barrier_detail, name="detail"),
    path("<int:barrier_id>/edit/", views.edit_barrier, name="edit"),
    path("<int:barrier_id>/act/<slug:action>/", views.act, name="act"),
    path("<int:barrier_id>/answer-template/", views.answer_template, name="answer_template"),
    path("<int:barrier_id>/attachments/", views.upload_attachment, name="upload"),
    path("<int:barrier_id>/attachments/<int:attachment_id>/", views.download_attachment, name="attachment"),
]

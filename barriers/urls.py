"""Pages of the barriers app (mounted at /barriers/ by haechi/urls.py)."""

from django.urls import path

from barriers import views, views_cosigning

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
    # Co-signing, search before filing, association proxy filing (views_cosigning.py).
    path("similar/", views_cosigning.similar, name="similar"),
    path("cosign-flags/", views_cosigning.cosign_flags, name="cosign_flags"),
    path("<int:barrier_id>/public/", views_cosigning.public_barrier_page, name="public"),
    path("<int:barrier_id>/cosign/", views_cosigning.cosign, name="cosign"),
    path("<int:barrier_id>/cosign/update/", views_cosigning.update_cosign, name="cosign_update"),
    path("<int:barrier_id>/cosign/withdraw/", views_cosigning.withdraw_cosign, name="cosign_withdraw"),
    path("associations/", views_cosigning.my_associations, name="associations"),
    path("associations/<int:association_id>/", views_cosigning.association_board, name="association_board"),
    path("associations/<int:association_id>/file/", views_cosigning.association_file, name="association_file"),
]

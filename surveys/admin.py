"""Admin for surveys. Individual answers are visible here to admins only (the admin is admin-only)."""

from __future__ import annotations

from django.contrib import admin

from surveys.models import Answer, Invitation, Question, Response, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("position", "code", "kind", "text", "text_en", "choices", "required")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "period", "opens_at", "closes_at", "subject_type", "subject_id")
    list_filter = ("kind",)
    search_fields = ("title", "subject_label")
    inlines = [QuestionInline]
    raw_id_fields = ("parent", "created_by")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("survey", "firm", "sent_at", "reminded_at")
    list_filter = ("survey__kind",)
    raw_id_fields = ("survey", "firm")
    readonly_fields = ("sent_at", "reminded_at")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    readonly_fields = ("question", "scale_value", "bool_value", "choice_value", "text_value")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("survey", "firm", "submitted_at")
    list_filter = ("survey__kind",)
    raw_id_fields = ("survey", "firm", "invitation", "submitted_by")
    readonly_fields = ("submitted_at",)
    inlines = [AnswerInline]

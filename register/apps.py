from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "공개 처리 현황"

    def ready(self) -> None:
        from register import permissions  # noqa: F401  (registers the register.* rules)

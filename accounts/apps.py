from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "계정"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from accounts import permissions  # noqa: F401

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "계정"

    def ready(self) -> None:
        # Registers this app's rules with the one permissions module.
        from django.contrib.auth.signals import user_logged_in

        from accounts import permissions  # noqa: F401

        user_logged_in.connect(_start_session_clocks, dispatch_uid="haechi_start_session_clocks")


def _start_session_clocks(sender: object, request: object, user: object, **kwargs: object) -> None:
    """Every sign-in starts the officials' idle and absolute timeouts afresh."""
    from accounts.middleware import mark_signed_in

    if request is not None and hasattr(request, "session"):
        mark_signed_in(request)  # type: ignore[arg-type]

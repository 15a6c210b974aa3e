"""Authenticate by e-mail address, case-insensitively; load the signed-in user in one statement.

Every request of a signed-in person loads their user row (``django.contrib.auth.get_user``), then
their roles (``accounts.roles.roles_of``) and, for officials, the device that passed the second
factor (``accounts.middleware.TwoFactorMiddleware``). ``EmailBackend.get_user`` reads all three
at once: the user row, the active memberships and the ids of the confirmed authenticators, in one
hand-written ``UNION ALL`` statement whose SQL is built once per database connection — no ORM
query is compiled on the request path. Nothing is kept between requests: a membership ended, a device
removed or an account deactivated counts from the very next request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.http import HttpRequest

from accounts.models import Membership, User
from accounts.roles import remember_roles

# Set on the user ``get_user`` returns: the persistent ids (``app_label.model/pk``) of the user's
# confirmed second-factor devices, read with the user's row.
CONFIRMED_DEVICES_ATTR = "_haechi_confirmed_devices"

# Row kinds of the statement: the user's own row (with one membership or none), then one row per
# confirmed device of each device model (kind = 1 + the model's position in _device_models()).
_USER_ROW = 0


def _device_models() -> list[type[Any]]:
    from django_otp import device_classes

    return sorted(device_classes(), key=lambda model: model._meta.label_lower)


class _SignedInUserStatement:
    """The SQL, column names and value converters of the signed-in user's statement on one
    database connection (built on its first use: they depend on the backend's quoting and types)."""

    def __init__(self, alias: str) -> None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        self.fields = list(User._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.device_labels = [model._meta.label_lower for model in _device_models()]
        user_columns = ", ".join(f"u.{quote(field.column)}" for field in self.fields)
        blanks = ", ".join("NULL" for _field in self.fields)
        member = Membership._meta
        parts = [
            f"SELECT {_USER_ROW}, {user_columns}, m.{quote('role')}, m.{quote('firm_id')}, "
            f"m.{quote('association_id')}, m.{quote('agency_id')}, NULL "
            f"FROM {quote(User._meta.db_table)} u LEFT JOIN {quote(member.db_table)} m "
            f"ON m.{quote('user_id')} = u.{quote('id')} AND m.{quote('is_active')} "
            f"WHERE u.{quote('id')} = %s"
        ]
        for position, model in enumerate(_device_models(), start=1):
            table = quote(model._meta.db_table)
            parts.append(
                f"SELECT {position}, {blanks}, NULL, NULL, NULL, NULL, d.{quote('id')} FROM {table} d "
                f"WHERE d.{quote('user_id')} = %s AND d.{quote('confirmed')}"
            )
        self.sql = " UNION ALL ".join(parts)
        self.placeholders = len(parts)
        # The converters the ORM would apply to these columns (on SQLite: text to datetime, 0/1
        # to bool); none on PostgreSQL, where the driver returns Python types already.
        self.converters: list[tuple[int, list[Callable[..., Any]], Any]] = []
        for position, field in enumerate(self.fields):
            column = field.get_col(User._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((position, found, column))

    def user_from(self, rows: Sequence[Sequence[Any]], alias: str) -> User | None:
        user = None
        memberships = []
        devices = set()
        connection = connections[alias]
        for row in rows:
            kind = row[0]
            if kind == _USER_ROW:
                if user is None:
                    values = list(row[1 : 1 + len(self.fields)])
                    for position, converters, column in self.converters:
                        for convert in converters:
                            values[position] = convert(values[position], column, connection)
                    user = User.from_db(alias, self.attnames, values)
                role = row[1 + len(self.fields)]
                if role is not None:
                    memberships.append(tuple(row[1 + len(self.fields) : 5 + len(self.fields)]))
            else:
                devices.add(f"{self.device_labels[kind - 1]}/{row[-1]}")
        if user is None:
            return None
        remember_roles(user, memberships)  # type: ignore[arg-type]
        setattr(user, CONFIRMED_DEVICES_ATTR, frozenset(devices))
        return user


def signed_in_user(user_id: Any) -> User | None:
    """The user ``user_id`` with their roles and confirmed devices (one query), or None."""
    try:
        pk = User._meta.pk.to_python(user_id)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a session naming no valid id signs nobody in
        return None
    alias = router.db_for_read(User)
    connection = connections[alias]
    # Kept on the connection wrapper (one per thread and database), with the converters bound to it.
    statement = getattr(connection, "_haechi_signed_in_user", None)
    if statement is None:
        statement = connection._haechi_signed_in_user = _SignedInUserStatement(alias)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [pk] * statement.placeholders)
        rows = cursor.fetchall()
    return statement.user_from(rows, alias)


class EmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = (kwargs.get("email") or username or "").strip().lower()
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in user of a session, with roles and confirmed devices (see the module)."""
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

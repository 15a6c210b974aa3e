"""Session engine: Django's database sessions, read with one prepared statement.

Every request with a session cookie loads its session. Django's ``db`` backend compiles an ORM
query for that each time; this one runs the same ``SELECT`` as plain SQL (built once per
database), and leaves everything else — creating, saving, cycling the key at sign-in, flushing at
sign-out, expiry — to Django's backend, so sessions behave exactly as before and stay in the same
``django_session`` table. ``SESSION_ENGINE = "accounts.sessions"``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def load(self) -> dict[str, Any]:
        """The stored data of this session, or an empty one (and no key) when it is unknown or
        expired, as Django's backend does."""
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

"""Where secrets come from: the root credentials (users and keys arrive with issue 6)."""

from __future__ import annotations

import hmac

from aerostore.auth.sigv4 import Principal


class RootKeys:
    """A key store holding only the root user, whose access key is the user name (as MinIO)."""

    def __init__(self, user: str, password: str) -> None:
        self._user = user
        self._password = password
        self._principal = Principal(access_key=user, user=user, is_root=True)

    def secret_for(self, access_key: str) -> tuple[str, Principal] | None:
        if hmac.compare_digest(access_key.encode(), self._user.encode()):
            return self._password, self._principal
        return None

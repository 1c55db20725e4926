"""Where secrets come from: the root credentials, and the users' access keys (access/identities.py)."""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Callable

from aerostore.access import identities
from aerostore.access.secrets import SecretBox
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


class UserKeys:
    """Root, then the users' keys in the metadata database.

    The row is read on every request (one indexed lookup), so a key revoked or a user disabled
    by ``aerostore admin`` is refused from the next request on; only the decryption is cached.
    A disabled user's or a revoked key answers as an unknown key: InvalidAccessKeyId.
    """

    def __init__(self, root: RootKeys, reader: Callable[[], sqlite3.Connection], box: SecretBox) -> None:
        self._root = root
        self._reader = reader
        self._box = box
        self._opened: dict[bytes, str] = {}

    def secret_for(self, access_key: str) -> tuple[str, Principal] | None:
        found = self._root.secret_for(access_key)
        if found is not None:
            return found
        record = identities.find_key(self._reader(), access_key)
        if record is None or record.status != identities.ACTIVE or record.user.disabled:
            return None
        secret = self._opened.get(record.sealed)
        if secret is None:
            if len(self._opened) > 10_000:
                self._opened.clear()
            secret = self._opened[record.sealed] = self._box.open(record.sealed)
        return secret, Principal(access_key=access_key, user=record.user.name, is_root=False)

"""The server key: encrypts access-key secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256).

It lives in the data directory as ``server.key``, mode 0600, created on first use. Whoever can
read it and the database can read the secrets; the database alone (a backup, a copied file)
cannot.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet

KEY_FILE = "server.key"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def load(cls, data_dir: Path) -> SecretBox:
        """The data directory's key, created (0600, fsynced) if it has none yet."""
        path = Path(data_dir) / KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it first
                return cls(path.read_bytes().strip())
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
                f.flush()
                os.fsync(f.fileno())
        return cls(path.read_bytes().strip())

    def seal(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode())

    def open(self, sealed: bytes) -> str:
        return self._fernet.decrypt(sealed).decode()

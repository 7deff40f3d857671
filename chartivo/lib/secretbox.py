"""Authenticated encryption of stored secrets under the operator's versioned keys.

AES-256-GCM from ``cryptography``. Each ciphertext names the key that sealed it, so
several keys can be configured at once during a rotation: the first one listed seals,
every one listed opens. The ciphertext is also bound to a context string (the owner of
the row), so a sealed key copied into another user's row does not open there.

Token layout: ``<key id>$<urlsafe base64 of nonce(12) || ciphertext || tag(16)>``.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chartivo.lib.state import private_file_tightened, write_private_file

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_NONCE_BYTES = 12


class KeyringError(ValueError):
    """The operator's key configuration is missing or malformed."""


class DecryptionError(Exception):
    """A token could not be opened: unknown key id, tampering, or the wrong context."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @classmethod
    def parse(cls, entries: list[str]) -> Keyring:
        """Read ``id:base64key`` entries; the first one is the newest and seals."""
        if not entries:
            raise KeyringError(
                "CHARTIVO_ENCRYPTION_KEYS is not set. Generate one with "
                "`chartivo generate-encryption-key` and set it in the environment."
            )
        keys: list[tuple[str, bytes]] = []
        for position, entry in enumerate(entries, start=1):
            key_id, sep, encoded = entry.partition(":")
            if not sep or not _KEY_ID.match(key_id):
                raise KeyringError(
                    f"CHARTIVO_ENCRYPTION_KEYS entry {position} must look like "
                    "'<id>:<base64 of 32 bytes>' (generate one with "
                    "`chartivo generate-encryption-key`)"
                )
            try:
                raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise KeyringError(
                    f"CHARTIVO_ENCRYPTION_KEYS entry {position} ({key_id!r}) is not the "
                    "base64 of exactly 32 bytes"
                )
            if any(existing == key_id for existing, _ in keys):
                raise KeyringError(f"CHARTIVO_ENCRYPTION_KEYS names key id {key_id!r} twice")
            keys.append((key_id, raw))
        return cls(tuple(keys))

    def seal(self, plaintext: str, *, context: str) -> str:
        key_id, key = self.keys[0]
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{key_id}${base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, token: str, *, context: str) -> str:
        key_id, sep, body = token.partition("$")
        key = dict(self.keys).get(key_id)
        if not sep or key is None:
            raise DecryptionError(f"sealed under key id {key_id!r}, which is not configured")
        try:
            blob = base64.urlsafe_b64decode(body)
            plain = AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context.encode())
        except (binascii.Error, ValueError, InvalidTag):
            raise DecryptionError(
                "the sealed value does not open: tampered or wrong owner"
            ) from None
        return plain.decode()

    def key_id_of(self, token: str) -> str:
        return token.partition("$")[0]


def generate_key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


def development_key_entry(path: Path) -> str:
    """Debug mode only: a key kept in the state folder so restarts can still open old rows."""
    if not path.exists():
        write_private_file(path, generate_key_entry("dev"))
    private_file_tightened(path)
    return path.read_text().strip()

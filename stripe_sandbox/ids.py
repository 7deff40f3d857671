"""Stripe-looking identifiers and API keys, derived deterministically from a seed.

Real ids carry a fragment of the account's id (``ch_3Pgafu`` + ``B7WZ01zgkW`` + ``XYmPNZs8``);
so do these, which keeps ids of different accounts distinct even when they share a seed.
"""

from __future__ import annotations

import hashlib
import random
import secrets

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Stripe key bodies are about 100 characters; nobody documents the length, so match what
# keys in the wild look like: "51" + account fragment + random tail.
KEY_BODY_LENGTH = 99


# Maps any byte to a base62 character (the slight bias towards the first 8 is harmless).
_BYTE_TO_CHAR = bytes(ord(ALPHABET[i % 62]) for i in range(256))


def chars(rng: random.Random, n: int) -> str:
    return rng.randbytes(n).translate(_BYTE_TO_CHAR).decode()


def digest_chars(material: str, n: int) -> str:
    """`n` base62 characters that depend only on `material`."""
    out: list[str] = []
    counter = 0
    while len(out) < n:
        block = hashlib.blake2b(f"{counter}|{material}".encode(), digest_size=64).digest()
        value = int.from_bytes(block, "big")
        while value and len(out) < n:
            value, rest = divmod(value, 62)
            out.append(ALPHABET[rest])
        counter += 1
    return "".join(out)


def digest_digits(material: str, n: int) -> str:
    """`n` decimal digits that depend only on `material` (a bank account's last four)."""
    block = hashlib.blake2b(f"digits|{material}".encode(), digest_size=16).digest()
    return str(int.from_bytes(block, "big") % 10**n).zfill(n)


def account_identity(seed: str, ordinal: int) -> tuple[str, str]:
    """The account id and the 10-character tag that its objects' ids carry."""
    body = "1" + digest_chars(f"account|{seed}|{ordinal}", 15)
    return "acct_" + body, body[5:15]


class IdMaker:
    """Object ids for one dataset; deterministic when given a seeded generator."""

    def __init__(self, tag: str, rng: random.Random | None = None) -> None:
        self.tag = tag
        self.rng = rng if rng is not None else random.Random(secrets.randbits(64))

    def make(self, prefix: str) -> str:
        rng = self.rng
        return f"{prefix}_1{chars(rng, 5)}{self.tag}{chars(rng, 8)}"

    def customer(self) -> str:
        # Customer ids are short in Stripe (cus_ + 14) and carry no account fragment, so mix
        # the tag in to keep accounts generated from the same seed apart.
        return "cus_" + chars(self.rng, 10) + self.tag[:4]

    def short(self, n: int) -> str:
        return chars(self.rng, n)


def request_id() -> str:
    return "req_" + "".join(secrets.choice(ALPHABET) for _ in range(14))


def derive_key(seed: str, account_id: str, name: str, prefix: str) -> str:
    """A stable key for (seed, account, name): the same command line gives the same keys."""
    fragment = account_id.removeprefix("acct_")
    tail = digest_chars(f"key|{seed}|{account_id}|{name}", KEY_BODY_LENGTH - 1 - len(fragment))
    return f"{prefix}5{fragment}{tail}"


def bank_account_id(account_id: str, currency: str) -> str:
    """The bank account an account's payouts in ``currency`` go to."""
    return "ba_1" + digest_chars(f"bank|{account_id}|{currency}", 23)

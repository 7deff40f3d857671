"""Key parsing, sealing and masking: what a pasted key may be, and that it is
stored sealed and shown masked: the checks that need no server."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chartivo.integrations.stripe.keys import (
    MALFORMED,
    PUBLISHABLE,
    REQUIRED,
    KeyFormatError,
    parse_key,
)
from chartivo.lib.redaction import MaskStripeKeysFilter, mask_stripe_keys
from chartivo.lib.secretbox import DecryptionError, Keyring, KeyringError, generate_key_entry

BODY = "Abc123" * 16  # a made-up key body; never a real key


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", REQUIRED),
        ("   \n\t", REQUIRED),
        ("pk_test_" + BODY, PUBLISHABLE),
        ("pk_live_" + BODY, PUBLISHABLE),
        ("sk_prod_" + BODY, MALFORMED),
        ("rk_test_", MALFORMED),
        ("rk_test_abc", MALFORMED),
        ("rk_test_" + BODY + "!", MALFORMED),
        ("whsec_" + BODY, MALFORMED),
    ],
)
def test_a_pasted_key_that_cannot_work_is_refused_with_what_to_do(raw: str, message: str) -> None:
    with pytest.raises(KeyFormatError) as caught:
        parse_key(raw)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("prefix", "restricted", "mode"),
    [
        ("rk_live_", True, "live"),
        ("rk_test_", True, "test"),
        ("sk_live_", False, "live"),
        ("sk_test_", False, "test"),
    ],
)
def test_mode_and_kind_come_from_the_prefix_and_whitespace_is_trimmed(
    prefix: str, restricted: bool, mode: str
) -> None:
    parsed = parse_key(f"  {prefix}{BODY}\n")
    assert (parsed.restricted, parsed.mode, parsed.last4) == (restricted, mode, BODY[-4:])
    assert BODY not in repr(parsed) and BODY not in str(parsed)
    assert parsed.masked == f"{prefix}••••••••{BODY[-4:]}"


@given(st.text(max_size=300))
@settings(max_examples=400)
def test_any_text_is_either_a_well_formed_key_or_refused_with_a_message(text: str) -> None:
    try:
        parsed = parse_key(text)
    except KeyFormatError as error:
        assert str(error) in (REQUIRED, PUBLISHABLE, MALFORMED)
    else:
        assert parsed.secret == text.strip()
        assert parsed.secret[:3] in ("sk_", "rk_")


def test_sealed_keys_open_only_with_their_context_and_survive_rotation() -> None:
    old = Keyring.parse([generate_key_entry("old")])
    sealed = old.seal("rk_test_" + BODY, context="stripe-key:user:1")
    assert BODY not in sealed and old.key_id_of(sealed) == "old"
    with pytest.raises(DecryptionError):
        old.open(sealed, context="stripe-key:user:2")
    rotated = Keyring.parse([generate_key_entry("new"), *(f"{k}:{_b64(v)}" for k, v in old.keys)])
    assert rotated.open(sealed, context="stripe-key:user:1") == "rk_test_" + BODY
    resealed = rotated.seal("rk_test_" + BODY, context="stripe-key:user:1")
    assert rotated.key_id_of(resealed) == "new"
    tampered = resealed[:-3] + ("A" if resealed[-3] != "A" else "B") + resealed[-2:]
    with pytest.raises(DecryptionError):
        rotated.open(tampered, context="stripe-key:user:1")


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "entries",
    [[], ["nocolon"], ["k1:short"], ["bad id!:" + "A" * 43], ["k1:" + "A" * 43, "k1:" + "B" * 43]],
)
def test_a_missing_or_malformed_encryption_key_is_refused_clearly(entries: list[str]) -> None:
    with pytest.raises(KeyringError) as caught:
        Keyring.parse(entries)
    assert "CHARTIVO_ENCRYPTION_KEYS" in str(caught.value)


def test_logs_never_show_a_key_not_even_the_partly_masked_one_stripe_prints() -> None:
    key = "rk_live_" + BODY
    assert BODY not in mask_stripe_keys(f"Invalid API Key provided: {key}")
    assert "7890" not in mask_stripe_keys("Invalid API Key provided: sk_test_****************7890")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "saving %s", (key,), None)
    try:
        raise ValueError(f"boom {key}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    MaskStripeKeysFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert BODY not in formatted and "rk_live_[redacted]" in formatted

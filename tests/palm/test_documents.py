"""Signed documents and field validation: no server needed."""

from __future__ import annotations

from datetime import date

import pytest

from tenohira.core.signed_documents import (
    EnvelopeError,
    ManifestEntry,
    build_document,
    build_manifest,
    canonical_json,
    check_envelope,
    sha256_hex,
)
from tenohira.palm.applications import STATES, TRANSITIONS
from tenohira.palm.validation import field_errors, is_kana_reading
from tenohira.procedures import load_catalogue


def _doc(agency: str = "municipality", app: str = "A1", procedure: str = "child_allowance_claim") -> bytes:
    return build_document(
        application_id=app,
        procedure=procedure,
        deciding_agency=agency,
        fields={"claimant": "hub-subject"},
        flags=[],
        prepared_at="2026-11-26T00:00:00+00:00",
    )


def test_document_in_manifest_is_accepted_and_nonces_hide_equal_documents() -> None:
    a, b = _doc(), _doc()
    assert a != b and sha256_hex(a) != sha256_hex(b)  # same content, different random nonce
    manifest = build_manifest(
        "S1", [ManifestEntry("A1", "child_allowance_claim", "municipality", sha256_hex(a))], "2026-11-26"
    )
    assert check_envelope(a, manifest, agency="municipality")["application_id"] == "A1"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.replace(b"hub-subject", b"hub-subjecT"), "digest-not-in-manifest"),  # tampered
        (lambda d: d + b" ", "document-malformed"),  # not canonical any more
        (lambda d: _doc(), "digest-not-in-manifest"),  # another document, never signed
    ],
)
def test_altered_or_unlisted_document_is_refused(mutate: object, reason: str) -> None:
    doc = _doc()
    manifest = build_manifest(
        "S1", [ManifestEntry("A1", "child_allowance_claim", "municipality", sha256_hex(doc))], "2026-11-26"
    )
    with pytest.raises(EnvelopeError) as caught:
        check_envelope(mutate(doc), manifest, agency="municipality")  # type: ignore[operator]
    assert caught.value.reason == reason
    assert caught.value.message and caught.value.message_ja


def test_document_for_another_agency_is_refused() -> None:
    doc = _doc(agency="insurer")
    manifest = build_manifest(
        "S1", [ManifestEntry("A1", "child_allowance_claim", "insurer", sha256_hex(doc))], "2026-11-26"
    )
    with pytest.raises(EnvelopeError) as caught:
        check_envelope(doc, manifest, agency="municipality")
    assert caught.value.reason == "document-misaddressed"


def test_canonical_json_is_stable() -> None:
    assert canonical_json({"b": 1, "a": "陽葵"}) == '{"a":"陽葵","b":1}'.encode()


def test_field_errors_in_both_languages() -> None:
    procedure = load_catalogue().get("birth_notification")
    today = date(2026, 11, 26)
    errors = {
        e.field: e
        for e in field_errors(
            procedure,
            {"child_name": "𠮷太", "child_name_kana": "Himari", "birth_date": "2026-12-01"},
            today,
        )
    }
    assert "child_name" in errors and "𠮷" in errors["child_name"].message_ja  # not a name kanji
    assert errors["child_name_kana"].message_ja.startswith(
        "よみかた"
    )  # reading not kana (the agency's published rule)
    assert errors["birth_date"].message == "The date of birth is in the future"
    assert errors["birth_certificate"].message_ja.startswith("病院の出生証明書")  # missing certificate
    ok = field_errors(procedure, {"child_name": "陽葵", "child_name_kana": "ひまり"}, today)
    assert not {"child_name", "child_name_kana"} & {e.field for e in ok}


def test_kana_readings() -> None:
    assert is_kana_reading("ひまり") and is_kana_reading("ヤマダ　ヒマリ") and is_kana_reading("ゆうと ー")
    assert not is_kana_reading("himari") and not is_kana_reading("陽葵") and not is_kana_reading("")


def test_state_machine_is_closed() -> None:
    assert set(TRANSITIONS) == set(STATES)
    for targets in TRANSITIONS.values():
        assert targets <= set(STATES)
    assert not TRANSITIONS["notified"] and not TRANSITIONS["withdrawn"] and not TRANSITIONS["handed_over"]
    assert "withdrawn" not in TRANSITIONS["submitted"]  # once filed, withdrawing is the agency's

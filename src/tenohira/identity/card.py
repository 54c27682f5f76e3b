"""The card: an interface a real reader or smartphone could implement, and the simulator behind it.

The card directory written at issuance::

    auth.pem         利用者証明用電子証明書 (authentication certificate, no personal facts)
    sign.pem         署名用電子証明書 (signing certificate, carries the four basic facts)
    ca-chain.pem     issuing CA then root CA (``openssl verify -CAfile ca-chain.pem auth.pem``)
    auth.key.pem     authentication key, PKCS#8 encrypted with the 4-digit PIN
    sign.key.pem     signing key, PKCS#8 encrypted with the 6–16 character password
    card.json        serials and issue time
    state.json       the PIN / password failure counters (the chip's retry counters)

The simulator enforces the rules of real cards: a 4-digit PIN for authentication, locked after
3 wrong tries; a password of 6–16 upper-case letters and digits for signing, locked after 5; a
correct entry resets the counter. A real chip keeps its counters where the holder cannot reset
them; here they are a file, which is the honest limit of a simulator.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from tenohira.core.problems import FieldError, Problem

Secret = Literal["pin", "password"]

PIN_TRIES = 3
PASSWORD_TRIES = 5
MAX_TRIES: dict[Secret, int] = {"pin": PIN_TRIES, "password": PASSWORD_TRIES}
_PIN_RE = re.compile(r"[0-9]{4}")
_PASSWORD_RE = re.compile(r"[A-Z0-9]{6,16}")

CARD_FORMAT = "tenohira-card-simulator/1"


class InvalidSecretFormat(Problem):
    """A PIN or password that breaks the format rules (checked before the chip is asked)."""

    def __init__(self, which: Secret) -> None:
        if which == "pin":
            en, ja = "The PIN must be exactly 4 digits.", "暗証番号は4桁の数字で入力してください。"
        else:
            en = "The password must be 6 to 16 characters of upper-case letters (A–Z) and digits."
            ja = "パスワードは英大文字（A〜Z）と数字の組み合わせで6〜16文字で入力してください。"
        super().__init__(
            status=422,
            slug=f"invalid-{which}-format",
            title="Invalid PIN format" if which == "pin" else "Invalid password format",
            title_ja="暗証番号の形式が正しくありません"
            if which == "pin"
            else "パスワードの形式が正しくありません",
            detail=en,
            detail_ja=ja,
            errors=[FieldError(which, en, ja)],
        )


class WrongSecret(Problem):
    """A wrong PIN or password; ``tries_left`` says how many tries remain before the lock."""

    def __init__(self, which: Secret, tries_left: int) -> None:
        what_en, what_ja = ("PIN", "暗証番号") if which == "pin" else ("password", "パスワード")
        super().__init__(
            status=401,
            slug=f"wrong-{which}",
            title=f"Wrong {what_en}",
            title_ja=f"{what_ja}が違います",
            detail=f"Wrong {what_en}. {tries_left} tries left before the card locks.",
            detail_ja=f"{what_ja}が違います。あと{tries_left}回間違えるとロックされます。",
            extra={"tries_left": tries_left, "secret": which},
        )
        self.which = which
        self.tries_left = tries_left


class CardLocked(Problem):
    """The PIN or password is locked after too many wrong tries."""

    def __init__(self, which: Secret) -> None:
        what_en, what_ja = ("PIN", "暗証番号") if which == "pin" else ("password", "パスワード")
        cert_en = "authentication" if which == "pin" else "signing"
        cert_ja = "利用者証明用" if which == "pin" else "署名用"
        super().__init__(
            status=423,
            slug="card-locked",
            title="Card locked",
            title_ja="カードがロックされています",
            detail=(
                f"The {cert_en} {what_en} of this card is locked after {MAX_TRIES[which]} wrong tries. "
                "To unlock it, bring the card and an identity document to the municipality counter, "
                "or ask a digital supporter to help you."
            ),
            detail_ja=(
                f"{cert_ja}の{what_ja}を{MAX_TRIES[which]}回間違えたため、ロックされています。"
                "ロックの解除は、カードと本人確認書類をお持ちのうえ市区町村の窓口でお手続きいただくか、"
                "デジタルサポーターにご相談ください。"
            ),
            extra={"tries_left": 0, "secret": which},
        )
        self.which = which


def check_pin_format(pin: str) -> None:
    """Raise :class:`InvalidSecretFormat` unless ``pin`` is 4 ASCII digits."""
    if not _PIN_RE.fullmatch(pin or ""):
        raise InvalidSecretFormat("pin")


def check_password_format(password: str) -> None:
    """Raise :class:`InvalidSecretFormat` unless ``password`` is 6–16 of A–Z and 0–9."""
    if not _PASSWORD_RE.fullmatch(password or ""):
        raise InvalidSecretFormat("password")


@runtime_checkable
class Card(Protocol):
    """What the platform needs from a card. A PC/SC reader or a smartphone could implement it."""

    def auth_certificate_pem(self) -> bytes:
        """The authentication certificate (readable without the PIN, as on real cards)."""
        ...

    def sign_certificate_pem(self) -> bytes:
        """The signing certificate (real cards release it only after the password; here it is a file)."""
        ...

    def authenticate(self, pin: str, challenge: bytes) -> bytes:
        """Sign ``challenge`` with the authentication key (RSA PKCS#1 v1.5, SHA-256)."""
        ...

    def sign(self, password: str, data: bytes) -> bytes:
        """A detached CMS signature (DER) of ``data`` with the signing key."""
        ...


@dataclass
class CardSimulator:
    """A card in a directory. Open with :meth:`open`."""

    directory: Path

    @classmethod
    def open(cls, card_dir: Path | str) -> CardSimulator:
        """Open the card written by ``issue_card`` into ``card_dir``."""
        directory = Path(card_dir)
        meta = directory / "card.json"
        if not meta.exists():
            raise FileNotFoundError(f"no card at {directory} (card.json missing)")
        if json.loads(meta.read_text()).get("format") != CARD_FORMAT:
            raise ValueError(f"{directory} is not a {CARD_FORMAT} card")
        return cls(directory)

    # -- the retry counters ----------------------------------------------------------------------

    def _state(self) -> dict[str, int]:
        path = self.directory / "state.json"
        if not path.exists():
            return {"pin": 0, "password": 0}
        data = json.loads(path.read_text())
        return {"pin": int(data.get("pin", 0)), "password": int(data.get("password", 0))}

    def _save(self, state: dict[str, int]) -> None:
        path = self.directory / "state.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, path)

    def failures(self, which: Secret) -> int:
        """Wrong tries in a row so far."""
        return self._state()[which]

    def tries_left(self, which: Secret) -> int:
        """Tries left before the lock (0 = locked)."""
        return max(0, MAX_TRIES[which] - self.failures(which))

    def is_locked(self, which: Secret) -> bool:
        """Whether the PIN (``"pin"``) or password (``"password"``) is locked."""
        return self.tries_left(which) == 0

    def reset_counter(self, which: Secret) -> None:
        """Unlock: what the municipality counter does after checking the holder in person."""
        state = self._state()
        state[which] = 0
        self._save(state)

    def _unlock_key(self, which: Secret, secret: str) -> rsa.RSAPrivateKey:
        if which == "pin":
            check_pin_format(secret)
        else:
            check_password_format(secret)
        state = self._state()
        if state[which] >= MAX_TRIES[which]:
            raise CardLocked(which)
        key_file = self.directory / ("auth.key.pem" if which == "pin" else "sign.key.pem")
        try:
            # The key was made by the issuer; re-checking its primes on every use would cost ~50 ms
            # per signature and protect nothing (a broken key only makes signatures that fail).
            key = serialization.load_pem_private_key(
                key_file.read_bytes(), secret.encode(), unsafe_skip_rsa_key_validation=True
            )
        except (ValueError, TypeError):
            state[which] += 1
            self._save(state)
            if state[which] >= MAX_TRIES[which]:
                raise CardLocked(which) from None
            raise WrongSecret(which, MAX_TRIES[which] - state[which]) from None
        if state[which]:
            state[which] = 0
            self._save(state)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("card key is not an RSA key")
        return key

    # -- the Card interface ----------------------------------------------------------------------

    def auth_certificate_pem(self) -> bytes:
        """The authentication certificate, PEM."""
        return (self.directory / "auth.pem").read_bytes()

    def sign_certificate_pem(self) -> bytes:
        """The signing certificate, PEM."""
        return (self.directory / "sign.pem").read_bytes()

    def authenticate(self, pin: str, challenge: bytes) -> bytes:
        """Sign ``challenge`` with the authentication key after checking the PIN."""
        key = self._unlock_key("pin", pin)
        return key.sign(challenge, padding.PKCS1v15(), hashes.SHA256())

    def sign(self, password: str, data: bytes) -> bytes:
        """Detached CMS SignedData (DER) over ``data``, with the signing certificate embedded."""
        key = self._unlock_key("password", password)
        cert = x509.load_pem_x509_certificate(self.sign_certificate_pem())
        return (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(data)
            .add_signer(cert, key, hashes.SHA256())
            .sign(
                serialization.Encoding.DER,
                [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
            )
        )


def write_card_dir(
    out_dir: Path,
    *,
    auth_cert: x509.Certificate,
    auth_key: rsa.RSAPrivateKey,
    sign_cert: x509.Certificate,
    sign_key: rsa.RSAPrivateKey,
    chain_pem: bytes,
    pin: str,
    password: str,
    meta: dict[str, str],
) -> None:
    """Write a card directory (see the module docstring); refuses to overwrite an existing card."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if (out_dir / "card.json").exists():
        raise FileExistsError(f"a card already exists at {out_dir}")

    def private(name: str, data: bytes) -> None:
        fd = os.open(out_dir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def encrypted(key: rsa.RSAPrivateKey, secret: str) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret.encode()),
        )

    private("auth.key.pem", encrypted(auth_key, pin))
    private("sign.key.pem", encrypted(sign_key, password))
    (out_dir / "auth.pem").write_bytes(auth_cert.public_bytes(serialization.Encoding.PEM))
    (out_dir / "sign.pem").write_bytes(sign_cert.public_bytes(serialization.Encoding.PEM))
    (out_dir / "ca-chain.pem").write_bytes(chain_pem)
    (out_dir / "state.json").write_text(json.dumps({"pin": 0, "password": 0}))
    (out_dir / "card.json").write_text(json.dumps({"format": CARD_FORMAT, **meta}, indent=2))

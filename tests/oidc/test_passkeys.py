"""Passkeys at the OpenID Provider, over real HTTP: a passkey session gives acr aal2 (amr pop,
mfa); a relying party that accepts only aal3 gets the card again (the step-up), and the ID
token says which was used. The assertions are real ES256 signatures (software authenticator)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.identity.authenticator import SoftAuthenticator
from tests.oidc.support import Resident
from tests.oidc.test_negative import Battery, battery  # noqa: F401  (the fixture)


def _id_token(b: Battery, code: str) -> dict[str, object]:
    jwks = KeySet.import_key_set(httpx.get(f"{b.url}/oidc/jwks").json())
    answer = b.exchange(b.rps["a"], code)
    assert answer.status_code == 200, answer.text
    return dict(jwt.decode(answer.json()["id_token"], jwks, algorithms=["ES256"]).claims)


def _code(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


def test_passkey_login_is_aal2_and_aal3_steps_up_to_the_card(battery: Battery) -> None:  # noqa: F811
    a = battery.rps["a"]
    with_card = Resident(battery.url)
    code, _ = battery.code(a, with_card)  # a card login on the consent screen
    assert _id_token(battery, code)["acr"] == "aal3"
    options = with_card.http.post("/api/auth/passkeys/registration-options")
    assert options.status_code == 200, options.text
    authenticator = SoftAuthenticator(battery.url)
    answer = authenticator.create(options.json())
    made = with_card.http.post("/api/auth/passkeys", json={"credential": answer})
    assert made.status_code == 201, made.text
    with_card.close()

    phone = Resident(battery.url)  # another browser: the passkey only
    options = phone.http.post("/api/auth/passkeys/login-options").json()
    login = phone.http.post("/api/auth/passkeys/login", json={"credential": authenticator.get(options)})
    assert login.status_code == 200 and login.json()["method"] == "passkey", login.text
    page = phone.open(f"{battery.url}/oidc/authorize?" + urlencode(battery.params(a)))
    assert 'name="pin"' not in page.text
    claims = _id_token(battery, _code(phone.answer(page).headers["location"]))
    assert claims["acr"] == "aal2" and claims["amr"] == ["pop", "mfa"]

    # only aal3 accepted: the consent screen asks for the card (PIN), and the token says aal3
    page = phone.open(f"{battery.url}/oidc/authorize?" + urlencode(battery.params(a, acr_values="aal3")))
    assert 'name="pin"' in page.text
    assert phone.answer(page, pin=None).status_code == 422  # the passkey alone is not enough
    page = phone.open(f"{battery.url}/oidc/authorize?" + urlencode(battery.params(a, acr_values="aal3")))
    claims = _id_token(battery, _code(phone.answer(page).headers["location"]))
    assert claims["acr"] == "aal3" and claims["amr"] == ["sc", "hwk", "pin"]
    phone.close()

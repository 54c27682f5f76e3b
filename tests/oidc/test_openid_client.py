"""The provider driven by `openid-client` (npm, panva — the certified RP library) under Node:
PAR, code + PKCE, private_key_jwt, DPoP, ID-token validation, userinfo, refresh, introspection,
revocation. The package is installed from the npm registry into a scratch directory; without
node/npm or the registry the test is skipped and says why (CI has both)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.oidc.conftest import start_with
from tests.oidc.support import FACTS, Provider, Resident

HERE = Path(__file__).parent / "node"
VERSION = "6.9.0"


def _install() -> Path:
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node/npm are not installed: the openid-client test needs them")
    target = (
        Path(os.environ.get("TENOHIRA_NPM_SCRATCH", tempfile.gettempdir()))
        / f"tenohira-openid-client-{VERSION}"
    )
    if not (target / "node_modules" / "openid-client" / "package.json").exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(HERE / "package.json", target / "package.json")
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(
                f"npm could not install openid-client@{VERSION} (registry unreachable?): {done.stderr[-300:]}"
            )
    shutil.copy(HERE / "rp.mjs", target / "rp.mjs")
    return target


def test_openid_client_under_node(provider: Provider) -> None:
    scratch = _install()
    rp = start_with(provider, bank={"scopes": "openid name address birthdate gender"})["bank"]
    env = {
        **os.environ,
        "ISSUER": provider.url,
        "CLIENT_ID": rp.client_id,
        "CLIENT_JWK": json.dumps(rp.key.as_dict(private=True) | {"kid": rp.key.kid}),
        "REDIRECT_URI": rp.redirect_uri,
        "SCOPE": "openid name birthdate",
    }
    node = subprocess.Popen(
        ["node", "rp.mjs"],
        cwd=scratch,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert node.stdout is not None and node.stdin is not None
        authorization_url = node.stdout.readline().strip()
        assert authorization_url.startswith(f"{provider.url}/oidc/authorize?"), (
            node.stderr.read() if node.stderr else ""
        )
        resident = Resident(provider.url)
        answer = resident.answer(resident.open(authorization_url))
        resident.close()
        node.stdin.write(answer.headers["location"] + "\n")
        node.stdin.flush()
        out, err = node.communicate(timeout=60)
    finally:
        if node.poll() is None:
            node.kill()
    assert node.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["token_type"].lower() == "dpop"
    assert result["claims"]["iss"] == provider.url and result["claims"]["acr"] == "aal3"
    assert result["claims"]["name"] == FACTS["name"] and result["userinfo"]["birthdate"] == "1994-04-01"
    assert "address" not in result["userinfo"]  # not asked for
    assert result["refresh_rotated"] is True
    assert result["introspection"]["active"] is True and result["introspection"]["cnf"]["jkt"]
    assert result["after_revocation"]["active"] is False

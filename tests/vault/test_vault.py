"""The vault end to end: sites on disk, envelope encryption, threshold, recovery, shredding, rotation."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from typing import Any

import pytest

from tenohira.core import get_settings
from tenohira.vault import CiphertextRejected, DataShredded, VaultUnavailable, close_vaults, open_vault
from tenohira.vault import service as vault_service
from tenohira.vault.service import INDEX_SECRET, kek_name, read_secret, recover_site, rotate, status
from tenohira.vault.sites import configured_sites


async def test_bootstrap_creates_private_sites_idempotently(migrated_db: Any) -> None:
    settings = get_settings()
    await open_vault(settings)
    sites = configured_sites(settings)
    assert [s.name for s in sites] == ["east", "west", "north"]
    for site in sites:
        assert site.path == settings.data_dir / "vault" / site.name
        assert stat.S_IMODE(site.path.stat().st_mode) == 0o700
        assert stat.S_IMODE(site.keys_path.stat().st_mode) == 0o600
        assert site.share_names() == [INDEX_SECRET, kek_name(1)]
        for name in site.share_names():
            assert stat.S_IMODE(site.share_path(name).stat().st_mode) == 0o600
    before = {s.name: s.read_share(kek_name(1)).split_id for s in sites}
    await vault_service.bootstrap_vault(settings)
    assert {s.name: s.read_share(kek_name(1)).split_id for s in sites} == before
    assert [s.read_share(kek_name(1)).share.x for s in sites] == [1, 2, 3]


async def test_round_trip_and_swapped_ciphertexts_rejected(migrated_db: Any) -> None:
    vault = await open_vault(get_settings())
    name = vault.encrypt("P1", "R1", "name", "山田 花子")
    number = vault.encrypt("P1", "R1", "individual_number", "123456789018")
    assert b"\xe5\xb1\xb1" not in name  # 山 in UTF-8
    assert vault.decrypt_text("P1", "R1", "name", name) == "山田 花子"
    assert vault.encrypt("P1", "R1", "name", "山田 花子") != name  # fresh nonce every time
    with pytest.raises(CiphertextRejected):
        vault.decrypt("P1", "R1", "individual_number", name)  # moved to another field
    with pytest.raises(CiphertextRejected):
        vault.decrypt("P1", "R2", "name", name)  # moved to another record of the same person
    vault.encrypt("P2", "R3", "name", "x")
    with pytest.raises(CiphertextRejected):
        vault.decrypt("P2", "R1", "name", name)  # moved to another person
    tampered = bytearray(number)
    tampered[-1] ^= 1
    with pytest.raises(CiphertextRejected):
        vault.decrypt("P1", "R1", "individual_number", bytes(tampered))
    with pytest.raises(CiphertextRejected):
        vault.decrypt("P9", "R9", "name", name)  # nobody ever encrypted for P9


async def test_keys_survive_the_process_and_come_only_from_the_sites(migrated_db: Any) -> None:
    settings = get_settings()
    vault = await open_vault(settings)
    ct = vault.encrypt("P1", "R1", "name", "佐藤 一郎")
    close_vaults()  # a new process: nothing cached
    again = await open_vault(settings)
    assert again is not vault
    assert again.decrypt_text("P1", "R1", "name", ct) == "佐藤 一郎"


async def test_fewer_than_threshold_sites_reveal_nothing(migrated_db: Any, tmp_path: Any) -> None:
    settings = get_settings()
    vault = await open_vault(settings)
    ct = vault.encrypt("P1", "R1", "name", "鈴木 次郎")
    sites = configured_sites(settings)
    # a thief with one whole site: a share (k-1 = 1 of them) and the wrapped data keys
    with pytest.raises(VaultUnavailable, match="1 matching share"):
        read_secret(sites[:1], kek_name(1), 2)
    stolen = sites[0].get_keys(["P1"])["P1"]
    assert stolen.wrapped is not None and b"\xe9\x88\xb4" not in stolen.wrapped  # 鈴
    # every site alone: the same
    for site in sites:
        with pytest.raises(VaultUnavailable):
            read_secret([site], kek_name(1), 2)
    # any two: everything
    for pair in ([sites[0], sites[1]], [sites[1], sites[2]], [sites[0], sites[2]]):
        assert read_secret(pair, kek_name(1), 2).secret == vault._kek(1)
    assert vault.decrypt_text("P1", "R1", "name", ct) == "鈴木 次郎"


async def test_wrong_shares_are_detected_not_combined(migrated_db: Any, tmp_path: Any) -> None:
    settings = get_settings()
    vault = await open_vault(settings)
    ct = vault.encrypt("P1", "R1", "name", "高橋 三郎")
    east, west, north = configured_sites(settings)
    # a share of another KEK split (another installation), dropped into east, keeping east's name
    foreign_dir = tmp_path / "foreign"
    from tenohira.vault.sites import Site

    foreign = [Site(s.name, foreign_dir / s.name) for s in (east, west, north)]
    for s in foreign:
        s.create()
    vault_service.write_split(foreign, kek_name(1), os.urandom(32), 2)
    shutil.copy(foreign[0].share_path(kek_name(1)), east.share_path(kek_name(1)))
    # with three sites the odd one out is named and not used
    read = read_secret([east, west, north], kek_name(1), 2)
    assert read.secret == vault._kek(1) and "east" in read.bad
    # with only east + west left the mismatch is fatal, never garbage
    with pytest.raises(VaultUnavailable):
        read_secret([east, west], kek_name(1), 2)
    # a share corrupted in place (same split id, flipped bytes) fails loudly as well
    import base64
    import json

    data = json.loads(west.share_path(kek_name(1)).read_text())
    y = bytearray(base64.b64decode(data["y"]))
    y[0] ^= 0x80
    data["y"] = base64.b64encode(bytes(y)).decode()
    west.share_path(kek_name(1)).write_text(json.dumps(data))
    with pytest.raises(VaultUnavailable, match="do not combine"):
        read_secret([west, north], kek_name(1), 2)
    # a vault opened on sites that combine to another key than the catalogued one refuses to start
    foreign_read = read_secret(foreign, kek_name(1), 2)
    assert foreign_read.fingerprint != vault_service.envelope.fingerprint(vault._kek(1), kek_name(1))
    with pytest.raises(VaultUnavailable, match="catalogued"):
        read_secret(foreign, kek_name(1), 2, expected_fingerprint=read.fingerprint)
    assert vault.decrypt_text("P1", "R1", "name", ct) == "高橋 三郎"


async def test_site_deleted_then_recovered_and_resplit(migrated_db: Any) -> None:
    settings = get_settings()
    vault = await open_vault(settings)
    cts = {f"P{i}": vault.encrypt(f"P{i}", f"R{i}", "name", f"住民{i}") for i in range(20)}
    east, west, north = configured_sites(settings)
    old_north_share = north.read_share(kek_name(1))
    shutil.rmtree(north.path)  # the north site burns down
    close_vaults()
    degraded = await open_vault(settings)
    assert (await status(settings))["state"] == "degraded"
    assert all(degraded.decrypt_text(p, f"R{p[1:]}", "name", c) == f"住民{p[1:]}" for p, c in cts.items())
    degraded.encrypt("P-new", "R-new", "name", "新住民")  # writes go on with k sites
    result = await recover_site(settings, "north")
    assert result["data_keys"] == 21 and set(result["resplit"]) == {kek_name(1), INDEX_SECRET}
    assert (await status(settings))["state"] == "ok"
    new_north_share = north.read_share(kek_name(1))
    assert new_north_share.split_id != old_north_share.split_id
    assert stat.S_IMODE(north.share_path(kek_name(1)).stat().st_mode) == 0o600
    # the share that left with the old north no longer combines with anything
    from tenohira.vault.shamir import ShareMismatch, combine

    with pytest.raises(ShareMismatch):
        combine([old_north_share.share, east.read_share(kek_name(1)).share])
    # now lose east instead: west + the rebuilt north carry everything
    shutil.rmtree(east.path)
    close_vaults()
    survivor = await open_vault(settings)
    assert all(survivor.decrypt_text(p, f"R{p[1:]}", "name", c) == f"住民{p[1:]}" for p, c in cts.items())
    # and with two sites gone nothing opens
    shutil.rmtree(west.path)
    close_vaults()
    with pytest.raises(VaultUnavailable):
        await open_vault(settings)


async def test_shredded_data_is_unreadable_everywhere(migrated_db: Any, tmp_path: Any) -> None:
    settings = get_settings()
    vault = await open_vault(settings)
    backup = vault.encrypt("P1", "R1", "name", "伊藤 四郎")  # think: a copy in last night's backup
    keep = vault.encrypt("P2", "R2", "name", "渡辺 五郎")
    digest = vault.person_digest("P1", b"payload")
    assert digest != vault.person_digest("P2", b"payload")
    wrapped = configured_sites(settings)[0].get_keys(["P1"])["P1"].wrapped
    assert wrapped is not None
    assert vault.shred("P1") == ["east", "west", "north"]
    with pytest.raises(DataShredded):
        vault.decrypt("P1", "R1", "name", backup)
    with pytest.raises(DataShredded):
        vault.encrypt("P1", "R1", "name", "revived?")  # no new key for an erased person
    with pytest.raises(DataShredded):
        vault.person_digest("P1", b"payload")  # log digests cannot be recomputed or linked
    close_vaults()
    fresh = await open_vault(settings)  # another process: nothing cached anywhere
    with pytest.raises(DataShredded):
        fresh.decrypt("P1", "R1", "name", backup)
    assert fresh.is_shredded("P1")
    assert fresh.decrypt_text("P2", "R2", "name", keep) == "渡辺 五郎"
    # the wrapped key's bytes are gone from the site files themselves (not only unlinked)
    for site in configured_sites(settings):
        site.close()
        for path in site.path.iterdir():
            if path.is_file():
                assert wrapped not in path.read_bytes(), path


async def test_shred_reaches_a_site_that_was_away(migrated_db: Any) -> None:
    settings = get_settings()
    vault = await open_vault(settings)
    ct = vault.encrypt("P1", "R1", "name", "x")
    north = configured_sites(settings)[2]
    north.close()
    moved = north.path.with_name("north-away")
    north.path.rename(moved)
    assert vault.shred("P1") == ["east", "west"]
    moved.rename(north.path)  # north comes back with the live key
    close_vaults()
    again = await open_vault(settings)
    with pytest.raises(DataShredded):
        again.decrypt("P1", "R1", "name", ct)
    assert north.get_keys(["P1"])["P1"].shredded_at is not None  # the tombstone spread


async def test_blind_index(migrated_db: Any) -> None:
    vault = await open_vault(get_settings())
    a = vault.blind_index("name_birth", "山田 花子|1990-04-01")
    assert a == vault.blind_index("name_birth", " 山田\u3000花子|1990-04-01 ")  # full-width space, trimmed
    assert a != vault.blind_index("name_birth", "山田 花子|1990-04-02")
    assert a != vault.blind_index("other_field", "山田 花子|1990-04-01")
    assert len(a) == 64 and "山田" not in a
    assert vault.blind_index("individual_number", "１２３４５６７８９０１８") == vault.blind_index(
        "individual_number", "123456789018"
    )


async def test_rotation_rewraps_in_batches_while_readers_read(migrated_db: Any) -> None:
    settings = get_settings()
    vault = await open_vault(settings)
    persons = [f"P{i:03d}" for i in range(60)]
    cts = {p: vault.encrypt(p, "R", "name", f"名前{p}") for p in persons}
    seen: list[tuple[int, int]] = []
    reads = 0
    stop = asyncio.Event()

    async def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            vault._cache.clear()  # force key unwrapping from the sites during the rotation
            for p in persons[::7]:
                assert vault.decrypt_text(p, "R", "name", cts[p]) == f"名前{p}"
                reads += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(reader())
    result = await rotate(
        settings, lambda _d, done, total: seen.append((done, total)), batch_size=7, grace_seconds=0
    )
    stop.set()
    await task
    assert reads > 0
    assert (result.from_version, result.to_version, result.state, result.done) == (1, 2, "done", 60)
    assert seen[-1] == (60, 60) and len(seen) >= 60 // 7
    st = await status(settings)
    assert st["active_kek"] == 2
    assert {s["name"]: s["state"] for s in st["secrets"]} == {
        kek_name(1): "retired",
        kek_name(2): "active",
        INDEX_SECRET: "active",
    }
    for site in configured_sites(settings):
        assert site.share_names() == [INDEX_SECRET, kek_name(2)]  # the old KEK is destroyed
        assert site.count_by_version() == {2: 60}
    blind = vault.blind_index("name", "x")
    close_vaults()
    again = await open_vault(settings)
    assert all(again.decrypt_text(p, "R", "name", c) == f"名前{p}" for p, c in cts.items())
    assert again.blind_index("name", "x") == blind  # indexes stay valid across rotations
    again.encrypt("P-new", "R", "name", "y")
    assert configured_sites(settings)[0].get_keys(["P-new"])["P-new"].kek_version == 2


async def test_rotation_refuses_with_a_site_missing(migrated_db: Any) -> None:
    settings = get_settings()
    await open_vault(settings)
    shutil.rmtree(configured_sites(settings)[2].path)
    with pytest.raises(VaultUnavailable, match="recover"):
        await rotate(settings, grace_seconds=0)


async def test_explicit_site_directories(
    migrated_db: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenohira.core import reset_settings

    monkeypatch.setenv("TENOHIRA_VAULT_SITES", f"a={tmp_path / 'disk-a'},b={tmp_path / 'disk-b'}")
    monkeypatch.setenv("TENOHIRA_VAULT_THRESHOLD", "2")
    reset_settings()
    vault = await open_vault(get_settings())
    ct = vault.encrypt("P", "R", "f", "v")
    assert (tmp_path / "disk-a" / "shares" / "kek-0001.json").exists()
    assert vault.where("P")["sites"][1]["data_key"] == "wrapped under kek-0001"
    assert vault.decrypt("P", "R", "f", ct) == b"v"
    monkeypatch.setenv("TENOHIRA_VAULT_THRESHOLD", "3")
    reset_settings()
    with pytest.raises(ValueError, match="impossible"):
        configured_sites(get_settings())


async def test_racing_bootstraps_agree_on_one_set_of_keys(migrated_db: Any) -> None:
    settings = get_settings()
    await asyncio.gather(*(vault_service.bootstrap_vault(settings) for _ in range(3)))
    vault = await open_vault(settings)  # checks the sites against the catalogue
    ct = vault.encrypt("P", "R", "f", "v")
    close_vaults()
    assert (await open_vault(settings)).decrypt("P", "R", "f", ct) == b"v"

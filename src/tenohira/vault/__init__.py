"""Fail-secure storage: per-person data keys, envelope encryption, Shamir key splitting across sites.

Use::

    vault = await open_vault(settings)
    ct = vault.encrypt(person_id, record_id, "name", "山田 太郎")     # bytes, store it
    vault.decrypt(person_id, record_id, "name", ct).decode()          # "山田 太郎"
    vault.blind_index("name_birth", f"{name}|{birth_date}")           # hex, for exact-match lookup
    vault.shred(person_id)                                            # every copy unreadable

``encrypt``/``decrypt``/``blind_index``/``shred`` are synchronous (keys are cached in memory;
a cache miss reads the local site stores). ``ensure_keys(ids)`` loads many keys at once.
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.vault.sealed import Sealed, is_sealed, seal_legacy, sealed_vault
    from tenohira.vault.service import (
        CiphertextRejected,
        DataShredded,
        RotationStatus,
        Vault,
        VaultUnavailable,
        bootstrap_vault,
        close_vaults,
        open_vault,
        opened_vault,
        recover_site,
        rotate,
        status,
    )

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Sealed": "tenohira.vault.sealed",
        "is_sealed": "tenohira.vault.sealed",
        "seal_legacy": "tenohira.vault.sealed",
        "sealed_vault": "tenohira.vault.sealed",
        "CiphertextRejected": "tenohira.vault.service",
        "DataShredded": "tenohira.vault.service",
        "RotationStatus": "tenohira.vault.service",
        "Vault": "tenohira.vault.service",
        "VaultUnavailable": "tenohira.vault.service",
        "bootstrap_vault": "tenohira.vault.service",
        "close_vaults": "tenohira.vault.service",
        "open_vault": "tenohira.vault.service",
        "opened_vault": "tenohira.vault.service",
        "recover_site": "tenohira.vault.service",
        "rotate": "tenohira.vault.service",
        "status": "tenohira.vault.service",
    },
)

__all__ = [
    "CiphertextRejected",
    "DataShredded",
    "RotationStatus",
    "Sealed",
    "Vault",
    "VaultUnavailable",
    "bootstrap_vault",
    "close_vaults",
    "is_sealed",
    "open_vault",
    "opened_vault",
    "recover_site",
    "rotate",
    "seal_legacy",
    "sealed_vault",
    "status",
]

"""The information-linkage hub (情報連携ハブ).

Members, services, access rights, agency codes, signed exchanges, the exchange log and
residents' access history. Members use only this face:

- :class:`HubClient` (member side): signed calls through the hub, verified answers
  (:class:`HubResponse`, :class:`HubError` for refusals, :class:`HubResponseError` when an
  answer cannot be trusted); also subject registration, introductions, card links, card
  resolution and the access history (palm).
- :class:`HubProvider` (provider side): ``Depends(provider.request)`` yields a verified
  :class:`HubRequest`; ``provider.install(app)`` signs every answer to the hub.
- :class:`MemberCredentials` and :func:`load_member_credentials` (key + certificates that
  hub bootstrap stores under ``data_dir/members/<id>/``).
- :mod:`signatures`-level helpers for tools: :func:`content_digest`.
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.hub.client import HubClient, HubError, HubResponse, HubResponseError
    from tenohira.hub.pki import MemberCredentials, load_member_credentials, member_dir
    from tenohira.hub.pool import close_pooled_clients, pooled_client
    from tenohira.hub.problems import HubRefusal
    from tenohira.hub.provider import HubProvider, HubRequest
    from tenohira.hub.signatures import content_digest

# the parts load on first use: a member that only signs calls never imports the provider side
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "HubClient": "tenohira.hub.client",
        "HubError": "tenohira.hub.client",
        "HubResponse": "tenohira.hub.client",
        "HubResponseError": "tenohira.hub.client",
        "MemberCredentials": "tenohira.hub.pki",
        "load_member_credentials": "tenohira.hub.pki",
        "member_dir": "tenohira.hub.pki",
        "close_pooled_clients": "tenohira.hub.pool",
        "pooled_client": "tenohira.hub.pool",
        "HubRefusal": "tenohira.hub.problems",
        "HubProvider": "tenohira.hub.provider",
        "HubRequest": "tenohira.hub.provider",
        "content_digest": "tenohira.hub.signatures",
    },
)

__all__ = [
    "HubClient",
    "HubError",
    "HubProvider",
    "HubRefusal",
    "HubRequest",
    "HubResponse",
    "HubResponseError",
    "MemberCredentials",
    "close_pooled_clients",
    "content_digest",
    "load_member_credentials",
    "member_dir",
    "pooled_client",
]

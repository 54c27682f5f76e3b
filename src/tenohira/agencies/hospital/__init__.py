"""Hospital: birth records and digital birth certificates (出生証明書, SD-JWT VC, RFC 9901).

Reachable only through the hub (service ``hospital.birth-certificate``). Its facilities'
issuer metadata is published to ``data_dir/trust/hospital`` (registration), which is what a
municipality's verifier trusts. Nothing here is imported by other agencies.
"""

from tenohira.agencies.hospital.service import FACILITIES, issuer_id

__all__ = ["FACILITIES", "issuer_id"]

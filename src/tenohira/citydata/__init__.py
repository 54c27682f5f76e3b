"""City data: the NGSI-LD API (ETSI GS CIM 009 V1.9.1) and IoT ingestion.

Public face for other modules:

- ``seed_facilities(seed) -> list[dict]``: the demo city's public facilities, AED locations,
  evacuation sites and sensors as plain records (the same data the NGSI-LD API serves;
  opendata publishes them as the municipality's standard datasets).
- ``facility_entity(record) -> dict``: a record as its NGSI-LD entity (normalized).
- ``facility_entity_id(record) -> str``: the NGSI-LD entity id of a record.
- ``CITY_CENTRE``: (longitude, latitude) of the fictional city centre.
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.citydata.bootstrap import CITY_CENTRE, seed_facilities
    from tenohira.citydata.bootstrap import entity_id as facility_entity_id
    from tenohira.citydata.bootstrap import to_entity as facility_entity

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CITY_CENTRE": "tenohira.citydata.bootstrap",
        "seed_facilities": "tenohira.citydata.bootstrap",
        "facility_entity_id": "tenohira.citydata.bootstrap:entity_id",
        "facility_entity": "tenohira.citydata.bootstrap:to_entity",
    },
)

__all__ = ["CITY_CENTRE", "facility_entity", "facility_entity_id", "seed_facilities"]

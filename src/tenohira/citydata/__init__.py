"""City data: the NGSI-LD API (ETSI GS CIM 009) and IoT ingestion."""

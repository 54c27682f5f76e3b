"""Open data: aggregates with disclosure control, DCAT catalogue, CKAN-compatible API, portal."""

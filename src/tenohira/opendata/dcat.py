"""The catalogue as DCAT-AP 3 (JSON-LD and Turtle), built with rdflib."""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
LICENSE_URIS = {"CC-BY-4.0": "http://creativecommons.org/licenses/by/4.0/"}
DCAT_AP_3 = URIRef("http://data.europa.eu/r5r/")


def catalogue_graph(catalog: dict[str, Any], packages: list[dict[str, Any]], base_url: str) -> Graph:
    """DCAT-AP 3 graph of the catalogue from CKAN package dicts (one source of truth for both APIs)."""
    g = Graph()
    for prefix, ns in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("skos", SKOS),
        ("adms", ADMS),
    ):
        g.bind(prefix, ns)
    cat = URIRef(f"{base_url}/opendata/catalog")
    publisher = URIRef(f"{base_url}/opendata/organization/{catalog['publisher_name']}")
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(catalog["publisher_title"], lang="ja")))
    g.add((publisher, FOAF.name, Literal(catalog["publisher_title_en"], lang="en")))
    g.add((publisher, DCTERMS.identifier, Literal(catalog["municipality_code"])))

    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal(catalog["title"], lang="ja")))
    g.add((cat, DCTERMS.title, Literal(catalog["title_en"], lang="en")))
    g.add((cat, DCTERMS.description, Literal(catalog["description"], lang="ja")))
    g.add((cat, DCTERMS.description, Literal(catalog["description_en"], lang="en")))
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, FOAF.homepage, URIRef(f"{base_url}/opendata")))
    g.add((cat, DCTERMS.language, URIRef("http://publications.europa.eu/resource/authority/language/JPN")))
    g.add((cat, DCTERMS.conformsTo, DCAT_AP_3))

    spatial = BNode()
    g.add((spatial, RDF.type, DCTERMS.Location))
    g.add((spatial, SKOS.prefLabel, Literal(catalog["publisher_title"], lang="ja")))
    g.add((spatial, DCTERMS.identifier, Literal(catalog["municipality_code"])))

    for p in packages:
        extras = {e["key"]: e["value"] for e in p["extras"]}
        ds = URIRef(p["url"])
        g.add((cat, DCAT.dataset, ds))
        g.add((ds, RDF.type, DCAT.Dataset))
        g.add((ds, DCTERMS.identifier, Literal(p["id"])))
        g.add((ds, DCTERMS.title, Literal(p["title"], lang="ja")))
        g.add((ds, DCTERMS.description, Literal(p["notes"], lang="ja")))
        if extras.get("title_en"):
            g.add((ds, DCTERMS.title, Literal(extras["title_en"], lang="en")))
        if extras.get("notes_en"):
            g.add((ds, DCTERMS.description, Literal(extras["notes_en"], lang="en")))
        g.add((ds, DCTERMS.publisher, publisher))
        g.add((ds, DCTERMS.spatial, spatial))
        g.add((ds, DCTERMS.issued, Literal(p["metadata_created"], datatype=XSD.dateTime)))
        g.add((ds, DCTERMS.modified, Literal(p["metadata_modified"], datatype=XSD.dateTime)))
        g.add((ds, DCAT.landingPage, URIRef(p["url"])))
        if extras.get("frequency"):
            g.add((ds, DCTERMS.accrualPeriodicity, URIRef(FREQUENCY + extras["frequency"])))
        if p.get("version"):
            g.add((ds, DCAT.version, Literal(p["version"])))
        for t in p["tags"]:
            g.add((ds, DCAT.keyword, Literal(t["name"])))
        contact = BNode()
        g.add((ds, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(catalog["publisher_title"], lang="ja")))
        g.add((contact, VCARD.hasURL, URIRef(f"{base_url}/opendata")))
        if extras.get("temporal_start") and extras.get("temporal_end"):
            period = BNode()
            g.add((ds, DCTERMS.temporal, period))
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            g.add((period, DCAT.startDate, Literal(extras["temporal_start"], datatype=XSD.date)))
            g.add((period, DCAT.endDate, Literal(extras["temporal_end"], datatype=XSD.date)))
        for r in p["resources"]:
            dist = URIRef(f"{base_url}/opendata/resource/{r['id']}")
            g.add((ds, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCTERMS.identifier, Literal(r["id"])))
            g.add((dist, DCTERMS.title, Literal(r["name"], lang="ja")))
            g.add((dist, DCTERMS.description, Literal(r["description"], lang="en")))
            g.add((dist, DCAT.accessURL, URIRef(r["url"])))
            g.add((dist, DCAT.downloadURL, URIRef(r["url"])))
            g.add((dist, DCTERMS["format"], URIRef(FILE_TYPE + r["format"])))
            g.add(
                (
                    dist,
                    DCAT.mediaType,
                    URIRef("https://www.iana.org/assignments/media-types/" + r["mimetype"]),
                )
            )
            g.add((dist, DCTERMS.license, URIRef(LICENSE_URIS.get(p["license_id"], p["license_url"]))))
            if r.get("last_modified"):
                g.add((dist, DCTERMS.modified, Literal(r["last_modified"], datatype=XSD.dateTime)))
    return g

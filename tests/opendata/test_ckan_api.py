"""The CKAN-compatible API, driven by the ckanapi client itself."""

from typing import Any

import httpx
import pytest
from ckanapi import NotFound, RemoteCKAN, ValidationError


def test_ckanapi_client_works_unchanged(opendata_server: Any) -> None:
    ckan = RemoteCKAN(opendata_server.url)
    names = ckan.action.package_list()
    assert "births-by-month-district" in names and "aed-locations" in names
    pkg = ckan.action.package_show(id="births-by-month-district")
    assert pkg["title"] == "町字別・月別出生数"
    assert pkg["license_id"] == "CC-BY-4.0"
    assert {r["format"] for r in pkg["resources"]} == {"CSV", "JSON"}
    res = ckan.action.resource_show(id=pkg["resources"][0]["id"])
    assert res["package_id"] == pkg["id"]
    orgs = ckan.action.organization_list()
    assert orgs == ["city-990019"]
    org = ckan.action.organization_show(id="city-990019", include_datasets=True)
    assert org["package_count"] == len(names)
    status = ckan.action.status_show()
    assert status["ckan_version"]
    with pytest.raises(NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ValidationError):
        ckan.action.package_show()


def test_ckanapi_get_only_client(opendata_server: Any) -> None:
    ckan = RemoteCKAN(opendata_server.url, get_only=True)
    found = ckan.action.package_search(q="AED", rows=5)
    assert found["count"] == 1 and found["results"][0]["name"] == "aed-locations"


def test_package_search_paging_sort_filters_facets(opendata_server: Any) -> None:
    url = opendata_server.url + "/api/3/action/package_search"
    http = httpx.Client(timeout=60)  # rows=5000 lists everything: slow on SQLite under a loaded machine
    r = http.post(
        url, json={"rows": 2, "start": 0, "sort": "name asc", "facet.field": ["tags", "res_format"]}
    )
    body = r.json()
    assert body["success"] is True
    result = body["result"]
    assert len(result["results"]) == 2
    assert result["results"][0]["name"] < result["results"][1]["name"]
    assert "tags" in result["facets"] and "res_format" in result["search_facets"]
    everything = http.get(url, params={"rows": 5000}).json()["result"]
    assert everything["count"] == len(everything["results"])  # rows capped at 1000, all fit
    only_csv = http.get(url, params={"fq": "res_format:CSV"}).json()["result"]
    assert only_csv["count"] == sum(1 for p in everything["results"] if p["resources"])
    by_tag = http.get(url, params={"fq": 'tags:"人口"'}).json()["result"]
    assert {p["name"] for p in by_tag["results"]} == {
        "births-by-month-district",
        "population-by-age-band-district",
    }
    page2 = http.get(url, params={"rows": 3, "start": 3, "sort": "name asc"}).json()["result"]
    page1 = http.get(url, params={"rows": 3, "start": 0, "sort": "name asc"}).json()["result"]
    assert not {p["name"] for p in page1["results"]} & {p["name"] for p in page2["results"]}


def test_errors_use_the_ckan_envelope(opendata_server: Any) -> None:
    base = opendata_server.url
    r = httpx.get(base + "/api/action/package_show", params={"id": "nope"})
    assert r.status_code == 404
    assert r.json()["success"] is False and r.json()["error"]["__type"] == "Not Found Error"
    r = httpx.get(base + "/api/3/action/package_search", params={"rows": "many"})
    assert r.status_code == 409 and r.json()["error"]["__type"] == "Validation Error"
    r = httpx.get(base + "/api/3/action/package_search", params={"sort": "password desc"})
    assert r.json()["error"]["__type"] == "Search Query Error"
    r = httpx.post(
        base + "/api/3/action/package_show",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["success"] is False
    r = httpx.get(base + "/api/3/action/no_such_action")
    assert r.json()["success"] is False


def test_downloads_and_dcat(opendata_server: Any) -> None:
    base = opendata_server.url
    csv_r = httpx.get(base + "/opendata/datasets/births-by-month-district/latest.csv", params={"bom": "true"})
    assert csv_r.status_code == 200 and csv_r.content.startswith(b"\xef\xbb\xbf")
    text = csv_r.content.decode("utf-8-sig")
    assert ",3," not in text  # the small cell is not in the file
    js = httpx.get(base + "/opendata/datasets/births-by-month-district/latest.json").json()
    assert js["threshold"] == 10 and js["suppressed_cells"] >= 2
    for row in js["rows"]:
        assert row["births"] is None or row["births"] == 0 or row["births"] >= 10
    ttl = httpx.get(base + "/opendata/catalog", headers={"accept": "text/turtle"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    from rdflib import Graph
    from rdflib.namespace import DCAT, DCTERMS, RDF

    g = Graph().parse(data=ttl.text, format="turtle")
    datasets = list(g.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 9
    dists = list(g.subjects(RDF.type, DCAT.Distribution))
    assert dists and all(g.value(d, DCTERMS.license) for d in dists)
    jl = Graph().parse(data=httpx.get(base + "/opendata/catalog.jsonld").text, format="json-ld")
    assert len(jl) == len(g)


def test_portal_pages(opendata_server: Any) -> None:
    base = opendata_server.url
    page = httpx.get(base + "/opendata", params={"q": "出生"})
    assert page.status_code == 200 and "町字別・月別出生数" in page.text
    assert "<script" not in httpx.get(base + "/opendata", params={"q": "<script>alert(1)</script>"}).text
    ds = httpx.get(base + "/opendata/datasets/births-by-month-district")
    assert "<svg" in ds.text and "<table>" in ds.text
    assert httpx.get(base + "/opendata/datasets/nope").status_code == 404


def test_portal_search_with_sql_looking_or_broken_syntax_is_searched_literally(opendata_server: Any) -> None:
    # issue 21: these answered 500. The search never reaches SQL (packages are matched in Python);
    # the open quote was only a syntax error of the Solr-like query, and the portal now searches
    # the words as typed.
    base = opendata_server.url
    for q in ("' OR '1'='1' --", '" UNION SELECT sql FROM sqlite_master --', "'; DROP TABLE x; --"):
        page = httpx.get(base + "/opendata", params={"q": q})
        assert page.status_code == 200, (q, page.status_code)
        assert "0 件のデータセット" in page.text  # nothing matches those words literally
        assert "CREATE TABLE" not in page.text  # no schema, no rows of any table
    page = httpx.get(base + "/opendata", params={"q": '"出生'})  # an open quote around a real word
    assert page.status_code == 200 and "町字別・月別出生数" in page.text
    for q in ("\x00\x01\x1b[31m\x7f", "9" * 200, "-1e999", "\ud7ff"):
        assert httpx.get(base + "/opendata", params={"q": q}).status_code == 200, q
    # the CKAN API keeps CKAN's own answer for a query it cannot read (409 Search Query Error)
    r = httpx.get(base + "/api/3/action/package_search", params={"q": "' OR '1'='1' --"})
    assert r.status_code == 409 and r.json()["error"]["__type"] == "Search Query Error"

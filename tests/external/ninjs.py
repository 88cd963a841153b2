"""Every published article as IPTC ninjs (Accept: application/ninjs+json), and feeds as
ninjs (/feeds/…/ninjs.json), validated against
IPTC's own JSON Schema (tests/fixtures/ninjs-schema_2.2.json, draft 2020-12) with formats
checked.
Usage: ninjs.py BASE SCHEMA"""
import json
import sys
import urllib.parse
import urllib.request

import jsonschema

base, schema_path = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    schema = json.load(f)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def get(url, accept="application/json"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request) as res:
        return res.headers, json.load(res)


failures = 0
checked = 0
url = f"{base}/v1/articles?limit=100"
while url:
    _, page = get(url)
    for item in page["items"]:
        headers, doc = get(f"{base}/v1/articles/{urllib.parse.quote(item['slug'])}", "application/ninjs+json")
        checked += 1
        if not headers["Content-Type"].startswith("application/ninjs+json"):
            print(f"FAIL {item['slug']}: Content-Type {headers['Content-Type']}")
            failures += 1
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for error in errors:
            print(f"FAIL {item['slug']}: {'/'.join(map(str, error.path))}: {error.message}")
        failures += len(errors)
        if doc["headlines"][0]["value"] != item["title"]:
            print(f"FAIL {item['slug']}: the headline is not the title")
            failures += 1
    cursor = page.get("next_cursor")
    url = f"{base}/v1/articles?limit=100&cursor={urllib.parse.quote(cursor)}" if cursor else None
# Feeds as ninjs: one composite item holding the articles.
for feed in ["/feeds/ninjs.json", "/feeds/sections/world/ninjs.json"]:
    headers, doc = get(f"{base}{feed}")
    checked += 1
    errors = list(validator.iter_errors(doc))
    for error in errors:
        print(f"FAIL {feed}: {'/'.join(map(str, error.path))}: {error.message}")
    failures += len(errors)
    if not doc.get("associations"):
        print(f"FAIL {feed}: no articles")
        failures += 1
print(f"{checked} ninjs documents checked against {schema['title']}")
sys.exit(1 if failures else 0)

"""Partner feeds as a feed reader sees them: every RSS and Atom feed parses without a
complaint from feedparser (the library most aggregators and readers build on) and carries
entries with stable tag: ids and absolute links. feedparser 6 does not read JSON Feed, so
that one is held to the JSON Feed 1.1 rules a reader relies on. With a hub URL, every feed
must name it as its WebSub hub, where subscribers discover it."""

import json
import sys
import urllib.request

import feedparser

base = sys.argv[1].rstrip("/")
hub = sys.argv[2] if len(sys.argv) > 2 else None
feeds = ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json", "/feeds/sections/world/atom.xml",
         "/feeds/tags/transport/rss.xml"]
failed = 0
for path in feeds:
    with urllib.request.urlopen(base + path) as response:
        body = response.read()
        headers = {"content-type": response.headers.get("content-type", "")}
    problems = []
    if path.endswith(".json"):
        doc = json.loads(body)
        if doc.get("version") != "https://jsonfeed.org/version/1.1":
            problems.append(f"version is {doc.get('version')!r}")
        for key in ("title", "home_page_url", "feed_url", "items"):
            if key not in doc:
                problems.append(f"no {key}")
        for item in doc.get("items", []):
            if not str(item.get("id", "")).startswith("tag:"):
                problems.append(f"item id {item.get('id')!r} is not a tag: URI")
            if not str(item.get("url", "")).startswith(("http://", "https://")):
                problems.append(f"item url {item.get('url')!r} is not absolute")
            if not (item.get("content_html") or item.get("content_text")):
                problems.append(f"item {item.get('id')} has no content")
        if not doc.get("items"):
            problems.append("no items")
        if hub and doc.get("hubs") != [{"type": "WebSub", "url": hub}]:
            problems.append(f"hubs is {doc.get('hubs')!r}, not the WebSub hub {hub}")
        for problem in problems[:5]:
            print(f"FAIL {path}: {problem}")
        failed += bool(problems)
        if not problems:
            print(f"ok   {path}: JSON Feed 1.1, {len(doc['items'])} items")
        continue
    parsed = feedparser.parse(body, response_headers=headers)
    if parsed.bozo:
        problems.append(f"not well-formed: {parsed.bozo_exception}")
    if not parsed.entries:
        problems.append("no entries")
    for entry in parsed.entries:
        if not entry.get("id", "").startswith("tag:"):
            problems.append(f"entry id {entry.get('id')!r} is not a tag: URI")
        if not entry.get("link", "").startswith(("http://", "https://")):
            problems.append(f"entry link {entry.get('link')!r} is not absolute")
    if hub and not any(l.get("rel") == "hub" and l.get("href") == hub for l in parsed.feed.get("links", [])):
        problems.append(f"no rel=hub link to {hub}: {parsed.feed.get('links')}")
    feed_id = parsed.feed.get("id")
    if path.endswith("atom.xml") and not (feed_id or "").startswith("tag:"):
        problems.append(f"feed id {feed_id!r} is not a tag: URI")
    for problem in problems[:5]:
        print(f"FAIL {path}: {problem}")
    failed += bool(problems)
    if not problems:
        print(f"ok   {path}: {parsed.version or 'json'}, {len(parsed.entries)} entries")
print(f"feeds: {len(feeds) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)

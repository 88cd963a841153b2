//! What every route shares, written into the OpenAPI document once rather than on each of
//! seventy operations: the answers the edge and the gate give on any route (400 for a bad
//! parameter, 413 and 415 for bodies, 429, 503), the problem responses defined once and
//! referenced, and the rules parameters follow (no control characters, the words a typed
//! parameter takes). A client generated from the document then expects exactly what the
//! server does; schemathesis checks that it does.

use serde_json::{Map, Value, json};

use crate::content::status::{ArticleStatus, CommentStatus};

/// Strings free of the control characters the edge refuses (see `content::controls`).
const CONTROL_FREE: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$";
/// The same, with at least one character that is not white space.
const NOT_BLANK: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*[^\\s\\u0000-\\u001F\\u007F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$";

/// Query and path parameters that take one of a few words.
fn words(name: &str, path: &str) -> Option<Value> {
    let names = |all: &[&'static str]| all.to_vec();
    let words: Vec<&str> = match (name, path) {
        ("body", _) => names(&["blocks", "html", "text"]),
        ("scope", _) => names(&["all", "section"]),
        ("window", _) => names(&["1h", "24h", "7d", "30d"]),
        ("status", "/v1/editor/comments") => CommentStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ("status", "/v1/editor/articles") => ArticleStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ("file", _) => names(&["rss.xml", "atom.xml", "feed.json", "ninjs.json"]),
        ("kind", p) if p.starts_with("/feeds/") => names(&["sections", "tags", "authors"]),
        _ => return None,
    };
    Some(json!(words))
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// The shared responses, by status, with the name they are referenced by.
fn shared() -> [(&'static str, &'static str, Value); 9] {
    [
        (
            "400",
            "BadParameter",
            problem("A parameter is not valid; `parameter` names it"),
        ),
        ("401", "Unauthenticated", problem("No valid access token or key")),
        (
            "403",
            "Forbidden",
            problem("The caller's role (or ownership) does not allow this"),
        ),
        (
            "413",
            "PayloadTooLarge",
            problem("The body is larger than the server takes"),
        ),
        (
            "415",
            "UnsupportedMediaType",
            problem("The body is not `application/json`"),
        ),
        ("429", "RateLimited", {
            let mut r = problem("Too many requests; retry after `Retry-After` seconds");
            r["headers"] = json!({
                "Retry-After": { "description": "Seconds to wait", "schema": { "type": "integer" } }
            });
            r
        }),
        (
            "503",
            "Unavailable",
            problem("The database is not available; retry shortly"),
        ),
        (
            "404",
            "NotFound",
            problem("Nothing has this id or slug (or it is not public)"),
        ),
        (
            "422",
            "ValidationFailed",
            problem("Fields at fault, each in `errors` with a code and a message"),
        ),
    ]
}

/// Completes the generated document in place.
pub fn complete(doc: &mut Value) {
    let components = doc
        .as_object_mut()
        .expect("an OpenAPI document is an object")
        .entry("components")
        .or_insert_with(|| json!({}));
    let responses = components
        .as_object_mut()
        .expect("components is an object")
        .entry("responses")
        .or_insert_with(|| json!({}));
    for (_, name, response) in shared() {
        responses[name] = response;
    }
    // Where it is served from: the document describes the server that serves it.
    doc["servers"] = json!([{ "url": "/", "description": "The server this document came from" }]);
    doc["info"]["contact"] = json!({ "name": "The Masthead maintainers" });
    complete_bodies(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (_, op) in item.iter_mut() {
            if let Some(op) = op.as_object_mut() {
                complete_operation(path, op);
            }
        }
    }
}

fn complete_operation(path: &str, op: &mut Map<String, Value>) {
    // A one-line doc comment is both what the operation is called and what it does.
    if op
        .get("description")
        .is_none_or(|d| d.as_str().is_none_or(str::is_empty))
        && let Some(summary) = op.get("summary").cloned()
    {
        op.insert("description".into(), summary);
    }
    let has_body = op.contains_key("requestBody");
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|r| !r.is_empty())));
    let open_to_anyone = op
        .get("security")
        .and_then(Value::as_array)
        .is_none_or(|s| s.iter().any(|r| r.as_object().is_some_and(Map::is_empty)));
    let mut has_path_parameter = false;
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for param in params.iter_mut() {
            has_path_parameter |= param["in"] == "path";
            complete_parameter(path, param);
        }
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("responses is an object");
    for (status, name, _) in shared() {
        let applies = match status {
            // Any path or query string can be refused (a control character, a bad value).
            "400" | "429" | "503" => true,
            "401" | "403" => secured && !open_to_anyone,
            "413" | "415" | "422" => has_body,
            // Whatever a path names may not exist.
            "404" => has_path_parameter,
            _ => false,
        };
        if applies && !responses.contains_key(status) {
            responses.insert(
                status.to_owned(),
                json!({ "$ref": format!("#/components/responses/{name}") }),
            );
        }
    }
    // A JSON Feed is an object, whatever else the operation answers.
    for (_, response) in responses.iter_mut() {
        if let Some(schema) = response.pointer_mut("/content/application~1feed+json/schema") {
            *schema = json!({ "type": "object", "description": "A JSON Feed 1.1 document" });
        }
    }
}

/// Every string a JSON body carries is free of control characters (the body reader refuses
/// them), in the schemas request bodies use and those they contain.
fn complete_bodies(doc: &mut Value) {
    let mut pending: Vec<String> = Vec::new();
    collect_refs(doc.get("paths").unwrap_or(&Value::Null), true, &mut pending);
    let mut done = std::collections::HashSet::new();
    while let Some(name) = pending.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) else {
            continue;
        };
        collect_refs(schema, false, &mut pending);
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (field, property) in properties.iter_mut() {
            // A comment loses its control characters rather than being refused, and a bad
            // form token files the comment as spam: neither is a 4xx.
            if name == "CommentInput" && (field == "comment" || field == "form_token") {
                continue;
            }
            let Some(property) = property.as_object_mut() else {
                continue;
            };
            let is_string = match property.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            if !is_string || property.contains_key("format") {
                continue;
            }
            match property.get("pattern").and_then(Value::as_str) {
                None => {
                    property.insert("pattern".into(), json!(CONTROL_FREE));
                }
                Some("\\S") if property.get("minLength").is_some() => {
                    property.insert("pattern".into(), json!(NOT_BLANK));
                }
                Some(_) => {}
            }
        }
    }
}

/// The component schemas `value` refers to; from `paths`, only those of request bodies.
fn collect_refs(value: &Value, bodies_only: bool, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref"
                    && let Some(name) = v.as_str().and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_owned());
                } else if !bodies_only || key == "requestBody" {
                    collect_refs(v, false, out);
                } else {
                    collect_refs(v, true, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, bodies_only, out)),
        _ => {}
    }
}

fn complete_parameter(path: &str, param: &mut Value) {
    let name = param["name"].as_str().unwrap_or_default().to_owned();
    let location = param["in"].as_str().unwrap_or_default().to_owned();
    // The search words must say something; the comment form needs its article.
    if (path == "/v1/search" && name == "q") || (path == "/v1/comment-form" && name == "article") {
        param["required"] = json!(true);
    }
    // An optional header (`If-Match`, `Idempotency-Key`) is not required.
    if location == "header"
        && param["schema"]["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == "null"))
    {
        param["required"] = json!(false);
    }
    // The version an editor read, as an entity tag or a bare number.
    if location == "header" && name == "If-Match" {
        param["schema"]["pattern"] = json!("^(W/)?\"?[0-9]+\"?$");
    }
    let required = param["required"].as_bool().unwrap_or(false);
    let Some(schema) = param.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    let is_string = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    if !is_string || location == "header" {
        return;
    }
    if let Some(words) = words(&name, path) {
        schema.insert("enum".into(), words);
        return;
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time") {
        // An RFC 3339 time, or a date meaning midnight UTC.
        let description = "An RFC 3339 time, or a date (midnight UTC)";
        *schema = json!({ "anyOf": [
            { "type": "string", "format": "date-time" },
            { "type": "string", "format": "date" }
        ], "description": description })
        .as_object()
        .cloned()
        .unwrap_or_default();
        return;
    }
    if !schema.contains_key("pattern") {
        let pattern = if required { NOT_BLANK } else { CONTROL_FREE };
        schema.insert("pattern".into(), json!(pattern));
    }
    if location == "path" || required {
        schema.insert("minLength".into(), json!(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_gets_the_shared_answers() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "paths": {
                "/v1/articles": { "get": {
                    "parameters": [
                        { "name": "section", "in": "query", "required": false, "schema": { "type": "string" } },
                        { "name": "body", "in": "query", "required": false, "schema": { "type": "string" } }
                    ],
                    "responses": { "200": { "description": "ok" } }
                } },
                "/v1/editor/tags": { "post": {
                    "security": [{ "bearer": [] }],
                    "requestBody": { "content": {} },
                    "responses": { "201": { "description": "ok" } }
                } }
            }
        });
        complete(&mut doc);
        let list = &doc["paths"]["/v1/articles"]["get"];
        assert_eq!(
            list["responses"]["400"]["$ref"],
            "#/components/responses/BadParameter"
        );
        assert!(list["responses"].get("413").is_none());
        assert_eq!(list["parameters"][0]["schema"]["pattern"], CONTROL_FREE);
        assert_eq!(
            list["parameters"][1]["schema"]["enum"],
            json!(["blocks", "html", "text"])
        );
        let write = &doc["paths"]["/v1/editor/tags"]["post"]["responses"];
        for status in ["400", "401", "413", "415", "429", "503"] {
            assert!(write.get(status).is_some(), "{status}");
        }
        assert!(doc["components"]["responses"]["RateLimited"]["headers"]["Retry-After"].is_object());
    }
}

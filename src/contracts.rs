//! The two contract files checked in at the repository root, generated from the code.

use std::path::{Path, PathBuf};

pub const SCHEMA_GRAPHQL: &str = "schema.graphql";
pub const OPENAPI_JSON: &str = "openapi/openapi.json";

pub fn graphql_sdl() -> String {
    crate::graphql::sdl()
}

pub fn openapi_json() -> String {
    let mut doc = serde_json::to_value(crate::http::openapi()).expect("the OpenAPI document serialises");
    crate::http::contract::complete(&mut doc);
    let mut json = serde_json::to_string_pretty(&doc).expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

/// Writes both files under `root` and returns their paths.
pub fn export(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let sdl_path = root.join(SCHEMA_GRAPHQL);
    let openapi_path = root.join(OPENAPI_JSON);
    std::fs::create_dir_all(openapi_path.parent().expect("has a parent"))?;
    let mut written = Vec::new();
    for (path, text) in [(sdl_path, graphql_sdl()), (openapi_path, openapi_json())] {
        // An unchanged file keeps its mtime: rewriting it would make cargo rebuild
        // everything that includes it.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text)?;
            written.push(path);
        }
    }
    Ok(written)
}

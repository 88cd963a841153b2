//! The layers of ARCHITECTURE.md, checked: each folder of `src/` may name only the layers
//! below it. A plain reading of the source, so a new dependency in the wrong direction fails
//! here, in review, instead of growing quietly.

use std::fs;
use std::path::{Path, PathBuf};

/// (folder, what it must never name, why)
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "src/http",
        &["crate::db", "masthead::db", "with_conn!"],
        "the front doors ask the service; they never read the database",
    ),
    (
        "src/graphql",
        &["crate::db", "masthead::db", "with_conn!"],
        "the front doors ask the service; they never read the database",
    ),
    (
        "src/service",
        &[
            "crate::seed",
            "crate::http",
            "crate::graphql",
            "crate::cli",
            "crate::startup",
        ],
        "the service is below the front doors and the loaders",
    ),
    (
        "src/db",
        &[
            "crate::service",
            "crate::http",
            "crate::graphql",
            "crate::seed",
            "crate::feeds",
        ],
        "storage knows rows and queries, not the rules above it",
    ),
    (
        "src/content",
        &[
            "crate::db",
            "crate::service",
            "crate::http",
            "crate::graphql",
            "crate::seed",
            "crate::feeds",
        ],
        "the body model is pure: no I/O and no layer above it",
    ),
    (
        "src/feeds",
        &["crate::db", "crate::http", "crate::graphql"],
        "feed writers turn views into XML and JSON; they read nothing themselves",
    ),
];

/// Files that still break a rule, each with the work that removes it. The test also fails
/// when one of them no longer does, so the list only shrinks.
const KNOWN: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments, which may name anything.
fn code_of(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_layer_names_only_the_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    let mut known_seen = Vec::new();
    for (folder, forbidden, why) in RULES {
        let mut files = Vec::new();
        rust_files(&root.join(folder), &mut files);
        assert!(
            !files.is_empty(),
            "{folder} has no Rust files: is the rule stale?"
        );
        for file in files {
            let code = code_of(&file);
            let name = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            for word in *forbidden {
                if !code.contains(word) {
                    continue;
                }
                if KNOWN.contains(&(name.as_str(), *word)) {
                    known_seen.push((name.clone(), *word));
                } else {
                    broken.push(format!("{name} names {word}: {why}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "layers crossed:\n{}", broken.join("\n"));
    for (file, word) in KNOWN {
        assert!(
            known_seen.iter().any(|(f, w)| f == file && w == word),
            "{file} no longer names {word}: take it off KNOWN"
        );
    }
}

/// Every status name, as Rust and as SQL would spell it.
const STATUS_NAMES: &[&str] = &[
    "draft",
    "scheduled",
    "published",
    "archived",
    "pending",
    "approved",
    "spam",
    "trash",
    "open",
    "closed",
];

/// Where the status names are spelled: the enums and the one SQL form of the public rule.
const STATUS_HOME: &str = "src/content/status.rs";

fn status_literals(code: &str) -> Vec<String> {
    STATUS_NAMES
        .iter()
        .flat_map(|name| [format!("\"{name}\""), format!("'{name}'")])
        .filter(|literal| code.contains(literal.as_str()))
        .collect()
}

#[test]
fn statuses_are_spelled_only_in_their_enums() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let name = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if name == STATUS_HOME {
            continue;
        }
        for literal in status_literals(&code_of(&file)) {
            found.push(format!(
                "{name} spells the status {literal}: use the enum in {STATUS_HOME}"
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The home itself does spell them, so the check is looking at the right text.
    assert!(!status_literals(&code_of(&root.join(STATUS_HOME))).is_empty());
}

#[test]
fn the_rules_catch_what_they_are_for() {
    // The check itself: a front door that reads the database is caught.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.rs");
    fs::write(
        &file,
        "// crate::db in a comment is fine\nuse crate::db::articles;\n",
    )
    .unwrap();
    let code = code_of(&file);
    assert!(code.contains("crate::db"));
    assert!(!code.contains("in a comment"));
    // A status compared as a string, in Rust or in SQL, is caught.
    assert_eq!(status_literals(r#"if row.status == "draft" {"#), ["\"draft\""]);
    assert_eq!(status_literals("WHERE status = 'approved'"), ["'approved'"]);
    assert!(status_literals("ArticleStatus::Draft").is_empty());
}

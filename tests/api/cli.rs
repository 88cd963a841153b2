//! The `masthead` binary as an operator uses it.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::TestDatabase;

fn masthead() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_masthead"));
    cmd.env_remove("DATABASE_URL").env_remove("MASTHEAD_BIND");
    cmd
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["seed", "demo", "--help"],
        &["seed", "synthetic", "--help"],
        &["export-schema", "--help"],
    ] {
        let out = masthead().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn a_database_url_that_is_not_sqlite_or_postgres_is_refused() {
    for url in ["masthead.db", "mysql://localhost/news", "sqlite://"] {
        let out = masthead()
            .args(["migrate", "--database-url", url])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{url} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("sqlite://"), "{url}: {err}");
        assert!(!std::path::Path::new(url).exists(), "{url} created a file");
    }
}

#[test]
fn seeding_the_demo_twice_adds_nothing_the_second_time() {
    let db = TestDatabase::create();
    let url = db.url_string();

    let first = masthead()
        .args(["seed", "demo", "--database-url", &url])
        .output()
        .unwrap();
    let second = masthead()
        .args(["seed", "demo", "--database-url", &url])
        .output()
        .unwrap();

    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("49 articles added, 0 already present"));
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 articles added, 49 already present"));
}

#[test]
fn synthetic_seeding_is_deterministic_for_a_seed() {
    let run = |seed: &str| {
        let db = TestDatabase::create();
        let url = db.url_string();
        let out = masthead()
            .args([
                "seed",
                "synthetic",
                "--articles",
                "30",
                "--seed",
                seed,
                "--body-words",
                "50-80",
                "--database-url",
                &url,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("generated 30 articles"));
        let db = masthead::db::Db::connect(db.url(), 1).unwrap();
        let page = db
            .run_blocking(|c| {
                Ok(masthead::db::articles::list_public(
                    c,
                    &masthead::db::articles::ListQuery {
                        limit: 100,
                        ..Default::default()
                    },
                    chrono::Utc::now().naive_utc(),
                )?)
            })
            .unwrap();
        page.into_iter()
            .map(|a| (a.slug, a.word_count))
            .collect::<Vec<_>>()
    };
    let a = run("7");
    assert!(a.len() >= 25, "most generated articles are published");
    assert!(a.iter().all(|(_, words)| (50..=80).contains(words)), "{a:?}");
    assert_eq!(a, run("7"));
    assert_ne!(a, run("8"));
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let db = TestDatabase::create();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = masthead()
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &db.url_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // Serving, not just listening: signal handlers are in place once requests are answered.
    while !answers_health(port) {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
}

fn answers_health(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

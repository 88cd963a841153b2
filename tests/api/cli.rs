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

/// Every setting `serve` takes is in the README's configuration table, so a newcomer can
/// find it without reading `--help`.
#[test]
fn every_serve_flag_is_in_the_readme() {
    let readme = include_str!("../../README.md");
    let out = masthead().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let mut missing = Vec::new();
    for word in help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '=') {
        let flag = word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        if flag.starts_with("--") && flag != "--help" && !readme.contains(&format!("`{flag}`")) {
            missing.push(flag.to_owned());
        }
    }
    missing.dedup();
    assert!(
        missing.is_empty(),
        "serve flags missing from the README: {missing:?}"
    );
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
    // Its log (the migrations it applied) goes to a pipe here, not a terminal: plain text,
    // as a log file or collector wants it.
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(log.contains("applied migration"), "{log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a log that is not a terminal: {log:?}"
    );
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

/// Also: views counted in memory are written on the way out, not lost.
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
            "--demo",
            "--views-flush-interval",
            "3600",
        ])
        .env("MASTHEAD_JWT_SECRET", crate::helpers::TEST_SECRET)
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
    let view = raw(
        port,
        "POST /v1/articles/tel-aviv-opens-its-first-overnight-light-rail-service/views HTTP/1.0\r\n\
         Host: localhost\r\nUser-Agent: Mozilla/5.0 Firefox/128.0\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(
        view.starts_with("HTTP/1.0 204") || view.starts_with("HTTP/1.1 204"),
        "{view}"
    );

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

    let url = masthead::db::DatabaseUrl::parse(&db.url_string()).unwrap();
    let store = masthead::db::Db::connect(&url, 1).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let top = store
        .run_blocking(|c| {
            Ok(masthead::db::discovery::view_totals(
                c,
                now - chrono::Duration::hours(2),
                None,
            )?)
        })
        .unwrap();
    assert_eq!(top.iter().map(|t| t.1).collect::<Vec<_>>(), [1]);
}

fn raw(port: u16, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
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

#[test]
fn without_a_jwt_secret_sqlite_generates_one_and_postgres_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("news.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = masthead()
        .env_remove("MASTHEAD_JWT_SECRET")
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &format!("sqlite://{}", db_path.display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !answers_health(port) {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let secret = dir.path().join("news.db.jwt-secret");
    let meta = std::fs::metadata(&secret).expect("a secret beside the database");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&secret).unwrap().trim().len() >= 32);

    let out = masthead()
        .env_remove("MASTHEAD_JWT_SECRET")
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let out = masthead()
        .env("MASTHEAD_JWT_SECRET", "too-short")
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &format!("sqlite://{}", db_path.display()),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 bytes"));
}

#[test]
fn the_first_admin_is_created_from_the_command_line() {
    use std::io::Write;
    let db = TestDatabase::create();
    let url = db.url_string();
    let mut child = masthead()
        .args([
            "user",
            "create",
            "--email",
            "Chief@Example.org",
            "--name",
            "Chief",
            "--role",
            "admin",
            "--password-stdin",
            "--database-url",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("chief@example.org"));

    let weak = masthead()
        .env("MASTHEAD_PASSWORD", "short")
        .args([
            "user",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "author",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));

    let out = masthead()
        .args([
            "user",
            "set-role",
            "--email",
            "chief@example.org",
            "--role",
            "editor",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list = masthead()
        .args(["user", "list", "--database-url", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("chief@example.org\teditor\tactive"), "{text}");
}

#[test]
fn an_operator_can_re_enable_a_user_and_set_a_password() {
    use std::io::Write;
    let db = TestDatabase::create();
    let url = db.url_string();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = masthead()
            .args(args)
            .args(["--database-url", &url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    };
    let created = run(
        &[
            "user",
            "create",
            "--email",
            "desk@example.org",
            "--name",
            "Desk",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert!(created.status.success());
    assert!(
        run(&["user", "disable", "--email", "desk@example.org"], None)
            .status
            .success()
    );
    let list = run(&["user", "list"], None);
    assert!(String::from_utf8_lossy(&list.stdout).contains("desk@example.org\tadmin\tdisabled"));

    let enabled = run(&["user", "enable", "--email", "desk@example.org"], None);
    assert!(
        enabled.status.success(),
        "{}",
        String::from_utf8_lossy(&enabled.stderr)
    );
    let list = run(&["user", "list"], None);
    assert!(String::from_utf8_lossy(&list.stdout).contains("desk@example.org\tadmin\tactive"));

    let weak = run(
        &[
            "user",
            "set-password",
            "--email",
            "desk@example.org",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    let set = run(
        &[
            "user",
            "set-password",
            "--email",
            "desk@example.org",
            "--password-stdin",
        ],
        Some("another long passphrase\n"),
    );
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert!(String::from_utf8_lossy(&set.stdout).contains("desk@example.org"));
    let missing = run(&["user", "enable", "--email", "nobody@example.org"], None);
    assert!(!missing.status.success());
}

#[test]
fn synthetic_seeding_refuses_to_add_twice_without_append_and_reports_progress() {
    let db = TestDatabase::create();
    let url = db.url_string();
    let seed = |extra: &[&str]| {
        masthead()
            .args([
                "seed",
                "synthetic",
                "--articles",
                "20",
                "--body-words",
                "20-30",
                "--database-url",
                &url,
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let first = seed(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // Not a terminal here: progress comes as lines.
    assert!(String::from_utf8_lossy(&first.stderr).contains("seeded 20/20 articles"));
    let again = seed(&[]);
    assert!(
        !again.status.success(),
        "a second run would duplicate every story"
    );
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("already holds 20 articles") && err.contains("--append"),
        "{err}"
    );
    let appended = seed(&["--append"]);
    assert!(
        appended.status.success(),
        "{}",
        String::from_utf8_lossy(&appended.stderr)
    );
}

#[test]
fn an_interrupted_seeding_stops_between_batches_and_says_what_it_wrote() {
    let db = TestDatabase::create();
    let url = db.url_string();
    // Migrated before the child starts, so that the test can watch the database meanwhile.
    let watch = masthead::db::Db::connect(db.url(), 1).unwrap();
    let count = || {
        watch
            .run_blocking(|c| Ok(masthead::db::articles::count_all(c)?))
            .unwrap()
    };
    let child = masthead()
        .args([
            "seed",
            "synthetic",
            "--articles",
            "500000",
            "--body-words",
            "20-30",
            "--database-url",
            &url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once a batch has committed, press Ctrl-C.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while count() == 0 {
        assert!(std::time::Instant::now() < deadline, "no batch was written");
        std::thread::sleep(Duration::from_millis(20));
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("interrupted:") && stdout.contains("--append"),
        "{stdout}"
    );
    let written: i64 = stdout
        .split("interrupted: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert_eq!(
        count(),
        written,
        "what it says it wrote is what the database holds"
    );
    assert_eq!(written % 1000, 0, "whole batches: {written}");
}

#[test]
fn an_allow_list_of_queries_must_be_given_and_must_hold_what_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let serve = |extra: &[&str]| {
        let out = masthead()
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", &url])
            .args(extra)
            .env("MASTHEAD_JWT_SECRET", crate::helpers::TEST_SECRET)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{extra:?} was accepted");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(serve(&["--graphql-persisted-only"]).contains("--graphql-persisted-queries"));
    let forged = dir.path().join("manifest.json");
    std::fs::write(
        &forged,
        r#"{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"00","name":"A","type":"query","body":"{ sections { id } }"}]}"#,
    )
    .unwrap();
    let err = serve(&["--graphql-persisted-queries", forged.to_str().unwrap()]);
    assert!(err.contains("not the SHA-256 of its body"), "{err}");
}

//! The `kaamgar` command as an official runs it: generate a list, import it, kill the import half-way, import
//! again, export; and the configuration commands.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn kaamgar(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kaamgar"));
    c.current_dir(dir)
        .env(
            "KAAMGAR_DATABASE_URL",
            format!("sqlite://{}", dir.join("k.db").display()),
        )
        .env("KAAMGAR_LOG", "error");
    c
}

fn run(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn count_workers(dir: &Path) -> usize {
    let out = run(kaamgar(dir).args(["export", "workers"]));
    out.lines().count() - 1
}

#[test]
fn an_import_killed_half_way_leaves_whole_workers_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(kaamgar(d).args([
        "demo-data",
        "--rows",
        "40000",
        "--bad-percent",
        "0",
        "--output",
        "list.csv",
    ]));
    let mut child = kaamgar(d)
        .args(["import", "workers", "list.csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once some batches are in (or after a few seconds on a fast machine, which only weakens the test).
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        let wal = d.join("k.db-wal");
        if std::fs::metadata(&wal)
            .map(|m| m.len() > 2_000_000)
            .unwrap_or(false)
            || child.try_wait().unwrap().is_some()
        {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let partial = count_workers(d);
    assert!(partial <= 40_000);
    // Every exported worker is whole: the export reads back with no rejected rows.
    let exported = run(kaamgar(d).args(["export", "workers"]));
    assert!(
        exported.lines().skip(1).all(|l| l.split(',').count() >= 20),
        "a worker row is incomplete"
    );
    let summary = run(kaamgar(d).args(["import", "workers", "list.csv"]));
    assert!(summary.contains("0 rejected"), "{summary}");
    assert_eq!(
        count_workers(d),
        40_000,
        "the re-run completes the import (partial was {partial})"
    );
}

#[test]
fn an_unusable_file_is_refused_with_a_message_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.csv"), "Name,Village\nRam,Ekma\n").unwrap();
    let out = kaamgar(dir.path())
        .args(["import", "workers", "x.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing was written") && err.contains("mobile"),
        "{err}"
    );
}

#[test]
fn config_check_hides_secrets_and_config_example_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let example = run(kaamgar(dir.path()).args(["config", "example"]));
    std::fs::write(dir.path().join("kaamgar.toml"), example).unwrap();
    let out = run(kaamgar(dir.path())
        .args(["config", "check"])
        .env("KAAMGAR_API_TOKEN", "super-secret-value")
        .env("KAAMGAR_WHATSAPP_APP_SECRET", "app-secret-value"));
    assert!(
        !out.contains("super-secret-value") && !out.contains("app-secret-value"),
        "{out}"
    );
    assert!(out.contains("api_token = \"***\""), "{out}");
    let bad = kaamgar(dir.path())
        .args(["config", "check"])
        .env("KAAMGAR_AREA", "Atlantis")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Atlantis"));
}

#[test]
fn lgd_codes_are_imported_and_saran_blocks_carry_them() {
    let lgd = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lgd");
    if !lgd.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs {}",
            lgd.display()
        );
        eprintln!("skipping: {} not found", lgd.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run(kaamgar(dir.path()).args(["places", "import-lgd"]).arg(&lgd));
    assert!(out.contains("blocks"), "{out}");
    let blocks = run(kaamgar(dir.path()).args(["places", "blocks", "Saran"]));
    let codes: Vec<u32> = blocks
        .lines()
        .filter_map(|l| l.split('\t').next()?.parse().ok())
        .collect();
    assert_eq!(codes.len(), 20, "{blocks}");
    assert!(codes.iter().all(|c| (2059..=2078).contains(c)), "{codes:?}");
    assert!(blocks.contains("2071\tMarhaurah"), "{blocks}");
}

#[test]
fn workers_are_looked_up_from_the_command_line_by_trade_and_block_in_either_script() {
    let dir = tempfile::tempdir().unwrap();
    let list = "नाम,मोबाइल,कौशल,प्रखंड,उपलब्धता\nरमेश,9876543210,नल मिस्त्री,मढ़ौरा,उपलब्ध\nसुरेश,9876543211,plumber,Marhaura,व्यस्त\nगोपाल,9876543212,plumber,Sonepur,\n";
    std::fs::write(dir.path().join("l.csv"), list).unwrap();
    run(kaamgar(dir.path()).args(["import", "workers", "l.csv"]));
    let out = run(kaamgar(dir.path()).args([
        "workers",
        "list",
        "--trade",
        "प्लंबर",
        "--block",
        "marhora",
        "--availability",
        "available",
    ]));
    let names: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["रमेश"]);
    let bad = kaamgar(dir.path())
        .args(["workers", "list", "--trade", "astronaut"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown trade"));
}

#[test]
fn understanding_uses_imported_lgd_blocks_for_names_the_gazetteer_misplaces() {
    let lgd = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lgd");
    if !lgd.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs {}",
            lgd.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ask = |d: &Path| {
        let out = with_stdin(
            kaamgar(d).args(["understand", "--area", "Kanpur Nagar,Kanpur Dehat"]),
            "plumber chahiye bilhaur me\n",
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["place"]["district"].as_str().map(str::to_string)
    };
    // The gazetteer files Bilhaur under Kanpur Dehat; the LGD block list puts it in Kanpur Nagar.
    run(kaamgar(dir.path()).args(["places", "import-lgd"]).arg(&lgd));
    assert_eq!(ask(dir.path()).as_deref(), Some("Kanpur Nagar"));
}

fn with_stdin(c: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_reads_the_password_from_stdin_and_checks_role_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = with_stdin(
        kaamgar(d).args([
            "user",
            "add",
            "ravi",
            "--role",
            "block_officer",
            "--district",
            "saran",
            "--block",
            "marhora",
        ]),
        "a-long-password\n",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let list = run(kaamgar(d).args(["user", "list"]));
    assert!(
        list.contains("ravi\tblock_officer\tSaran / Marhaura\tactive"),
        "{list}"
    );
    for (args, input, says) in [
        (
            "user add ravi --role viewer --district Saran",
            "another-password\n",
            "already exists",
        ),
        (
            "user add x --role king --district Saran",
            "another-password\n",
            "unknown role",
        ),
        (
            "user add x --role block_officer --district Saran",
            "another-password\n",
            "needs --block",
        ),
        (
            "user add x --role viewer --district Atlantis",
            "another-password\n",
            "unknown district",
        ),
        (
            "user add x --role viewer --district Saran",
            "short\n",
            "at least 10",
        ),
    ] {
        let out = with_stdin(kaamgar(d).args(args.split(' ')), input);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let token = run(kaamgar(d).args(["user", "token", "ravi"]));
    assert!(token.trim().starts_with("kg_") && token.trim().len() == 67);
    run(kaamgar(d).args(["user", "disable", "ravi"]));
    assert!(run(kaamgar(d).args(["user", "list"])).contains("disabled"));
}

#[tokio::test]
async fn a_command_line_import_is_listed_with_the_uploads_and_audited_and_as_an_account_keeps_its_block()
 {
    use kaamgar_store::{AccountStore, DashboardStore};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let add = with_stdin(
        kaamgar(d).args([
            "user",
            "add",
            "ravi",
            "--role",
            "block_officer",
            "--district",
            "Saran",
            "--block",
            "Marhaura",
        ]),
        "a-long-password-1\n",
    );
    assert!(add.status.success());
    std::fs::write(
        d.join("l.csv"),
        "नाम,मोबाइल,उम्र,कौशल,प्रखंड,जिला\nरामू,9811100031,95,नाई,मढ़ौरा,सारण\nश्यामू,9811100032,30,नाई,सोनपुर,सारण\n",
    )
    .unwrap();
    let out = run(kaamgar(d).args(["import", "workers", "l.csv", "--as", "ravi"]));
    assert!(
        out.contains("1 imported with a warning, 1 rejected"),
        "{out}"
    );
    assert!(out.contains("1 चेतावनी सहित जोड़े गए, 1 अस्वीकृत"), "{out}");
    let report = std::fs::read_to_string(d.join("l.csv.errors.csv")).unwrap();
    assert!(
        report.contains("outside_jurisdiction") && report.contains("age_out_of_range"),
        "{report}"
    );
    // An account whose role may not upload lists is refused by the same check as on the dashboard.
    let add = with_stdin(
        kaamgar(d).args([
            "user",
            "add",
            "dekho",
            "--role",
            "viewer",
            "--district",
            "Saran",
        ]),
        "a-long-password-2\n",
    );
    assert!(add.status.success());
    let refused = kaamgar(d)
        .args(["import", "workers", "l.csv", "--as", "dekho"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("--as dekho") && err.contains("viewer may not"),
        "{err}"
    );
    // Without --as, the operator's import is listed for the service area's district.
    run(kaamgar(d).args(["import", "workers", "l.csv"]));
    let app = kaamgar::app::App::open(kaamgar::config::Config {
        database_url: format!("sqlite://{}", d.join("k.db").display()),
        ..Default::default()
    })
    .await
    .unwrap();
    let area = kaamgar_store::Area {
        district: Some("Saran".into()),
        block: None,
    };
    let uploads = app.store.list_uploads(&area, 10).await.unwrap();
    assert_eq!(uploads.len(), 2, "{uploads:?}");
    assert!(
        uploads
            .iter()
            .all(|u| u.origin == "cli" && u.status == "done")
    );
    assert_eq!(
        uploads[1].block.as_deref(),
        Some("Marhaura"),
        "the account's upload keeps its block"
    );
    assert!(
        app.store
            .upload_report(uploads[1].id)
            .await
            .unwrap()
            .is_some()
    );
    let log = app.store.audit_log(i64::MAX, 10, None).await.unwrap();
    let uploads_logged = log.iter().filter(|(_, e)| e.action == "upload").count();
    assert_eq!(uploads_logged, 2, "{log:?}");
    app.store.close().await;
}

#[test]
fn export_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(kaamgar(d).args(["demo-data", "--rows", "3000", "--output", "list.csv"]));
    run(kaamgar(d).args(["import", "workers", "list.csv"]));
    let mut child = kaamgar(d)
        .args(["export", "workers"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Read;
        let mut first = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        !err.contains("Broken pipe") && !err.contains("\u{1b}["),
        "{err}"
    );
}

/// A certificate is checked offline by the binary: a valid one passes, a changed name, an expired one and a
/// revoked one (with the issuer's status list) fail with a non-zero exit, and junk is refused with a message.
#[test]
fn certificate_verify_passes_a_valid_certificate_and_fails_a_changed_expired_or_revoked_one() {
    use kaamgar_domain::training::credential::{CONTEXT_V2, SigningKey, StatusList, did_key, sign};
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_seed(&[9; 32]);
    let (did, _) = did_key(&key.public());
    let cert = |until: &str| {
        let doc = json!({
            "@context": [CONTEXT_V2],
            "id": "urn:uuid:7",
            "type": ["VerifiableCredential", "KaamgarTrainingCertificate"],
            "issuer": did,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": until,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                "statusListIndex": "5", "statusListCredential": "https://kaamgar.example/status/1"},
            "credentialSubject": {"name": "सुनीता देवी", "programme": "Leather goods stitching"}
        });
        sign(&doc, &key, "2026-01-01T00:00:00Z").unwrap()
    };
    let list = |revoked: bool| {
        let mut bits = StatusList::new(0);
        bits.set(5, revoked);
        let doc = json!({
            "@context": [CONTEXT_V2], "id": "https://kaamgar.example/status/1",
            "type": ["VerifiableCredential", "BitstringStatusListCredential"], "issuer": did,
            "credentialSubject": {"type": "BitstringStatusList", "statusPurpose": "revocation",
                "encodedList": bits.encode()}
        });
        sign(&doc, &key, "2026-01-01T00:00:00Z").unwrap()
    };
    let write = |name: &str, v: &serde_json::Value| {
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
        p
    };
    let good = write("good.json", &cert("2099-01-01T00:00:00Z"));
    let mut changed = cert("2099-01-01T00:00:00Z");
    changed["credentialSubject"]["name"] = "सुनीता कुमारी".into();
    let changed = write("changed.json", &changed);
    let expired = write("expired.json", &cert("2026-02-01T00:00:00Z"));
    let clear = write("clear.json", &list(false));
    let revoked = write("revoked.json", &list(true));
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"\x00\xffnot json").unwrap();
    let verify = |args: &[&Path], extra: &[&str]| {
        let mut c = kaamgar(dir.path());
        c.args(["certificate", "verify"]).arg(args[0]);
        if let Some(list) = args.get(1) {
            c.arg("--status-list").arg(list);
        }
        c.args(extra);
        let out = c.output().unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, text) = verify(&[&good, &clear], &["--issuer", &did]);
    assert!(
        ok && text.contains("valid") && text.contains("checked"),
        "{text}"
    );
    let (ok, text) = verify(&[&good, &revoked], &[]);
    assert!(!ok && text.contains("REVOKED"), "{text}");
    let (ok, text) = verify(&[&changed], &[]);
    assert!(!ok && text.contains("NOT VALID"), "{text}");
    let (ok, text) = verify(&[&expired], &[]);
    assert!(!ok && text.contains("EXPIRED"), "{text}");
    let (ok, text) = verify(
        &[&good],
        &[
            "--issuer",
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        ],
    );
    assert!(!ok && text.contains("issued by"), "{text}");
    let (ok, text) = verify(&[&junk], &[]);
    assert!(!ok && text.contains("neither a JSON certificate"), "{text}");
}

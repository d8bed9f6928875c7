//! Native TLS with the real binary: HTTPS with HTTP/2 and HTTP/1.1 by ALPN, HSTS, no plain
//! HTTP on the port, and a certificate replaced on SIGHUP while an open connection carries on.
//! Certificates are made here with Debian's openssl; the client is curl trusting only the
//! certificate under test (`--cacert`).

use std::io::{BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::binary::command_for;
use crate::support::eventually::eventually;
use crate::support::{Backend, TestDatabase};

on_both_backends!(https_with_http2_and_a_certificate_replaced_on_sighup);

/// A self-signed P-256 certificate for 127.0.0.1 named `name`, written to `cert` and `key`.
fn make_certificate(dir: &Path, name: &str, cert: &Path, key: &Path) {
    let (new_cert, new_key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", &format!("/CN={name}")])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&new_key)
        .arg("-out")
        .arg(&new_cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl (Debian's openssl package)");
    assert!(made.success());
    // Replaced by rename, as deployment tools do, so a reload never reads half a file.
    std::fs::rename(&new_key, key).unwrap();
    std::fs::rename(&new_cert, cert).unwrap();
}

/// curl trusting only `ca`; the HTTP version and the response headers, or `None` when the
/// request failed (for example the certificate was not the trusted one).
fn curl(url: &str, ca: &Path, version: &str) -> Option<(String, String)> {
    let output = Command::new("curl")
        .args(["-sS", "--max-time", "5", version, "--cacert"])
        .arg(ca)
        .args([
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-w",
            "\nversion=%{http_version}",
            url,
        ])
        .output()
        .expect("curl");
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let (headers, version) = text.rsplit_once("\nversion=")?;
    Some((version.trim().to_owned(), headers.to_lowercase()))
}

async fn https_with_http2_and_a_certificate_replaced_on_sighup(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let dir = db.dir().to_owned();
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    make_certificate(&dir, "first", &cert, &key);
    let first_ca = dir.join("first-ca.pem");
    std::fs::copy(&cert, &first_ca).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("https://127.0.0.1:{port}");
    let log_path = dir.join("server.log");
    let mut server = command_for(&db)
        .env("PORTCULLIS_LISTEN", format!("127.0.0.1:{port}"))
        .env("PORTCULLIS_ISSUER", &base)
        .env("PORTCULLIS_SERVER__TLS_CERT", &cert)
        .env("PORTCULLIS_SERVER__TLS_KEY", &key)
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log_path).unwrap()))
        .spawn()
        .unwrap();
    let ready = format!("{base}/health/ready");
    eventually(Duration::from_secs(30), "the server starts", || async {
        curl(&ready, &first_ca, "--http1.1").is_some()
    })
    .await;

    let (version, headers) = curl(&ready, &first_ca, "--http2").unwrap();
    assert_eq!(version, "2", "HTTP/2 by ALPN");
    assert!(
        headers.contains("strict-transport-security: max-age=31536000"),
        "{headers}"
    );
    let (version, _) = curl(&ready, &first_ca, "--http1.1").unwrap();
    assert_eq!(version, "1.1");
    // The discovery document names the https issuer.
    let discovery = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(&first_ca)
        .arg(format!("{base}/.well-known/openid-configuration"))
        .output()
        .unwrap();
    let document: serde_json::Value = serde_json::from_slice(&discovery.stdout).unwrap();
    assert_eq!(document["issuer"], base);
    // No plain HTTP on the TLS port.
    let plain = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "5",
            &format!("http://127.0.0.1:{port}/health/live"),
        ])
        .output()
        .unwrap();
    assert!(!plain.status.success() || plain.stdout.is_empty());

    // A connection opened before the new certificate is still served after it.
    let mut open = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-CAfile",
        ])
        .arg(&first_ca)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = open.stdin.take().unwrap();
    let mut answers = BufReader::new(open.stdout.take().unwrap());
    // A first request on it, answered before the swap: the connection is up and kept alive.
    stdin
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut answers).starts_with("HTTP/1.1 200"));

    make_certificate(&dir, "second", &cert, &key);
    let second_ca = dir.join("second-ca.pem");
    std::fs::copy(&cert, &second_ca).unwrap();
    let hangup = |pid: u32| {
        Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap()
    };
    assert!(hangup(server.id()).success());
    eventually(
        Duration::from_secs(10),
        "the new certificate is served",
        || async { curl(&ready, &second_ca, "--http2").is_some() },
    )
    .await;
    assert!(
        curl(&ready, &first_ca, "--http2").is_none(),
        "new handshakes get the new certificate"
    );
    stdin
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let answer = read_response(&mut answers);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the open connection: {answer}"
    );
    drop(stdin);
    let _ = open.wait();

    // A broken file on the next SIGHUP leaves the working certificate in place.
    std::fs::write(&cert, "not a certificate").unwrap();
    assert!(hangup(server.id()).success());
    eventually(
        Duration::from_secs(10),
        "the failed reload is logged",
        || async {
            std::fs::read_to_string(&log_path)
                .is_ok_and(|log| log.contains("reloading the TLS certificate failed"))
        },
    )
    .await;
    assert!(curl(&ready, &second_ca, "--http2").is_some());
    assert!(server.try_wait().unwrap().is_none(), "still running");

    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let _ = server.wait();
}

/// One HTTP/1.1 response from `reader`: its head, and its body by `Content-Length`.
fn read_response(reader: &mut impl std::io::BufRead) -> String {
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap();
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    head + &String::from_utf8_lossy(&body)
}

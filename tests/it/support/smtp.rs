//! A loopback SMTP listener that captures every message, so tests can read the link or code out
//! of a mail the server under test really sent over SMTP. It speaks just enough of RFC 5321
//! (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One message as it arrived.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body, as sent (dot-unstuffed, CRLF line ends).
    pub data: String,
}

impl Mail {
    /// A header (first occurrence, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The `text/plain` part, decoded from its transfer encoding.
    pub fn text(&self) -> String {
        let part = self
            .data
            .split("\r\n--")
            .find(|part| {
                part.to_ascii_lowercase()
                    .contains("content-type: text/plain")
            })
            .unwrap_or_else(|| panic!("no text part in {}", self.data));
        let (head, body) = part.split_once("\r\n\r\n").unwrap_or((part, ""));
        let head = head.to_ascii_lowercase();
        if head.contains("content-transfer-encoding: base64") {
            use base64::Engine as _;
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap();
            String::from_utf8(bytes).unwrap()
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        }
    }

    /// The first 6-digit code in the text.
    pub fn code(&self) -> String {
        let text = self.text();
        text.split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .unwrap_or_else(|| panic!("no code in {text}"))
            .to_owned()
    }

    /// The first link in the text that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        let text = self.text();
        text.split_whitespace()
            .find(|word| word.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link to {prefix} in {text}"))
            .to_owned()
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Default)]
struct Inbox {
    mails: Mutex<Vec<Mail>>,
    arrived: Notify,
}

pub struct SmtpCapture {
    /// `127.0.0.1:<port>`: where the server under test should send mail.
    pub address: std::net::SocketAddr,
    inbox: Arc<Inbox>,
    server: tokio::task::JoinHandle<()>,
}

impl SmtpCapture {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    /// Listens on a given address (a port the server under test was told about while nothing
    /// listened there yet: an SMTP server that comes back).
    pub async fn start_on(address: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let inbox = Arc::new(Inbox::default());
        let shared = inbox.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, shared.clone()));
            }
        });
        Self {
            address,
            inbox,
            server,
        }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.inbox.mails.lock().unwrap().clone()
    }

    /// Every message to `recipient` so far.
    pub fn mails_to(&self, recipient: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to.eq_ignore_ascii_case(recipient)))
            .collect()
    }

    /// Waits for the `n`-th message (counting from 1) to `recipient`.
    pub async fn nth_mail_to(&self, recipient: &str, n: usize) -> Mail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let arrived = self.inbox.arrived.notified();
            if let Some(mail) = self.mails_to(recipient).into_iter().nth(n - 1) {
                return mail;
            }
            assert!(
                tokio::time::timeout_at(deadline, arrived).await.is_ok(),
                "no mail number {n} to {recipient}; got {:?}",
                self.mails()
            );
        }
    }

    /// Waits for the first message to `recipient`.
    pub async fn mail_to(&self, recipient: &str) -> Mail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let arrived = self.inbox.arrived.notified();
            if let Some(mail) = self
                .mails()
                .into_iter()
                .find(|m| m.to.iter().any(|to| to.eq_ignore_ascii_case(recipient)))
            {
                return mail;
            }
            assert!(
                tokio::time::timeout_at(deadline, arrived).await.is_ok(),
                "no mail to {recipient}; got {:?}",
                self.mails()
            );
        }
    }
}

impl Drop for SmtpCapture {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The address inside `MAIL FROM:<…>` or `RCPT TO:<…>`.
fn path(argument: &str) -> String {
    argument
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}

async fn session(stream: TcpStream, inbox: Arc<Inbox>) {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader);
    let mut mail = Mail::default();
    let reply = |text: &'static str| text.as_bytes();
    if writer
        .write_all(reply("220 capture ESMTP\r\n"))
        .await
        .is_err()
    {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => reply("250-capture\r\n250 8BITMIME\r\n"),
            "HELO" | "NOOP" => reply("250 ok\r\n"),
            "RSET" => {
                mail = Mail::default();
                reply("250 ok\r\n")
            }
            "MAIL" => {
                mail.from = path(&command);
                reply("250 ok\r\n")
            }
            "RCPT" => {
                mail.to.push(path(&command));
                reply("250 ok\r\n")
            }
            "DATA" => {
                if writer.write_all(reply("354 go on\r\n")).await.is_err() {
                    return;
                }
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the sender.
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                mail.data = data;
                inbox.mails.lock().unwrap().push(std::mem::take(&mut mail));
                inbox.arrived.notify_waiters();
                reply("250 queued\r\n")
            }
            "QUIT" => {
                let _ = writer.write_all(reply("221 bye\r\n")).await;
                return;
            }
            _ => reply("502 not implemented\r\n"),
        };
        if writer.write_all(answer).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn the_capture_records_a_message_sent_over_smtp() {
    let capture = SmtpCapture::start().await;
    let stream = TcpStream::connect(capture.address).await.unwrap();
    let (reader, mut writer) = stream.into_split();
    let mut replies = BufReader::new(reader).lines();
    assert!(
        replies
            .next_line()
            .await
            .unwrap()
            .unwrap()
            .starts_with("220")
    );
    let dialogue: [(&str, &[&str]); 4] = [
        ("EHLO test\r\n", &["250-capture", "250 8BITMIME"]),
        ("MAIL FROM:<portcullis@example.com>\r\n", &["250 ok"]),
        ("RCPT TO:<user@example.com>\r\n", &["250 ok"]),
        ("DATA\r\n", &["354 go on"]),
    ];
    for (command, expected) in dialogue {
        writer.write_all(command.as_bytes()).await.unwrap();
        for line in expected {
            assert_eq!(
                replies.next_line().await.unwrap().unwrap(),
                *line,
                "{command}"
            );
        }
    }
    writer
        .write_all(b"Subject: Your code\r\n\r\nYour code is 123456.\r\n..a dotted line\r\n.\r\n")
        .await
        .unwrap();
    assert_eq!(replies.next_line().await.unwrap().unwrap(), "250 queued");
    let mail = capture.mail_to("user@example.com").await;
    assert_eq!(mail.from, "portcullis@example.com");
    assert!(mail.data.contains("Your code is 123456."));
    assert!(
        mail.data.contains("\r\n.a dotted line\r\n"),
        "{:?}",
        mail.data
    );
}

//! Opens a page in headless Chromium over the DevTools protocol and reports
//! what a reviewer's browser would see: console errors, uncaught exceptions,
//! network requests, a JavaScript probe's answer and a screenshot.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Set to make a missing Chromium fail the test (CI sets it).
pub const REQUIRE_ENV: &str = "TWINBENCH_REQUIRE_BROWSER";

/// The Chromium binary: `$TWINBENCH_CHROMIUM`, else `chromium` or
/// `chromium-browser` on the PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TWINBENCH_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// What the page did while loading.
#[derive(Debug, Default)]
pub struct PageVisit {
    pub console_errors: Vec<String>,
    pub exceptions: Vec<String>,
    pub log_errors: Vec<String>,
    /// Every URL the page requested (the page itself included).
    pub requests: Vec<String>,
    /// The value `probe` evaluated to.
    pub probe: Value,
}

struct Browser {
    child: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the screenshot shows.
#[derive(Debug, Clone, Copy)]
pub enum Shot<'a> {
    /// The whole page, beyond the viewport.
    FullPage,
    /// The box of the first element matching this CSS selector.
    Element(&'a str),
}

/// Loads `page` (a local file), evaluates `probe` (a JavaScript expression)
/// once it has loaded, and saves a screenshot (`shot`) to `screenshot`.
pub fn visit(
    chromium: &Path,
    page: &Path,
    probe: &str,
    shot: Shot<'_>,
    screenshot: &Path,
    profile: &Path,
) -> PageVisit {
    let _ = std::fs::remove_dir_all(profile);
    std::fs::create_dir_all(profile).expect("profile dir");
    let child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--remote-debugging-port=0",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    let _browser = Browser { child };

    let port_file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    let port: u16 = loop {
        if let Some(port) = std::fs::read_to_string(&port_file)
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()))
        {
            break port;
        }
        assert!(
            Instant::now() < deadline,
            "Chromium did not open its DevTools port in 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let targets = http_get(port, "/json/list");
    let ws_url = targets
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["type"] == "page"))
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .expect("a page target")
        .to_string();

    // A full-page screenshot of a long report is one message of tens of
    // megabytes (base64): above tungstenite's 16 MiB default.
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20));
    let (mut socket, _) =
        tungstenite::client::connect_with_config(ws_url.as_str(), Some(config), 3)
            .expect("DevTools websocket");
    if let tungstenite::stream::MaybeTlsStream::Plain(s) = socket.get_mut() {
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    }
    let mut next_id = 0;
    let mut send = |socket: &mut tungstenite::WebSocket<_>, method: &str, params: Value| {
        next_id += 1;
        let message = json!({"id": next_id, "method": method, "params": params});
        socket
            .send(tungstenite::Message::text(message.to_string()))
            .expect("send to DevTools");
        next_id
    };
    for domain in [
        "Runtime.enable",
        "Log.enable",
        "Network.enable",
        "Page.enable",
    ] {
        send(&mut socket, domain, json!({}));
    }
    let url = format!(
        "file://{}",
        page.canonicalize().expect("page path").display()
    );
    send(&mut socket, "Page.navigate", json!({"url": url}));

    let mut visit = PageVisit::default();
    let mut pending_probe = None;
    let mut pending_box = None;
    let mut pending_shot = None;
    let mut loaded_at: Option<Instant> = None;
    // Generous: under a loaded CI machine a full-page screenshot of a long
    // report takes a while. A bound, not a timing assertion.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        assert!(
            Instant::now() < deadline,
            "no {} from Chromium in 300 s",
            if loaded_at.is_none() {
                "load event"
            } else if pending_shot.is_none() {
                "probe result"
            } else {
                "screenshot"
            }
        );
        // After the load event, a short grace period catches late errors
        // and requests; then probe, then screenshot.
        if let Some(at) = loaded_at {
            if pending_probe.is_none() && at.elapsed() > Duration::from_millis(700) {
                pending_probe = Some(send(
                    &mut socket,
                    "Runtime.evaluate",
                    json!({"expression": probe, "returnByValue": true}),
                ));
            }
        }
        let message = match socket.read() {
            Ok(tungstenite::Message::Text(text)) => text,
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) => panic!("DevTools connection: {e}"),
        };
        let event: Value = serde_json::from_str(message.as_str()).expect("DevTools JSON");
        match event["method"].as_str() {
            Some("Page.loadEventFired") => loaded_at = Some(Instant::now()),
            Some("Network.requestWillBeSent") => {
                if let Some(u) = event["params"]["request"]["url"].as_str() {
                    visit.requests.push(u.to_string());
                }
            }
            Some("Runtime.consoleAPICalled") => {
                let kind = event["params"]["type"].as_str().unwrap_or("");
                if matches!(kind, "error" | "assert" | "warning") {
                    visit
                        .console_errors
                        .push(event["params"]["args"].to_string());
                }
            }
            Some("Runtime.exceptionThrown") => {
                visit
                    .exceptions
                    .push(event["params"]["exceptionDetails"].to_string());
            }
            Some("Log.entryAdded") if event["params"]["entry"]["level"] == "error" => {
                visit
                    .log_errors
                    .push(event["params"]["entry"]["text"].to_string());
            }
            _ => {}
        }
        let id = event["id"].as_i64();
        let mut screenshot_params = None;
        if id.is_some() && id == pending_probe.map(i64::from) {
            visit.probe = event["result"]["result"]["value"].clone();
            match shot {
                Shot::FullPage => {
                    screenshot_params =
                        Some(json!({"format": "png", "captureBeyondViewport": true}));
                }
                Shot::Element(selector) => {
                    let expression = format!(
                        "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); \
                         return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]; }})()"
                    );
                    pending_box = Some(send(
                        &mut socket,
                        "Runtime.evaluate",
                        json!({"expression": expression, "returnByValue": true}),
                    ));
                }
            }
        } else if id.is_some() && id == pending_box.map(i64::from) {
            let rect = &event["result"]["result"]["value"];
            let at = |i: usize| {
                rect[i]
                    .as_f64()
                    .unwrap_or_else(|| panic!("no box for the screenshot: {event}"))
            };
            screenshot_params = Some(json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": at(0), "y": at(1), "width": at(2), "height": at(3), "scale": 1},
            }));
        } else if id.is_some() && id == pending_shot.map(i64::from) {
            let data = event["result"]["data"].as_str().expect("screenshot data");
            std::fs::write(screenshot, base64_decode(data)).expect("write screenshot");
            return visit;
        }
        if let Some(params) = screenshot_params {
            pending_shot = Some(send(&mut socket, "Page.captureScreenshot", params));
        }
    }
}

fn http_get(port: u16, path: &str) -> Value {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("DevTools HTTP");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    // Chromium keeps the connection open; read exactly Content-Length bytes.
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).expect("response");
        assert!(n > 0, "DevTools closed the connection early");
        bytes.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&bytes);
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .expect("Content-Length");
            if bytes.len() >= end + 4 + length {
                return serde_json::from_slice(&bytes[end + 4..end + 4 + length])
                    .expect("DevTools JSON list");
            }
        }
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

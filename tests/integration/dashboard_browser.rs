//! The dashboard in a real headless Chromium, driven over the DevTools protocol as a person
//! would use it: the pages load without console errors, the charts are laid out, the 整改
//! response and the manual-verdict forms are filled in and submitted by the browser, a
//! hostile note is shown as text and never runs, and a stored page with a live `onerror`
//! handler stays inert in its sandbox (while the same markup outside it does run: the
//! control that proves the check can see a script run).
//!
//! Behind the `browser-tests` feature; `.ci/run` installs Chromium. Without a browser these
//! tests fail, never skip.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::Message;

use crate::dashboard::{HOSTILE, manual_leaf, office, serve};
use crate::report_browser::chromium;

/// A headless Chromium with the DevTools protocol on a free port; killed when dropped.
struct Browser {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--window-size=1280,1600",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        // Chromium writes the port it chose to DevToolsActivePort in its profile.
        let file = profile.path().join("DevToolsActivePort");
        let started = Instant::now();
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&file)
                && let Some(port) = text.lines().next().and_then(|l| l.trim().parse::<u16>().ok())
            {
                break port;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "chromium did not open DevTools"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        Browser {
            child,
            port,
            _profile: profile,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One tab, spoken to over its WebSocket.
struct Tab {
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    next_id: u64,
    events: Vec<Value>,
}

impl Tab {
    fn open(browser: &Browser) -> Tab {
        // A raw HTTP PUT: /json/new answers with the tab's WebSocket address.
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", browser.port)).unwrap();
        write!(
            stream,
            "PUT /json/new?about:blank HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            browser.port
        )
        .unwrap();
        // DevTools keeps the connection open: read the headers, then Content-Length bytes.
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while !answer.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("DevTools answers /json/new");
            answer.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("a Content-Length from /json/new");
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).unwrap();
        let json = String::from_utf8(body).unwrap();
        let target: Value = serde_json::from_str(json.trim()).unwrap();
        let url = target["webSocketDebuggerUrl"].as_str().unwrap().to_string();
        let (socket, _) = tungstenite::connect(url).expect("DevTools WebSocket");
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = socket.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        }
        let mut tab = Tab {
            socket,
            next_id: 1,
            events: Vec::new(),
        };
        tab.call("Page.enable", json!({}));
        tab.call("Runtime.enable", json!({}));
        tab.call("Log.enable", json!({}));
        tab
    }

    fn read(&mut self) -> Value {
        loop {
            match self.socket.read().expect("DevTools message") {
                Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
                Message::Close(_) => panic!("DevTools closed the tab"),
                _ => continue,
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket.send(Message::Text(message.into())).unwrap();
        loop {
            let m = self.read();
            if m["id"].as_u64() == Some(id) {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
            self.events.push(m);
        }
    }

    /// Waits for an event (kept or new), up to `timeout`; `None` if it never came.
    fn wait_for(&mut self, method: &str, timeout: Duration) -> Option<Value> {
        let started = Instant::now();
        loop {
            if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
                return Some(self.events.remove(i));
            }
            if started.elapsed() > timeout {
                return None;
            }
            // A short read timeout polls for events without hanging.
            if let tungstenite::stream::MaybeTlsStream::Plain(s) = self.socket.get_ref() {
                s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            }
            let got = self.socket.read();
            if let tungstenite::stream::MaybeTlsStream::Plain(s) = self.socket.get_ref() {
                s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            }
            match got {
                Ok(Message::Text(text)) => self.events.push(serde_json::from_str(text.as_str()).unwrap()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("DevTools: {e}"),
            }
        }
    }

    fn goto(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({"url": url}));
        assert!(
            self.wait_for("Page.loadEventFired", Duration::from_secs(30)).is_some(),
            "{url} did not load"
        );
    }

    /// Evaluates JavaScript in the page (DevTools is not bound by the page's CSP).
    fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    /// Fills a form by field name and submits it as a click on its button would; waits for
    /// the page the browser lands on.
    fn submit(&mut self, form_selector: &str, fields: &[(&str, &str)]) {
        let mut script = format!("(() => {{ const f = document.querySelector({}); ", json!(form_selector));
        for (name, value) in fields {
            script.push_str(&format!("f.elements[{}].value = {}; ", json!(name), json!(value)));
        }
        script.push_str("f.requestSubmit(); return true; })()");
        self.events.clear();
        assert_eq!(self.eval(&script), json!(true));
        assert!(
            self.wait_for("Page.loadEventFired", Duration::from_secs(30)).is_some(),
            "the form's answer did not load"
        );
    }

    /// Problems the page logged: exceptions, console errors, refused loads.
    fn console_errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| {
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
                    || (e["method"] == "Log.entryAdded" && e["params"]["entry"]["level"] == "error")
            })
            .map(Value::to_string)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_chromium_and_nothing_hostile_runs() {
    let office = office().await;
    let db = office.store.store.clone();
    let origin = serve(&db, &office.catalog).await;
    let overdue = db
        .ledger(None)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status == "overdue")
        .expect("an overdue problem");
    let leaf = manual_leaf(&office.catalog);
    let hostile_page = db
        .run_fetches(office.runs.0)
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.url.ends_with("/art/2025/6/16/art_6037_3001818.html"))
        .and_then(|f| f.sha256)
        .expect("the fixture's hostile letter was stored");

    let unit = overdue.unit.clone();
    let page_origin = origin.clone();
    tokio::task::spawn_blocking(move || {
        let origin = page_origin;
        let browser = Browser::start();
        let mut tab = Tab::open(&browser);

        // Every view loads cleanly.
        for path in [
            "/",
            "/verdicts",
            "/tree",
            "/units",
            "/trends",
            "/diff",
            "/rectify",
            "/manual",
        ] {
            tab.goto(&format!("{origin}{path}"));
            assert_eq!(
                tab.eval("document.querySelector('nav a.on') !== null"),
                json!(true),
                "{path}"
            );
            let errors = tab.console_errors();
            assert!(errors.is_empty(), "{path}: {errors:#?}");
            assert!(
                !tab.events.iter().any(|e| e["method"] == "Page.javascriptDialogOpening"),
                "{path} ran a script"
            );
        }
        // The fixture letter titled 「网站出现<script>alert(1)</script>字样的反映」 is cited in a
        // reason on /verdicts: shown as typed, not run.
        tab.goto(&format!("{origin}/verdicts"));
        assert_eq!(
            tab.eval("document.body.innerText.includes('网站出现<script>alert(1)</script>字样的反映')"),
            json!(true)
        );
        assert_eq!(tab.eval("document.querySelectorAll('script').length"), json!(0));
        assert!(
            tab.wait_for("Page.javascriptDialogOpening", Duration::from_millis(500))
                .is_none()
        );

        // The charts are laid out: lines with a width and height on the page.
        tab.goto(&format!("{origin}/trends"));
        let chart = tab.eval(
            "(() => { const l = [...document.querySelectorAll('svg polyline')]; \
             const b = l.length ? l[0].getBoundingClientRect() : {width: 0, height: 0}; \
             return {lines: l.length, width: b.width, height: b.height}; })()",
        );
        assert!(chart["lines"].as_u64().unwrap() >= 2, "{chart}");
        assert!(chart["width"].as_f64().unwrap() > 100.0, "{chart}");

        // The 整改 response, typed into the unit page's form and submitted by the browser.
        tab.goto(&format!("{origin}/unit?name={}", zwgk::dashboard::encode(&unit)));
        tab.submit(
            &format!("tr#r{} form", overdue.id),
            &[
                ("response", "已在栏目补发2025年12月信息。"),
                ("responder", "办公室 赵六"),
            ],
        );
        let landed = tab.eval("location.pathname + location.search");
        assert!(landed.as_str().unwrap().starts_with("/unit?name="), "{landed}");
        assert_eq!(
            tab.eval("document.body.innerText.includes('已在栏目补发2025年12月信息。')"),
            json!(true)
        );

        // A manual verdict with a hostile note, through the leaf page's form.
        tab.goto(&format!("{origin}/leaf?id={}", zwgk::dashboard::encode(&leaf)));
        tab.submit(
            "form[action='/manual']",
            &[
                ("status", "partial"),
                ("note", HOSTILE),
                ("assessor", "评估组 钱七"),
                ("expires", "2099-06-30"),
            ],
        );
        let text = tab.eval("document.body.innerText");
        let text = text.as_str().unwrap();
        assert!(text.contains("人工评价已保存"), "{text}");
        assert!(text.contains("评估组 钱七") && text.contains("2099-06-30"));
        assert!(
            text.contains("<script>document.title='pwned'</script>"),
            "the note is shown as text"
        );
        assert_eq!(
            tab.eval("document.body.hasAttribute('data-pwned') || document.title === 'pwned'"),
            json!(false),
            "the hostile note ran"
        );
        assert!(
            tab.wait_for("Page.javascriptDialogOpening", Duration::from_millis(500))
                .is_none()
        );

        // The stored letter carries a real <img onerror=alert(1)>: inert in its sandbox.
        tab.goto(&format!("{origin}/snapshot/{hostile_page}"));
        assert_eq!(
            tab.eval("document.querySelectorAll('img[onerror]').length > 0"),
            json!(true)
        );
        assert!(
            tab.wait_for("Page.javascriptDialogOpening", Duration::from_secs(2))
                .is_none(),
            "a script of the stored page ran"
        );
        // The control: the same markup outside the sandbox does raise the dialog, so the
        // checks above can see a script run.
        tab.events.clear();
        tab.call(
            "Page.navigate",
            json!({"url": "data:text/html,<img src=x onerror=alert(1)>"}),
        );
        assert!(
            tab.wait_for("Page.javascriptDialogOpening", Duration::from_secs(10))
                .is_some(),
            "the control page's script did not run: the dialog check is blind"
        );
        tab.call("Page.handleJavaScriptDialog", json!({"accept": true}));
    })
    .await
    .unwrap();

    // What the browser submitted reached the store.
    let item = db.rectification(overdue.id).await.unwrap().unwrap();
    assert_eq!(item.responder.as_deref(), Some("办公室 赵六"));
    let manual = db.manual_verdicts(None, false).await.unwrap();
    assert_eq!(manual.len(), 1);
    assert_eq!(manual[0].note, HOSTILE);
    assert_eq!(manual[0].status, "partial");
}

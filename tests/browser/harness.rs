//! The browser: chromedriver on a free loopback port in a process group of its own (killed as a
//! whole when dropped, so that no Chromium outlives its test), a headless Chromium session with
//! JavaScript on or off, and the few steps the tests take in it.
//!
//! Tools, found by environment variable or at Debian's paths:
//! - `CHROMEDRIVER` (`/usr/bin/chromedriver`) and `CHROMIUM` (`/usr/lib/chromium/chromium`, else
//!   `/usr/bin/chromium`): Debian's `chromium-driver` and `chromium`, always the same version;
//! - `AXE_CORE_JS`: axe-core's `axe.min.js` (default `target/axe/node_modules/axe-core/axe.min.js`
//!   under the repository, where `.ci/run` installs it from npm).
//!
//! Without them a test prints `SKIPPED:` on stderr and passes, unless `TEST_BROWSER_REQUIRED=1`
//! (set by `.ci/run`), which makes it fail instead. When `TEST_BROWSER_LOG` names a file, every
//! test that opened a browser appends its name, so that `.ci/run` can check they ran on both
//! backends. `TEST_BROWSER_JOBS` (default 2) is how many browsers run at once.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};

/// The programs and script the browser tests need.
#[derive(Debug, Clone)]
pub struct Tools {
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
    pub axe: PathBuf,
}

fn path_from_env(name: &str, defaults: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(name).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    defaults
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(defaults[0]))
}

/// The tools, or `None` (after a `SKIPPED:` notice) if one is missing and they are not required.
pub fn tools() -> Option<Tools> {
    let default_axe = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/axe/node_modules/axe-core/axe.min.js"
    );
    let tools = Tools {
        chromedriver: path_from_env("CHROMEDRIVER", &["/usr/bin/chromedriver"]),
        chromium: path_from_env(
            "CHROMIUM",
            &["/usr/lib/chromium/chromium", "/usr/bin/chromium"],
        ),
        axe: path_from_env("AXE_CORE_JS", &[default_axe]),
    };
    let missing: Vec<String> = [
        ("chromedriver (CHROMEDRIVER)", &tools.chromedriver),
        ("Chromium (CHROMIUM)", &tools.chromium),
        ("axe-core's axe.min.js (AXE_CORE_JS)", &tools.axe),
    ]
    .into_iter()
    .filter(|(_, path)| !path.is_file())
    .map(|(what, path)| format!("{what} at {}", path.display()))
    .collect();
    if missing.is_empty() {
        return Some(tools);
    }
    let what = missing.join(", ");
    if std::env::var("TEST_BROWSER_REQUIRED").is_ok_and(|v| v == "1") {
        panic!("TEST_BROWSER_REQUIRED=1 but the browser tests cannot run: missing {what}");
    }
    // Straight to stderr: the harness captures `eprintln!` and shows it only for failing tests,
    // and a skipped test passes.
    writeln!(
        std::io::stderr(),
        "SKIPPED: the browser tests need {what} (apt-get install chromium chromium-driver; \
         npm install --prefix target/axe axe-core; or run .ci/run)"
    )
    .expect("stderr is writable");
    None
}

/// How many browsers may run at once: each is a few processes, and the machine may be small.
struct Permits {
    used: Mutex<usize>,
    freed: Condvar,
}

static PERMITS: Permits = Permits {
    used: Mutex::new(0),
    freed: Condvar::new(),
};

struct Permit;

impl Permit {
    fn take() -> Self {
        let limit = std::env::var("TEST_BROWSER_JOBS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(2);
        let mut used = PERMITS.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used >= limit {
            used = PERMITS.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += 1;
        Self
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut used = PERMITS.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= 1;
        PERMITS.freed.notify_one();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver, in a process group of its own; the browsers it starts join the group, and the
/// whole group is killed on drop, even when a test fails before closing its session.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(tools: &Tools) -> Self {
        let port = free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The process group has the id of its leader, chromedriver.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What kind of browser a test wants.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    pub javascript: bool,
    pub width: u32,
    pub height: u32,
}

impl Mode {
    /// A phone (390 × 844) with JavaScript turned off.
    pub const PHONE_WITHOUT_JS: Self = Self {
        javascript: false,
        width: 390,
        height: 844,
    };
    /// A small phone (320 px, the width WCAG's reflow criterion names) with JavaScript on, for
    /// axe-core.
    pub const NARROW_WITH_JS: Self = Self {
        javascript: true,
        width: 320,
        height: 800,
    };
}

/// A browser session on the test server: the client and the address of the app.
pub struct Browser {
    pub client: Client,
    base: String,
    pub tools: Tools,
    pub mode: Mode,
}

/// Opens a browser in `mode` on the app at `base` (`http://127.0.0.1:PORT`), runs `body` with
/// it, and closes it whatever happens; a failing body's page is saved (screenshot and source)
/// under the temporary directory, and its panic goes on.
pub async fn with_browser(tools: &Tools, base: &str, mode: Mode, body: impl AsyncFnOnce(&Browser)) {
    let _permit = Permit::take();
    let driver = Driver::start(tools);
    let profile = tempfile::tempdir().unwrap();
    let mut prefs = json!({ "intl.accept_languages": "fi-FI,fi" });
    if !mode.javascript {
        prefs["profile.managed_default_content_settings.javascript"] = json!(2);
    }
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": tools.chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=fi-FI",
                "--hide-scrollbars", "--force-device-scale-factor=1",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={},{}", mode.width.max(500), mode.height),
            ],
            "prefs": prefs,
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("capabilities are an object")
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session starts");
    // Headless Chromium keeps windows at least 500 px wide when started; a resize afterwards
    // makes the viewport the width asked for.
    client
        .set_window_size(mode.width, mode.height)
        .await
        .expect("the window can be resized");
    // The mode took: `<noscript>` shows exactly when JavaScript is off.
    client
        .goto("data:text/html,%3Cnoscript%3E%3Cp%20id=off%3Eoff%3C/p%3E%3C/noscript%3E")
        .await
        .unwrap();
    let noscript_shown = !client
        .find_all(Locator::Id("off"))
        .await
        .unwrap()
        .is_empty();
    assert_eq!(
        noscript_shown,
        !mode.javascript,
        "JavaScript is not {} in the browser",
        if mode.javascript { "on" } else { "off" }
    );
    log_started();
    let browser = Browser {
        client,
        base: base.trim_end_matches('/').to_owned(),
        tools: tools.clone(),
        mode,
    };
    let outcome = AssertUnwindSafe(body(&browser)).catch_unwind().await;
    if outcome.is_err() {
        browser.save_failure().await;
    }
    let _ = browser.client.close().await;
    drop(driver);
    drop(profile);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Appends the running test's name to `TEST_BROWSER_LOG`, if set.
fn log_started() {
    let Some(path) = std::env::var_os("TEST_BROWSER_LOG").filter(|p| !p.is_empty()) else {
        return;
    };
    let name = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_owned();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("TEST_BROWSER_LOG can be written");
    writeln!(file, "{name}").expect("TEST_BROWSER_LOG can be written");
}

/// The keys of a text, one press each.
fn typing(keys: &str) -> KeyActions {
    let mut actions = KeyActions::new("keyboard".to_owned());
    for key in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    actions
}

/// A key as the WebDriver protocol names it.
pub fn key(k: Key) -> char {
    k.chars().next().expect("a key is one character")
}

impl Browser {
    /// The full address of `path` on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// Opens a page made of `html` (a `data:` address).
    pub async fn goto_data(&self, html: &str) {
        let encoded: String = form_urlencoded::byte_serialize(html.as_bytes()).collect();
        self.client
            .goto(&format!(
                "data:text/html;charset=utf-8,{}",
                encoded.replace('+', "%20")
            ))
            .await
            .unwrap();
    }

    /// The address bar: path and query, after any redirect.
    pub async fn location(&self) -> url::Url {
        self.client.current_url().await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.location().await.path().to_owned()
    }

    pub async fn title(&self) -> String {
        self.client.title().await.unwrap()
    }

    #[track_caller]
    pub fn find(&self, css: &str) -> impl Future<Output = Element> + '_ {
        let css = css.to_owned();
        let caller = std::panic::Location::caller();
        async move {
            match self.client.find(Locator::Css(&css)).await {
                Ok(element) => element,
                Err(e) => panic!(
                    "{caller}: no `{css}` on {}: {e}",
                    self.client
                        .current_url()
                        .await
                        .map(|u| u.to_string())
                        .unwrap_or_default()
                ),
            }
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.find_all(css).await.is_empty()
    }

    /// The visible text of the first `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// Clicks the link or button whose text is exactly `text`.
    pub async fn click_text(&self, text: &str) {
        let xpath = format!(
            "//a[normalize-space(.)={q}] | //button[normalize-space(.)={q}]",
            q = xpath_literal(text)
        );
        let found = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no link or button {text:?} on the page: {e}"));
        self.click_to_next_page(&found).await;
    }

    /// Marks the page on screen, so that `wait_for_next_page` can tell when another replaced it.
    async fn mark_page(&self) {
        self.js("window.__janeSeatsOldPage = true", vec![]).await;
    }

    /// Waits until a page not marked by `mark_page` has loaded: a click or a key press that
    /// sends a form may return before the browser has the answer.
    async fn wait_for_next_page(&self) {
        let started = Instant::now();
        loop {
            // Between pages, the script may fail: no page to run it in yet.
            let loaded = self
                .client
                .execute(
                    "return window.__janeSeatsOldPage !== true && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no new page loaded"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Clicks a link or button that leads to another page, and waits for it.
    pub async fn click_to_next_page(&self, element: &Element) {
        self.mark_page().await;
        element.click().await.unwrap();
        self.wait_for_next_page().await;
    }

    /// Presses keys that lead to another page (Enter on a button), and waits for it.
    pub async fn press_to_next_page(&self, keys: &str) {
        self.mark_page().await;
        self.press(keys).await;
        self.wait_for_next_page().await;
    }

    /// Runs a script in the page (WebDriver's, so it runs with the page's JavaScript off too).
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The focused element's id (or its tag name if it has none).
    pub async fn focused(&self) -> String {
        self.js(
            "const e = document.activeElement; return e ? (e.id || e.tagName.toLowerCase()) : ''",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Presses keys (text or `key(Key::…)` characters) on whatever has the focus.
    pub async fn press(&self, keys: &str) {
        self.client
            .perform_actions(typing(keys))
            .await
            .expect("keys can be pressed");
        self.client.release_actions().await.unwrap();
    }

    /// Presses Shift+Tab.
    pub async fn shift_tab(&self) {
        let (shift, tab) = (key(Key::Shift), key(Key::Tab));
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: shift })
            .then(KeyAction::Down { value: tab })
            .then(KeyAction::Up { value: tab })
            .then(KeyAction::Up { value: shift });
        self.client.perform_actions(actions).await.unwrap();
        self.client.release_actions().await.unwrap();
    }

    /// Asserts that the page does not scroll sideways at this window's width (WCAG 1.4.10).
    pub async fn assert_no_sideways_scrolling(&self) {
        let sizes = self
            .js(
                "return [document.documentElement.scrollWidth, window.innerWidth]",
                vec![],
            )
            .await;
        let (scroll, inner) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
        assert_eq!(
            inner,
            u64::from(self.mode.width),
            "the window is not {} px wide",
            self.mode.width
        );
        assert!(
            scroll <= inner,
            "{} scrolls sideways at {inner} px: the page is {scroll} px wide",
            self.location().await
        );
    }

    /// axe-core's WCAG 2.1 A and AA violations on the page (needs JavaScript on).
    pub async fn axe_violations(&self) -> Vec<Value> {
        let source = std::fs::read_to_string(&self.tools.axe)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", self.tools.axe.display()));
        self.js(&source, vec![]).await;
        let result = self
            .client
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                axe.run(document, {
                    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
                    resultTypes: ['violations'],
                })
                .then(r => done({ ok: true, violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({ target: n.target.join(' '), html: n.html,
                                               summary: n.failureSummary })),
                })) }))
                .catch(e => done({ ok: false, error: String(e) }));
                "#,
                vec![],
            )
            .await
            .expect("axe.run finishes");
        assert_eq!(result["ok"], true, "axe failed: {result}");
        result["violations"].as_array().cloned().unwrap_or_default()
    }

    /// A PNG of the whole page at the window's width: the window is made as tall as the page.
    pub async fn full_page_screenshot(&self) -> Vec<u8> {
        let heights = self
            .js(
                "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]",
                vec![],
            )
            .await;
        let (page, chrome) = (heights[0].as_u64().unwrap(), heights[1].as_u64().unwrap());
        self.client
            .set_window_size(
                self.mode.width,
                u32::try_from(page + chrome).expect("a page of sensible height"),
            )
            .await
            .unwrap();
        let png = self.client.screenshot().await.unwrap();
        self.client
            .set_window_size(self.mode.width, self.mode.height)
            .await
            .unwrap();
        png
    }

    /// Keeps the page of a failed test: a screenshot and its source.
    async fn save_failure(&self) {
        let dir = std::env::temp_dir().join("jane-seats-browser-failures");
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let name = std::thread::current()
            .name()
            .unwrap_or("test")
            .replace("::", "-");
        let base: PathBuf = dir.join(name);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(base.with_extension("png"), png);
        }
        if let Ok(source) = self.client.source().await {
            let _ = std::fs::write(base.with_extension("html"), source);
        }
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "browser test failed on {url}; page saved as {}.png/.html",
            base.display()
        );
    }
}

/// `text` as an XPath string literal.
fn xpath_literal(text: &str) -> String {
    if !text.contains('"') {
        format!("\"{text}\"")
    } else if !text.contains('\'') {
        format!("'{text}'")
    } else {
        let parts: Vec<String> = text.split('"').map(|p| format!("\"{p}\"")).collect();
        format!("concat({})", parts.join(", '\"', "))
    }
}

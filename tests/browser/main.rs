//! Browser tests: the pages in a real headless Chromium, driven over WebDriver (chromedriver and
//! fantoccini), against the real app on a fresh database, on SQLite always and on PostgreSQL when
//! `TEST_POSTGRES_URL` was set at build time (see build.rs).
//!
//! - `journey`: the applicant's whole journey with JavaScript off on a phone-sized window, and a
//!   selected applicant confirming a seat from the outcome email's link;
//! - `pages`: every page in Finnish and Swedish against axe-core's WCAG 2.1 A and AA rules, at
//!   320 px without sideways scrolling, under 50 kB with its stylesheet, loading nothing from
//!   elsewhere;
//! - `keyboard`: the form completed with the keyboard only;
//! - `screenshots`: every page at 390 px; `UPDATE_SCREENSHOTS=1` writes them to `docs/pages/`.
//!
//! They need chromedriver, Chromium and axe-core (`.ci/run` installs them; see `harness`).
//! Without them they are skipped with a `SKIPPED:` notice, or fail when `TEST_BROWSER_REQUIRED=1`.

#[path = "../api/support.rs"]
#[expect(
    dead_code,
    reason = "the API tests' support module, of which these tests use a part"
)]
mod support;

mod harness;
mod scenario;

mod journey;
mod keyboard;
mod pages;
mod screenshots;

//! Every page at 390 px wide, in Finnish, as a phone shows it: checked for sideways scrolling
//! and, with `UPDATE_SCREENSHOTS=1`, written to `docs/pages/` for the README:
//!
//! ```sh
//! UPDATE_SCREENSHOTS=1 cargo test --test browser -- screenshots
//! ```
//!
//! Runs on SQLite only: the pictures do not depend on the database.

use crate::harness::{Mode, tools, with_browser};
use crate::pages::{every_page, open};
use crate::support::{Backend, TestApp};

/// The width of a PNG, from its header.
fn png_width(png: &[u8]) -> u32 {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    u32::from_be_bytes(png[16..20].try_into().unwrap())
}

#[actix_web::test]
async fn every_page_at_390_px() {
    let Some(tools) = tools() else { return };
    let app = TestApp::start(Backend::Sqlite).await;
    let update = std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/pages");
    with_browser(&tools, &app.url("/"), Mode::PHONE_WITHOUT_JS, async |b| {
        let pages = every_page(&app, b).await;
        let form = pages
            .iter()
            .find(|p| p.name == "03-form")
            .and_then(|p| p.path.clone())
            .unwrap();
        for page in &pages {
            open(b, page, &form, "fi").await;
            b.assert_no_sideways_scrolling().await;
            let png = b.full_page_screenshot().await;
            assert_eq!(png_width(&png), 390, "{}", page.name);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("{}.png", page.name)), png).unwrap();
            }
        }
    })
    .await;
}

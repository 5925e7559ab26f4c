//! The application form completed with the keyboard only (JavaScript off, a phone-sized
//! window): the skip link, Tab and Shift+Tab through the fields in the order they are shown,
//! typing, type-ahead and arrow keys in the lists and radio buttons, Space for the checkboxes, a
//! refused form's error summary followed to its field with Enter, and Enter on the button.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use crate::db_tests;
use crate::harness::{Browser, Mode, key, tools, with_browser};
use crate::scenario::{self, business_id};
use crate::support::TestApp;

db_tests!(the_form_can_be_completed_with_the_keyboard_only);

/// Presses Tab once and asserts where the focus went.
#[track_caller]
fn tab_to<'a>(b: &'a Browser, expected: &'a str) -> impl Future<Output = ()> + 'a {
    let caller = std::panic::Location::caller();
    async move {
        b.press(&key(Key::Tab).to_string()).await;
        assert_eq!(b.focused().await, expected, "{caller}: Tab went elsewhere");
    }
}

/// Presses Tab until `expected` has the focus (at most `limit` times).
async fn tab_until(b: &Browser, expected: &str, limit: usize) {
    for _ in 0..limit {
        b.press(&key(Key::Tab).to_string()).await;
        if b.focused().await == expected {
            return;
        }
    }
    panic!("{limit} presses of Tab did not reach {expected}");
}

async fn value(b: &Browser, css: &str) -> String {
    b.find(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn the_form_can_be_completed_with_the_keyboard_only(app: TestApp) {
    let Some(tools) = tools() else { return };
    let site = scenario::site(&app, false).await;
    let (tab, space, enter, down) = (
        key(Key::Tab).to_string(),
        key(Key::Space).to_string(),
        key(Key::Enter).to_string(),
        key(Key::Down).to_string(),
    );
    with_browser(&tools, &app.url("/"), Mode::PHONE_WITHOUT_JS, async |b| {
        b.goto(&format!("/calls/{}/apply", site.open_call)).await;

        // The first Tab reaches the skip link, which takes the focus to the main content.
        b.press(&tab).await;
        assert_eq!(
            b.js("return document.activeElement.textContent", vec![])
                .await,
            "Siirry pääsisältöön"
        );
        b.press(&enter).await;
        assert_eq!(b.focused().await, "main");
        tab_until(b, "association-name", 3).await;

        b.press("Liperin Kyläyhdistys ry").await;
        tab_to(b, "association-business_id").await;
        b.press("1234567-8").await; // a wrong check digit, put right below
        tab_to(b, "association-register_number").await;
        b.press("123.456").await;
        tab_to(b, "association-municipality_code").await;
        b.press("Liperi").await; // type-ahead in the list
        tab_to(b, "candidate-first_name").await;
        b.press("Aino").await;
        tab_to(b, "candidate-last_name").await;
        b.press("Mäkelä").await;
        tab_to(b, "candidate-email").await;
        b.shift_tab().await;
        assert_eq!(
            b.focused().await,
            "candidate-last_name",
            "Shift+Tab goes back"
        );
        tab_to(b, "candidate-email").await;
        b.press("aino@example.org").await;
        tab_to(b, "candidate-phone").await;
        b.press("040 123 4567").await;
        tab_to(b, "candidate-municipality_code").await;
        b.press("Kitee").await;
        // A radio group is one stop: Space picks the first choice, arrows move the choice.
        tab_to(b, "candidate-gender").await;
        b.press(&space).await;
        tab_to(b, "candidate-language").await;
        b.press(&down).await;
        assert_eq!(b.focused().await, "candidate-language-sv");
        tab_to(b, "theme").await;
        b.press(&down).await;
        tab_to(b, "role_preference").await;
        b.press(&down).await;
        b.press(&down).await;
        assert_eq!(b.focused().await, "role_preference-either");
        tab_to(b, "motivation").await;
        b.press("Haluan viedä kylien ääntä JANEen.").await;
        tab_to(b, "commitments-has_time").await;
        b.press(&space).await;
        tab_to(b, "commitments-will_liaise").await;
        b.press(&space).await;
        tab_to(b, "a").await; // the privacy notice, read before consenting
        tab_to(b, "consent-accepted").await;
        b.press(&space).await;
        tab_to(b, "button").await;
        // What the keys chose.
        assert_eq!(value(b, "#association-municipality_code").await, "426");
        assert_eq!(value(b, "#candidate-municipality_code").await, "260");
        assert_eq!(value(b, "#theme").await, "sports");
        b.press_to_next_page(&enter).await;

        // Refused: the focus is on the summary; its link leads to the field.
        assert!(b.title().await.starts_with("Virhe: "));
        assert_eq!(
            b.js("return document.activeElement.className", vec![])
                .await,
            "error-summary"
        );
        tab_to(b, "a").await;
        assert_eq!(
            b.js("return document.activeElement.getAttribute('href')", vec![])
                .await,
            "#association-business_id"
        );
        b.press(&enter).await;
        assert_eq!(b.focused().await, "association-business_id");
        // Select what was typed and type over it.
        let (control, a) = (key(Key::Control), 'a');
        b.client
            .perform_actions(
                KeyActions::new("keyboard".to_owned())
                    .then(KeyAction::Down { value: control })
                    .then(KeyAction::Down { value: a })
                    .then(KeyAction::Up { value: a })
                    .then(KeyAction::Up { value: control }),
            )
            .await
            .unwrap();
        b.client.release_actions().await.unwrap();
        let fixed = business_id(3);
        b.press(&fixed).await;
        assert_eq!(value(b, "#association-business_id").await, fixed);
        tab_until(b, "button", 40).await;
        b.press_to_next_page(&enter).await;

        // The receipt, with what was chosen by keyboard.
        assert!(b.path().await.ends_with("/receipt"), "{}", b.path().await);
        assert_eq!(b.text("h1").await, "Hakemus vastaanotettu");
        let sent = b.text(".summary").await;
        for expected in [
            "Liperin Kyläyhdistys ry",
            fixed.as_str(),
            "Aino",
            "Mäkelä",
            "aino@example.org",
            "Nainen",
            "ruotsi",
            "Kumpi tahansa",
            "Haluan viedä kylien ääntä JANEen.",
        ] {
            assert!(sent.contains(expected), "{expected:?} not in {sent}");
        }
    })
    .await;
}

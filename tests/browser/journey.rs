//! The applicant's journey with JavaScript off on a phone-sized window (390 × 844): from the
//! list of calls to a refused form (a bad Y-tunnus), the error summary, the fix, the receipt, the
//! email's link, an edit and a withdrawal; and a selected applicant confirming the seat from the
//! outcome email's link.

use crate::db_tests;
use crate::harness::{Browser, Mode, tools, with_browser};
use crate::scenario::{self, business_id};
use crate::support::TestApp;

db_tests!(
    an_applicant_applies_fixes_an_error_edits_and_withdraws_without_javascript,
    a_selected_applicant_confirms_the_seat_from_the_outcome_email,
);

/// Fills the application form as a person would, with `business_id` as the Y-tunnus.
async fn fill_form(b: &Browser, business_id: &str) {
    for (id, text) in [
        ("association-name", "Liperin Kyläyhdistys ry"),
        ("association-business_id", business_id),
        ("association-register_number", "123.456"),
        ("candidate-first_name", "Aino"),
        ("candidate-last_name", "Mäkelä"),
        ("candidate-email", "aino.makela@example.org"),
        ("candidate-phone", "040 123 4567"),
        (
            "motivation",
            "Olen toiminut kylätoiminnassa kymmenen vuotta.\nHaluan viedä viestiä JANEen.",
        ),
    ] {
        b.find(&format!("#{id}"))
            .await
            .send_keys(text)
            .await
            .unwrap();
    }
    for (id, value) in [
        ("association-municipality_code", "426"),
        ("candidate-municipality_code", "426"),
        ("theme", "villages_heritage"),
    ] {
        b.find(&format!("#{id}"))
            .await
            .select_by_value(value)
            .await
            .unwrap();
    }
    for id in [
        "candidate-gender",
        "candidate-language",
        "role_preference-either",
        "commitments-has_time",
        "commitments-will_liaise",
        "consent-accepted",
    ] {
        // Through the label, as a person taps it.
        b.find(&format!("label[for='{id}']"))
            .await
            .click()
            .await
            .unwrap();
    }
}

async fn value(b: &Browser, css: &str) -> String {
    b.find(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn checked(b: &Browser, css: &str) -> bool {
    b.find(css).await.is_selected().await.unwrap()
}

async fn an_applicant_applies_fixes_an_error_edits_and_withdraws_without_javascript(app: TestApp) {
    let Some(tools) = tools() else { return };
    let site = scenario::site(&app, false).await;
    with_browser(&tools, &app.url("/"), Mode::PHONE_WITHOUT_JS, async |b| {
        // The list of calls, in Finnish (the browser asks for it), leads to the call.
        b.goto("/").await;
        assert_eq!(
            b.find("html").await.attr("lang").await.unwrap().as_deref(),
            Some("fi")
        );
        assert_eq!(b.text("h1").await, "Avoimet ja tulevat haut");
        b.assert_no_sideways_scrolling().await;
        b.click_text("JANEn avoin haku 2027").await;
        assert_eq!(b.path().await, format!("/calls/{}", site.open_call));
        assert_eq!(b.text("h1").await, "JANEn avoin haku 2027");
        b.assert_no_sideways_scrolling().await;
        b.click_to_next_page(&b.find(".panel a.button").await).await;
        assert_eq!(b.path().await, format!("/calls/{}/apply", site.open_call));
        assert!(!b.title().await.starts_with("Virhe"));
        b.assert_no_sideways_scrolling().await;

        // A wrong check digit in the Y-tunnus: the form comes back with everything typed.
        fill_form(b, "1234567-8").await;
        b.click_text("Lähetä hakemus").await;
        assert_eq!(b.path().await, format!("/calls/{}/apply", site.open_call));
        let title = b.title().await;
        assert!(title.starts_with("Virhe: "), "{title}");
        b.assert_no_sideways_scrolling().await;
        // The summary is what has the focus, and lists the one error with a link to its field.
        assert!(b.exists(".error-summary").await);
        let focused = b
            .js(
                "return document.activeElement.classList.contains('error-summary')",
                vec![],
            )
            .await;
        assert_eq!(focused, true, "the error summary has the focus");
        assert_eq!(b.text(".error-summary h2").await, "Lomakkeessa on virheitä");
        let links = b.find_all(".error-summary a").await;
        assert_eq!(links.len(), 1);
        assert_eq!(
            links[0].attr("href").await.unwrap().as_deref(),
            Some("#association-business_id")
        );
        let message = "Kirjoita Y-tunnus muodossa 1234567-8.";
        assert_eq!(links[0].text().await.unwrap(), message);
        // The message sits by its field, which points to it.
        let field = b.find("#association-business_id").await;
        let described = field
            .attr("aria-describedby")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(
            described
                .split(' ')
                .any(|id| id == "association-business_id-error"),
            "{described}"
        );
        assert_eq!(
            field.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true")
        );
        assert!(
            b.text("#association-business_id-error")
                .await
                .ends_with(message)
        );
        assert_eq!(
            b.js(
                "return document.getElementById('association-business_id-error').closest('.field') \
                 === document.getElementById('association-business_id').closest('.field')",
                vec![]
            )
            .await,
            true,
            "the message is beside its field"
        );
        // Everything typed is kept.
        assert_eq!(value(b, "#association-business_id").await, "1234567-8");
        assert_eq!(
            value(b, "#association-name").await,
            "Liperin Kyläyhdistys ry"
        );
        assert_eq!(
            value(b, "#candidate-email").await,
            "aino.makela@example.org"
        );
        assert_eq!(
            value(b, "#motivation").await,
            "Olen toiminut kylätoiminnassa kymmenen vuotta.\nHaluan viedä viestiä JANEen."
        );
        assert_eq!(value(b, "#association-municipality_code").await, "426");
        assert_eq!(value(b, "#theme").await, "villages_heritage");
        assert!(checked(b, "#candidate-gender").await);
        assert!(checked(b, "#role_preference-either").await);
        assert!(checked(b, "#consent-accepted").await);
        assert!(checked(b, "#commitments-has_time").await);

        // The summary's link takes the reader to the field.
        links[0].click().await.unwrap();
        assert_eq!(b.focused().await, "association-business_id");
        let field = b.find("#association-business_id").await;
        field.clear().await.unwrap();
        field.send_keys(&business_id(7)).await.unwrap();
        b.click_text("Lähetä hakemus").await;

        // The receipt; the session cookie is for this application's pages, out of scripts' reach.
        let path = b.path().await;
        let id = path
            .strip_prefix("/applications/")
            .and_then(|p| p.strip_suffix("/receipt"))
            .unwrap_or_else(|| panic!("not a receipt: {path}"))
            .to_owned();
        assert_eq!(b.text("h1").await, "Hakemus vastaanotettu");
        assert!(b.page_text().await.contains(&id), "the reference is shown");
        assert!(b.page_text().await.contains("aino.makela@example.org"));
        b.assert_no_sideways_scrolling().await;
        let session = b
            .client
            .get_named_cookie("jane_application")
            .await
            .expect("a session cookie");
        assert_eq!(session.http_only(), Some(true));
        assert_eq!(session.path(), Some(format!("/applications/{id}").as_str()));

        // Later, the email's link: without the session, the page does not open; with the link it
        // does, and the address bar no longer has the credential.
        b.client.delete_all_cookies().await.unwrap();
        b.goto(&format!("/applications/{id}")).await;
        assert_eq!(b.text("h1").await, "Linkki ei toimi");
        let link = scenario::email_link(&app, &id, "application_received").await;
        assert!(
            link.starts_with(&format!("/applications/{id}?token=jsa_")),
            "{link}"
        );
        b.goto(&link).await;
        let location = b.location().await;
        assert_eq!(location.path(), format!("/applications/{id}"));
        assert_eq!(location.query(), None, "the token left the address bar");
        assert_eq!(b.text("h1").await, "Hakemuksesi");
        assert!(b.page_text().await.contains("Vastaanotettu"));
        let session = b.client.get_named_cookie("jane_application").await.unwrap();
        assert_eq!(session.http_only(), Some(true));
        assert_eq!(format!("{:?}", session.same_site()), "Some(Lax)");
        assert_eq!(
            b.js(
                "return document.cookie.includes('jane_application')",
                vec![]
            )
            .await,
            false,
            "scripts cannot read the session"
        );
        b.assert_no_sideways_scrolling().await;

        // An edit: the form has what was sent; a change is saved and shown.
        b.click_text("Muokkaa hakemusta").await;
        assert_eq!(b.path().await, format!("/applications/{id}/edit"));
        assert_eq!(b.text("h1").await, "Muokkaa hakemusta");
        assert_eq!(value(b, "#candidate-phone").await, "+358401234567");
        b.assert_no_sideways_scrolling().await;
        let phone = b.find("#candidate-phone").await;
        phone.clear().await.unwrap();
        phone.send_keys("050 765 4321").await.unwrap();
        b.click_text("Tallenna muutokset").await;
        assert_eq!(b.path().await, format!("/applications/{id}"));
        assert!(
            b.text("[role=status]")
                .await
                .contains("Muutokset on tallennettu.")
        );
        assert!(b.text(".summary").await.contains("+358507654321"));

        // The withdrawal asks once more, on a page of its own.
        b.click_text("Peru hakemus").await;
        assert_eq!(b.path().await, format!("/applications/{id}/withdraw"));
        assert_eq!(b.text("h1").await, "Haluatko varmasti perua hakemuksesi?");
        b.assert_no_sideways_scrolling().await;
        b.click_text("Peru hakemus").await;
        assert_eq!(b.path().await, format!("/applications/{id}"));
        assert!(
            b.text("[role=status]")
                .await
                .contains("Hakemus on peruttu.")
        );
        assert!(b.text(".panel:not([role])").await.contains("Peruttu"));
        assert!(
            !b.exists(&format!("a[href='/applications/{id}/edit']"))
                .await
        );
        assert!(
            !b.exists(&format!("a[href='/applications/{id}/withdraw']"))
                .await
        );
    })
    .await;
}

async fn a_selected_applicant_confirms_the_seat_from_the_outcome_email(app: TestApp) {
    let Some(tools) = tools() else { return };
    let site = scenario::site(&app, true).await;
    let decided = site.decided.as_ref().unwrap();
    let id = decided.selected().to_owned();
    let link = scenario::email_link(&app, &id, "selected_representative").await;
    with_browser(&tools, &app.url("/"), Mode::PHONE_WITHOUT_JS, async |b| {
        b.goto(&link).await;
        let location = b.location().await;
        assert_eq!(location.path(), format!("/applications/{id}"));
        assert_eq!(location.query(), None);
        assert_eq!(b.text("h1").await, "Hakemuksesi");
        let status = b.text(".panel").await;
        assert!(status.contains("Sinut on valittu edustajaksi."), "{status}");
        assert!(status.contains("Vahvista tai peru paikka viimeistään"), "{status}");
        b.assert_no_sideways_scrolling().await;
        b.click_text("Vahvistan paikan").await;
        assert_eq!(b.path().await, format!("/applications/{id}"));
        assert!(b.text("[role=status]").await.contains("Kiitos! Paikka on vahvistettu."));
        assert!(b.text(".panel:not([role])").await.contains("Olet vahvistanut paikan."));
        assert!(!b.exists(&format!("form[action='/applications/{id}/confirm']")).await);

        // The council's page shows the seat taken.
        b.goto(&format!("/councils/{}", site.liperi)).await;
        let representatives = b.text("table").await;
        assert!(representatives.contains("Aino Mäkelä"), "{representatives}");
        let row = b
            .js(
                "return [...document.querySelectorAll('tr')].find(r => r.textContent.includes('Aino Mäkelä')).textContent",
                vec![],
            )
            .await;
        assert!(!row.as_str().unwrap().contains("ei vielä vahvistettu"), "{row}");
    })
    .await;
}

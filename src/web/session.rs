//! Cookies of the pages: the applicant's session (a credential from an email link, exchanged for
//! an `HttpOnly`, `SameSite=Lax` cookie limited to that application's pages), the protection of
//! every form against cross-site requests, and the remembered language.
//!
//! Cross-site requests are refused twice over: by the browser's own word (`Sec-Fetch-Site`, or
//! failing that `Origin`, as Go's `CrossOriginProtection` reads them), and by a token in each form
//! that must equal the one in a `SameSite=Strict` cookie (double submit), which a page on another
//! site can neither read nor set.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;

use crate::domain::localized::Language;
use crate::ids::ApplicationId;
use crate::round::access::ApplicationCaller;
use crate::tokens;

pub const SESSION_COOKIE: &str = "jane_application";
pub const CSRF_COOKIE: &str = "jane_form";
pub const LANG_COOKIE: &str = "jane_lang";
/// The hidden field that carries the form token.
pub const CSRF_FIELD: &str = "form_token";

/// Whether cookies should be `Secure`: the service is reached over HTTPS.
pub fn secure(public_url: &str) -> bool {
    public_url.starts_with("https://")
}

/// The path the applicant's session is limited to.
pub fn application_path(id: &ApplicationId) -> String {
    format!("/applications/{id}")
}

/// The session cookie holding a credential of the application, for its pages only, until the
/// browser is closed.
pub fn session_cookie(id: &ApplicationId, token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path(application_path(id))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// Ends the application's session (its data was erased: the credential opens nothing any more).
pub fn ended_session(id: &ApplicationId, secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(id, "", secure);
    cookie.make_removal();
    cookie
}

/// The applicant, if the request carries a session for the application (the path limits the
/// cookie to the application's pages; which application it opens is the workflow's check).
pub fn applicant(req: &HttpRequest) -> Option<ApplicationCaller> {
    let cookie = req.cookie(SESSION_COOKIE)?;
    let token = cookie.value();
    token
        .starts_with(tokens::APPLICANT_PREFIX)
        .then(|| ApplicationCaller::Applicant {
            token_digest: tokens::digest(token),
        })
}

/// The form token of this browser, and the cookie to set if it has none yet.
pub fn form_token(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    if let Some(existing) = req.cookie(CSRF_COOKIE)
        && existing.value().len() == 64
        && existing.value().bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (existing.value().to_owned(), None);
    }
    let token = tokens::generate("");
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    (token, Some(cookie))
}

/// Whether a form post may be acted on: it comes from this site, and carries this browser's form
/// token.
pub fn same_site_form(req: &HttpRequest, posted_token: Option<&str>) -> bool {
    same_origin(req) && tokens_match(req, posted_token)
}

fn same_origin(req: &HttpRequest) -> bool {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match header("sec-fetch-site").as_deref() {
        Some("same-origin" | "none") => return true,
        Some(_) => return false,
        None => {}
    }
    // Browsers without fetch metadata: the Origin must be this host's (if it is sent at all;
    // the form token still has to match).
    match (
        header(header::ORIGIN.as_str()),
        header(header::HOST.as_str()),
    ) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

fn tokens_match(req: &HttpRequest, posted: Option<&str>) -> bool {
    let (Some(cookie), Some(posted)) = (req.cookie(CSRF_COOKIE), posted) else {
        return false;
    };
    let (a, b) = (cookie.value().as_bytes(), posted.as_bytes());
    // Compared in full whatever the first difference, so timing says nothing of the token.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The cookie that remembers a chosen language for a year.
pub fn language_cookie(language: Language, secure: bool) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, language.code())
        .path("/")
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(Duration::days(365))
        .finish()
}

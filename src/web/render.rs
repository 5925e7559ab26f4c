//! Rendering pages: the templates (compiled in, HTML-escaped), the message catalogue behind
//! `t()`, the frame every page shares (language, switch, stylesheet), and the headers every page
//! is sent with.

use std::sync::Arc;

use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior, context};
use sha2::{Digest, Sha256};

use super::i18n::Catalog;
use super::session;
use crate::domain::localized::Language;

/// The templates, by name. `base.html` is the frame; `forms.html` holds the form macros.
const TEMPLATES: [(&str, &str); 15] = [
    ("base.html", include_str!("templates/base.html")),
    ("forms.html", include_str!("templates/forms.html")),
    ("home.html", include_str!("templates/home.html")),
    ("call.html", include_str!("templates/call.html")),
    ("apply.html", include_str!("templates/apply.html")),
    ("receipt.html", include_str!("templates/receipt.html")),
    (
        "application.html",
        include_str!("templates/application.html"),
    ),
    ("edit.html", include_str!("templates/edit.html")),
    (
        "confirm_step.html",
        include_str!("templates/confirm_step.html"),
    ),
    ("council.html", include_str!("templates/council.html")),
    ("privacy.html", include_str!("templates/privacy.html")),
    (
        "accessibility.html",
        include_str!("templates/accessibility.html"),
    ),
    ("message.html", include_str!("templates/message.html")),
    ("summary.html", include_str!("templates/summary.html")),
    ("seat_row.html", include_str!("templates/seat_row.html")),
];

/// The stylesheet, served at a URL that changes with its content (so it can be cached for good).
pub const STYLESHEET: &str = include_str!("assets/site.css");

/// The Content-Security-Policy of every page: nothing from elsewhere, no inline script or style,
/// forms only to this site, never in a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Templates, catalogue and stylesheet address; one per process, shared by every worker.
pub struct Pages {
    pub catalog: Arc<Catalog>,
    env: Environment<'static>,
    pub stylesheet_path: String,
    /// Cookies are `Secure` when the service is reached over HTTPS.
    pub secure_cookies: bool,
    pub public_url: String,
}

impl Pages {
    pub fn new(public_url: &str) -> Self {
        let catalog = Arc::new(Catalog::new());
        let mut env = Environment::new();
        // A template that uses a value it was not given is a bug: fail, do not print nothing.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // HTML-escape what is not marked safe, as minijinja does, but leave `/` as it is
        // (minijinja writes `&#x2f;`, which every address would carry for nothing).
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == AutoEscape::Html && !value.is_safe() {
                let text = if value.is_none() {
                    String::new()
                } else {
                    value.to_string()
                };
                out.write_str(&escape_html(&text))?;
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} does not parse: {e}"));
        }
        let messages = catalog.clone();
        env.add_function(
            "t",
            move |state: &State<'_, '_>, key: &str, kwargs: Kwargs| -> Result<String, Error> {
                let language = state
                    .lookup("lang")
                    .and_then(|v| v.as_str().and_then(Language::parse))
                    .unwrap_or(Language::Fi);
                let mut args = Vec::new();
                for name in kwargs.args() {
                    let value: Value = kwargs.get(name)?;
                    let value = match value.as_i64() {
                        Some(n) => fluent_bundle::FluentValue::from(n),
                        None => fluent_bundle::FluentValue::from(value.to_string()),
                    };
                    args.push((name, value));
                }
                messages.message(language, key, &args).ok_or_else(|| {
                    Error::new(
                        ErrorKind::UndefinedError,
                        format!(
                            "no message {key:?} in {} (or an argument is missing)",
                            language.code()
                        ),
                    )
                })
            },
        );
        let digest = hex::encode(Sha256::digest(STYLESHEET.as_bytes()));
        Self {
            catalog,
            env,
            stylesheet_path: format!("/assets/site-{}.css", &digest[..16]),
            secure_cookies: session::secure(public_url),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Renders `template` with the page's values and the frame's.
    pub fn render(&self, view: &View, template: &str, values: Value) -> Result<String, Error> {
        let frame = context! {
            lang => view.language.code(),
            stylesheet => self.stylesheet_path,
            switch => view.switch_links(),
            path => view.path,
        };
        self.env
            .get_template(template)?
            .render(context! { ..values, ..frame })
    }

    /// A page response: the rendered template with every page's headers, or the error page if
    /// the template fails (a bug, logged).
    pub fn page(
        &self,
        view: &View,
        status: StatusCode,
        template: &str,
        values: Value,
    ) -> HttpResponse {
        match self.render(view, template, values) {
            Ok(html) => view.respond(status, html),
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), template, "page failed to render");
                let html = self
                    .render(
                        view,
                        "message.html",
                        context! { title_key => "servererror-title", text_key => "servererror-text", links => Vec::<Value>::new() },
                    )
                    .unwrap_or_else(|_| "Internal error".to_owned());
                view.respond(StatusCode::INTERNAL_SERVER_ERROR, html)
            }
        }
    }

    pub fn text(&self, view: &View, key: &str) -> String {
        self.catalog.text(view.language, key)
    }
}

/// The request as pages see it: the reader's language (and the cookie that remembers a new
/// choice), the path for the language switch, and cookies to set with the response.
pub struct View {
    pub language: Language,
    pub path: String,
    cookies: Vec<Cookie<'static>>,
    /// Never cache: the page shows one applicant's data.
    pub private: bool,
}

impl View {
    /// `?lang=` chooses (and is remembered); otherwise the remembered choice; otherwise the first
    /// of Finnish, Swedish and English in `Accept-Language`; otherwise Finnish.
    pub fn of(req: &HttpRequest, pages: &Pages) -> Self {
        let chosen = form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Language::parse(&v));
        let mut cookies = Vec::new();
        let language = match chosen {
            Some(language) => {
                cookies.push(session::language_cookie(language, pages.secure_cookies));
                language
            }
            None => req
                .cookie(session::LANG_COOKIE)
                .and_then(|c| Language::parse(c.value()))
                .or_else(|| accepted_language(req))
                .unwrap_or(Language::Fi),
        };
        Self {
            language,
            path: req.path().to_owned(),
            cookies,
            private: false,
        }
    }

    pub fn add_cookie(&mut self, cookie: Cookie<'static>) {
        self.cookies.push(cookie);
    }

    fn switch_links(&self) -> Vec<Value> {
        [
            (Language::Fi, "Suomeksi"),
            (Language::Sv, "På svenska"),
            (Language::En, "In English"),
        ]
        .into_iter()
        .map(|(language, label)| {
            context! {
                code => language.code(),
                label => label,
                href => format!("{}?lang={}", self.path, language.code()),
                current => language == self.language,
            }
        })
        .collect()
    }

    /// A response with the headers every page has.
    pub fn respond(&self, status: StatusCode, html: String) -> HttpResponse {
        let mut response = HttpResponse::build(status);
        self.headers(&mut response);
        response.content_type("text/html; charset=utf-8").body(html)
    }

    /// A 303 to `location` with the headers every page has.
    pub fn redirect(&self, location: &str) -> HttpResponse {
        let mut response = HttpResponse::SeeOther();
        self.headers(&mut response);
        response
            .insert_header((header::LOCATION, location.to_owned()))
            .finish()
    }

    fn headers(&self, response: &mut actix_web::HttpResponseBuilder) {
        response
            .insert_header((header::CONTENT_LANGUAGE, self.language.code()))
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            // Links that carry a credential lead to these pages: no page sends its address on.
            .insert_header((header::REFERRER_POLICY, "no-referrer"))
            .insert_header(("Cross-Origin-Opener-Policy", "same-origin"))
            .insert_header((header::VARY, "Accept-Language, Cookie"));
        if self.private {
            response.insert_header((header::CACHE_CONTROL, "no-store"));
        } else {
            response.insert_header((header::CACHE_CONTROL, "no-cache"));
        }
        for cookie in &self.cookies {
            response.cookie(cookie.clone());
        }
    }
}

/// `&`, `<`, `>`, `"` and `'` as character references: enough for text and quoted attributes.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The first of the service's languages in `Accept-Language`, by preference.
fn accepted_language(req: &HttpRequest) -> Option<Language> {
    let header = req.headers().get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut ranked: Vec<(f32, usize, Language)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next()?;
            let language = Language::parse(primary)?;
            (quality > 0.0).then_some((quality, i, language))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|r| r.2)
}

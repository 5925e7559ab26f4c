//! The application form and its receipt.
//!
//! The form posts the API's application document field by field; a refused form is shown again
//! (422) with an error summary linking to each field, the message beside the field and everything
//! typed kept. A stored one starts the applicant's session (the edit token in a cookie limited to
//! that application's pages) and goes on to the receipt. A hidden idempotency key makes a double
//! submission store one application.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Serialize;

use super::forms::{self, APPLICATION_FIELDS, FormField, Posted, ShownError};
use super::public::{localized, when};
use super::render::View;
use super::{Pages, error_page, message, session};
use crate::app::AppState;
use crate::domain::call::CallStatus;
use crate::domain::localized::Language;
use crate::domain::theme::ThemeArea;
use crate::error::AppError;
use crate::ids::{ApplicationId, CallId};
use crate::input;
use crate::round::idempotency::Once;
use crate::round::intake::{self, ApplicationForm, FormSetting};
use crate::store::reference::Municipality;

/// The hidden field with the form's idempotency key.
pub const IDEMPOTENCY_FIELD: &str = "idempotency_key";
/// The hidden field with the privacy notice version the form showed.
pub const NOTICE_FIELD: &str = "consent.privacy_notice_version";

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A field as the form template draws it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub name: String,
    pub id: String,
    /// `text`, `email`, `tel`, `textarea`, `select`, `radios` or `checkbox`.
    pub kind: &'static str,
    pub label: String,
    pub hint: Option<String>,
    pub value: String,
    pub checked: bool,
    pub error: Option<String>,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    pub optional: bool,
    pub options: Vec<OptionView>,
    pub described_by: Option<String>,
    pub maxlength: Option<u32>,
}

/// What the form shows: the values typed (or stored), the errors, and the choices.
pub struct FormState<'a> {
    pub values: std::collections::BTreeMap<String, String>,
    pub errors: &'a [ShownError],
}

impl FormState<'_> {
    fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }
}

fn options(choices: Vec<(String, String)>, selected: &str) -> Vec<OptionView> {
    choices
        .into_iter()
        .map(|(value, label)| OptionView {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

/// The view of one field of the application form.
fn field(
    pages: &Pages,
    view: &View,
    state: &FormState<'_>,
    spec: &FormField,
    choices: Vec<(String, String)>,
) -> FieldView {
    let name = spec.name;
    let id = forms::field_id(name);
    let hint_key = format!("hint-{id}");
    let hint = pages
        .catalog
        .has(view.language, &hint_key)
        .then(|| pages.text(view, &hint_key));
    let error = state
        .errors
        .iter()
        .find(|e| e.field == name)
        .map(|e| e.message.clone());
    let (kind, autocomplete, inputmode, maxlength) = match name {
        "association.name" => ("text", Some("organization"), None, Some(200)),
        "association.business_id" => ("text", Some("off"), None, Some(9)),
        "association.register_number" => ("text", Some("off"), Some("decimal"), Some(7)),
        "candidate.first_name" => ("text", Some("given-name"), None, Some(200)),
        "candidate.last_name" => ("text", Some("family-name"), None, Some(200)),
        "candidate.email" => ("email", Some("email"), Some("email"), Some(254)),
        "candidate.phone" => ("tel", Some("tel"), Some("tel"), Some(40)),
        "motivation" => ("textarea", None, None, Some(4000)),
        "candidate.gender" | "candidate.language" | "role_preference" => {
            ("radios", None, None, None)
        }
        "association.municipality_code" | "candidate.municipality_code" | "theme" => {
            ("select", None, None, None)
        }
        _ => ("checkbox", None, None, None),
    };
    let described: Vec<String> = [
        hint.as_ref().map(|_| format!("{id}-hint")),
        error.as_ref().map(|_| format!("{id}-error")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let value = state.value(name);
    FieldView {
        name: name.to_owned(),
        label: pages.text(view, &format!("field-{id}")),
        kind,
        hint,
        checked: value == "true",
        options: options(choices, &value),
        value,
        error,
        autocomplete,
        inputmode,
        optional: spec.optional,
        described_by: (!described.is_empty()).then(|| described.join(" ")),
        maxlength,
        id,
    }
}

fn municipality_choices(list: &[Municipality], language: Language) -> Vec<(String, String)> {
    list.iter()
        .map(|m| (m.code.clone(), m.name.get(language).to_owned()))
        .collect()
}

/// The choices of each choice field of the form.
fn choices(pages: &Pages, view: &View, setting: &FormSetting, name: &str) -> Vec<(String, String)> {
    let language = view.language;
    let keyed = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(value, key)| ((*value).to_owned(), pages.text(view, key)))
            .collect()
    };
    match name {
        "association.municipality_code" => municipality_choices(&setting.area, language),
        "candidate.municipality_code" => municipality_choices(&setting.municipalities, language),
        "theme" => setting
            .call
            .themes
            .iter()
            .map(|t: &ThemeArea| (t.code().to_owned(), t.name().get(language).to_owned()))
            .collect(),
        "candidate.gender" => keyed(&[
            ("woman", "gender-woman"),
            ("man", "gender-man"),
            ("other", "gender-other"),
            ("undisclosed", "gender-undisclosed"),
        ]),
        "candidate.language" => keyed(&[
            ("fi", "language-fi"),
            ("sv", "language-sv"),
            ("en", "language-en"),
        ]),
        "role_preference" => keyed(&[
            ("representative", "role-representative"),
            ("deputy", "role-deputy"),
            ("either", "role-either"),
        ]),
        _ => Vec::new(),
    }
}

/// The form's fieldsets, each with its legend and fields.
pub fn groups(
    pages: &Pages,
    view: &View,
    setting: &FormSetting,
    state: &FormState<'_>,
    fields: &[FormField],
) -> Vec<Value> {
    let legends = [
        ("apply-association-legend", "association."),
        ("apply-candidate-legend", "candidate."),
        ("apply-seat-legend", "theme"),
        ("apply-seat-legend", "role_preference"),
        ("apply-motivation-legend", "motivation"),
        ("apply-commitments-legend", "commitments."),
        ("apply-consent-legend", "consent."),
    ];
    let mut groups: Vec<(&str, Vec<FieldView>)> = Vec::new();
    for spec in fields {
        let legend = legends
            .iter()
            .find(|(_, prefix)| spec.name.starts_with(prefix))
            .map_or("apply-association-legend", |(legend, _)| *legend);
        let view_of = field(
            pages,
            view,
            state,
            spec,
            choices(pages, view, setting, spec.name),
        );
        match groups.last_mut() {
            Some((last, list)) if *last == legend => list.push(view_of),
            _ => groups.push((legend, vec![view_of])),
        }
    }
    groups
        .into_iter()
        .map(|(legend, fields)| {
            context! {
                legend => pages.text(view, legend),
                fields => fields,
                consent => legend == "apply-consent-legend",
            }
        })
        .collect()
}

/// Texts the form macros use.
pub fn ui(pages: &Pages, view: &View) -> Value {
    context! {
        optional => pages.text(view, "optional"),
        choose => pages.text(view, "select-choose"),
        error_prefix => pages.text(view, "error-prefix"),
    }
}

/// The application form of `setting`'s call, with `state` (values and errors).
#[expect(
    clippy::too_many_arguments,
    reason = "a form page takes the form, its state and what to say about it"
)]
fn form_page(
    pages: &Pages,
    view: &mut View,
    req: &HttpRequest,
    setting: &FormSetting,
    state: &FormState<'_>,
    problem: Option<String>,
    status: StatusCode,
    idempotency_key: &str,
) -> HttpResponse {
    let (token, cookie) = session::form_token(req, pages.secure_cookies);
    if let Some(cookie) = cookie {
        view.add_cookie(cookie);
    }
    let language = view.language;
    let call = &setting.call;
    pages.page(
        view,
        status,
        "apply.html",
        context! {
            call => context! {
                id => call.id.to_string(),
                title => localized(&call.title, language),
                closes => when(call.window.closes_at, call.time_zone, language),
            },
            council => localized(&setting.council.name, language),
            groups => groups(pages, view, setting, state, &APPLICATION_FIELDS),
            errors => state.errors,
            has_errors => !state.errors.is_empty() || problem.is_some(),
            problem => problem,
            ui => ui(pages, view),
            form_token => token,
            csrf_field => session::CSRF_FIELD,
            idempotency_key => idempotency_key,
            notice_version => setting.notice.version,
            open => true,
        },
    )
}

/// Prefilled values from the query (the receipt's "nominate a second candidate" sends the
/// association's details and the theme).
fn prefilled(req: &HttpRequest) -> std::collections::BTreeMap<String, String> {
    const KEPT: [&str; 5] = [
        "association.name",
        "association.business_id",
        "association.register_number",
        "association.municipality_code",
        "theme",
    ];
    form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| KEPT.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn not_open(pages: &Pages, view: &View, setting: &FormSetting) -> HttpResponse {
    let language = view.language;
    pages.page(
        view,
        StatusCode::OK,
        "apply.html",
        context! {
            call => context! {
                id => setting.call.id.to_string(),
                title => localized(&setting.call.title, language),
                closes => when(setting.call.window.closes_at, setting.call.time_zone, language),
            },
            council => localized(&setting.council.name, language),
            open => false,
            has_errors => false,
        },
    )
}

/// `GET /calls/{id}/apply`: the application form, while the call is open.
pub async fn form(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let mut view = View::of(&req, &pages);
    let Some(id) = CallId::parse(&id) else {
        return error_page(&pages, &view, &AppError::not_found("call"));
    };
    let setting = match intake::form_setting(&state.round, id).await {
        Ok(s) => s,
        Err(e) => return error_page(&pages, &view, &e),
    };
    if setting.call.status(state.now()) != CallStatus::Open {
        return not_open(&pages, &view, &setting);
    }
    let form_state = FormState {
        values: prefilled(&req),
        errors: &[],
    };
    let key = uuid::Uuid::now_v7().to_string();
    form_page(
        &pages,
        &mut view,
        &req,
        &setting,
        &form_state,
        None,
        StatusCode::OK,
        &key,
    )
}

/// `POST /calls/{id}/apply`: checks the form as the API checks its document; a stored
/// application starts the applicant's session and goes on to the receipt (303).
pub async fn submit(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let mut view = View::of(&req, &pages);
    let posted = Posted::parse(&body);
    if !session::same_site_form(&req, posted.get(session::CSRF_FIELD)) {
        return message(
            &pages,
            &view,
            StatusCode::FORBIDDEN,
            "forbidden-title",
            "forbidden-text",
        );
    }
    let Some(call_id) = CallId::parse(&id) else {
        return error_page(&pages, &view, &AppError::not_found("call"));
    };
    let mut document = posted.document(&APPLICATION_FIELDS);
    document["consent"]["privacy_notice_version"] =
        serde_json::Value::String(posted.get(NOTICE_FIELD).unwrap_or_default().to_owned());
    let form: input::Form<ApplicationForm> = match input::parse_value(document) {
        Ok(form) => form,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let key = posted
        .get(IDEMPOTENCY_FIELD)
        .filter(|k| crate::round::idempotency::is_valid_key(k))
        .map(str::to_owned);
    let once = Once {
        key: key.clone(),
        scope: format!("POST /calls/{call_id}/apply"),
        digest: form.digest.0.clone(),
    };
    let (errors, problem, status) =
        match intake::submit(&state.round, call_id.clone(), form, once).await {
            Ok(created) => {
                let application = &created.value.application;
                view.add_cookie(session::session_cookie(
                    &application.id,
                    &created.value.edit_token,
                    pages.secure_cookies,
                ));
                return view.redirect(&format!("/applications/{}/receipt", application.id));
            }
            Err(AppError::Validation(errors)) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
            Err(AppError::Conflict(_)) => (Vec::new(), Some(()), StatusCode::CONFLICT),
            Err(e) => return error_page(&pages, &view, &e),
        };
    // Refused: the form again, with its setting (read only now, so that a stored application
    // costs no more reads than an API submission does).
    let setting = match intake::form_setting(&state.round, call_id).await {
        Ok(s) => s,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let problem = problem.map(|()| {
        let key = if setting.call.status(state.now()) == CallStatus::Open {
            "error-already-applied"
        } else {
            "error-not-open"
        };
        pages.text(&view, key)
    });
    let shown = forms::shown_errors(&pages.catalog, view.language, &APPLICATION_FIELDS, &errors);
    let form_state = FormState {
        values: posted.values(),
        errors: &shown,
    };
    let key = key.unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    form_page(
        &pages,
        &mut view,
        &req,
        &setting,
        &form_state,
        problem,
        status,
        &key,
    )
}

/// What an application says, as the receipt and the applicant's page list it.
pub fn sent_summary(
    pages: &Pages,
    view: &View,
    application: &crate::store::applications::Application,
) -> Vec<Value> {
    let language = view.language;
    let a = application;
    let label = |key: &str| pages.text(view, key);
    let choice = |key: String| pages.text(view, &key);
    vec![
        context! { label => label("field-association-name"), value => a.association.name },
        context! { label => label("field-association-business_id"), value => a.association.business_id },
        context! { label => label("field-association-register_number"), value => a.association.register_number.clone().unwrap_or_else(|| "–".into()) },
        context! { label => label("field-theme"), value => a.theme.name().get(language) },
        context! { label => label("field-role_preference"), value => choice(format!("role-{}", a.role_preference.as_str())) },
        context! { label => label("field-candidate-first_name"), value => a.candidate.first_name },
        context! { label => label("field-candidate-last_name"), value => a.candidate.last_name },
        context! { label => label("field-candidate-email"), value => a.candidate.email },
        context! { label => label("field-candidate-phone"), value => a.candidate.phone },
        context! { label => label("field-candidate-gender"), value => choice(format!("gender-{}", a.candidate.gender.as_str())) },
        context! { label => label("field-candidate-language"), value => choice(format!("language-{}", a.candidate.language.code())) },
        context! { label => label("field-motivation"), value => a.motivation, long => true },
    ]
}

/// `GET /applications/{id}/receipt`: what was sent, the reference, what happens next, and the
/// offer to nominate a second candidate of the same association.
pub async fn receipt(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let mut view = View::of(&req, &pages);
    view.private = true;
    let (Some(id), Some(caller)) = (ApplicationId::parse(&id), session::applicant(&req)) else {
        return message(
            &pages,
            &view,
            StatusCode::NOT_FOUND,
            "link-invalid-title",
            "link-invalid-text",
        );
    };
    let mine = match intake::applicant_view(&state.round, caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let language = view.language;
    let a = &mine.application;
    let second = vec![
        ("association.name", a.association.name.clone()),
        ("association.business_id", a.association.business_id.clone()),
        (
            "association.register_number",
            a.association.register_number.clone().unwrap_or_default(),
        ),
        (
            "association.municipality_code",
            a.association.municipality_code.clone(),
        ),
        ("theme", a.theme.code().to_owned()),
    ];
    let email_sent = pages
        .catalog
        .message(
            language,
            "receipt-email-sent",
            &[("email", a.candidate.email.clone().into())],
        )
        .unwrap_or_default();
    let closes = pages
        .catalog
        .message(
            language,
            "receipt-next-close",
            &[(
                "closes",
                when(mine.call.window.closes_at, mine.call.time_zone, language).into(),
            )],
        )
        .unwrap_or_default();
    pages.page(
        &view,
        StatusCode::OK,
        "receipt.html",
        context! {
            reference => a.id.to_string(),
            email_sent => email_sent,
            next_close => closes,
            sent => sent_summary(&pages, &view, a),
            second => second.into_iter().map(|(name, value)| context! { name => name, value => value }).collect::<Vec<_>>(),
            apply_href => format!("/calls/{}/apply", mine.call.id),
            own_href => format!("/applications/{}", a.id),
            call_title => localized(&mine.call.title, language),
            has_errors => false,
        },
    )
}

//! The applicant's own page: the status, what can still be done (change, withdraw, confirm,
//! decline, each with its deadline), and what was sent.
//!
//! Every link in every email to an applicant opens it: the link's credential is exchanged for a
//! session cookie limited to this application's pages, and the browser is sent on (303) to the
//! address without it, so the credential leaves neither the address bar nor the history, and no
//! page sends it on in a `Referer`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::apply::{FormState, groups, sent_summary, ui};
use super::forms::{self, FormField, Posted};
use super::public::{localized, when};
use super::render::View;
use super::{Pages, error_page, message, session};
use crate::app::AppState;
use crate::domain::call::CallStatus;
use crate::domain::seat_plan::SeatRole;
use crate::error::AppError;
use crate::ids::ApplicationId;
use crate::round::access::ApplicationCaller;
use crate::round::intake::{self, ApplicantView, Precondition};
use crate::round::offers;
use crate::round::privacy::{self, Erase};
use crate::tokens;

/// The "this link does not work" page (404): a wrong or expired link, or no session.
fn link_invalid(pages: &Pages, view: &View) -> HttpResponse {
    message(
        pages,
        view,
        StatusCode::NOT_FOUND,
        "link-invalid-title",
        "link-invalid-text",
    )
}

/// The application and the applicant's session, if the request has both.
fn identify(req: &HttpRequest, id: &str) -> Option<(ApplicationId, ApplicationCaller)> {
    Some((ApplicationId::parse(id)?, session::applicant(req)?))
}

fn refused(pages: &Pages, view: &View, error: &AppError) -> HttpResponse {
    match error {
        AppError::NotFound(_) => link_invalid(pages, view),
        other => error_page(pages, view, other),
    }
}

/// `GET /applications/{id}`: with `?token=` (a link from an email), starts the session and moves
/// on to the clean address; otherwise the page, for the session's applicant.
pub async fn page(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let mut view = View::of(&req, &pages);
    view.private = true;
    let token = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    if let Some(token) = token {
        return exchange(&state, &pages, view, &id, &token).await;
    }
    let Some((id, caller)) = identify(&req, &id) else {
        return link_invalid(&pages, &view);
    };
    match intake::applicant_view(&state.round, caller, id).await {
        Ok(mine) => {
            let (token, cookie) = session::form_token(&req, pages.secure_cookies);
            if let Some(cookie) = cookie {
                view.add_cookie(cookie);
            }
            let done = form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(k, _)| k == "done")
                .map(|(_, v)| v.into_owned());
            own_page(&pages, &view, &state, &mine, done.as_deref(), &token)
        }
        Err(e) => refused(&pages, &view, &e),
    }
}

/// The link's credential, if it opens the application, becomes the session; the browser goes on
/// to the address without it.
async fn exchange(
    state: &AppState,
    pages: &Pages,
    mut view: View,
    id: &str,
    token: &str,
) -> HttpResponse {
    let Some(id) = ApplicationId::parse(id).filter(|_| token.starts_with(tokens::APPLICANT_PREFIX))
    else {
        return link_invalid(pages, &view);
    };
    let caller = ApplicationCaller::Applicant {
        token_digest: tokens::digest(token),
    };
    match intake::read(&state.round, caller, id.clone()).await {
        Ok(_) => {
            view.add_cookie(session::session_cookie(&id, token, pages.secure_cookies));
            view.redirect(&session::application_path(&id))
        }
        Err(e) => refused(pages, &view, &e),
    }
}

fn own_page(
    pages: &Pages,
    view: &View,
    state: &AppState,
    mine: &ApplicantView,
    done: Option<&str>,
    form_token: &str,
) -> HttpResponse {
    let (language, now) = (view.language, state.now());
    let (a, call) = (&mine.application, &mine.call);
    let open = call.status(now) == CallStatus::Open;
    let withdrawn = a.status == crate::domain::application::ApplicationStatus::Withdrawn;
    let message_with = |key: &str, args: &[(&str, fluent_bundle::FluentValue<'_>)]| {
        pages
            .catalog
            .message(language, key, args)
            .unwrap_or_default()
    };
    let closes = when(call.window.closes_at, call.time_zone, language);
    let remaining = message_with(
        "closes-in",
        &[(
            "days",
            crate::web::dates::days_until(now, call.window.closes_at, call.time_zone).into(),
        )],
    );
    let outcome_key = match (&mine.outcome.declined_at, mine.outcome.outcome.as_deref()) {
        (Some(_), _) => Some("mine-outcome-declined"),
        (None, Some("representative")) => Some("mine-outcome-representative"),
        (None, Some("deputy")) => Some("mine-outcome-deputy"),
        (None, Some("reserve")) => Some("mine-outcome-reserve"),
        (None, Some("not_selected")) => Some("mine-outcome-not_selected"),
        _ => None,
    };
    let offer = mine
        .offer
        .as_ref()
        .filter(|_| call.status(now) == CallStatus::Decided);
    let offer_view = offer.map(|o| {
        context! {
            confirmed => o.confirmed,
            moving_up => o.moving_up,
            representative => o.role == SeatRole::Representative,
            respond_by => message_with("mine-offer", &[("respond_by", when(o.respond_by, call.time_zone, language).into())]),
            open => !o.confirmed && o.respond_by > now,
        }
    });
    let done_key = match done {
        Some("saved") => Some("mine-saved"),
        Some("withdrawn") => Some("mine-withdrawn-now"),
        Some("confirmed") => Some("mine-confirmed-now"),
        Some("declined") => Some("mine-declined-now"),
        _ => None,
    };
    pages.page(
        view,
        StatusCode::OK,
        "application.html",
        context! {
            id => a.id.to_string(),
            call_title => localized(&call.title, language),
            call_href => format!("/calls/{}", call.id),
            council => localized(&mine.council.name, language),
            status => pages.text(view, if withdrawn { "mine-status-withdrawn" } else { "mine-status-submitted" }),
            withdrawn_at => a.withdrawn_at.map(|t| message_with("mine-withdrawn-at", &[("at", when(t, call.time_zone, language).into())])),
            can_change => open && !withdrawn,
            cancellation_reason => call.cancellation.as_ref().map(|c| localized(&c.reason, language)),
            change_text => message_with("mine-can-change", &[("closes", closes.into()), ("remaining", remaining.into())]),
            closed => !open && !withdrawn && outcome_key.is_none(),
            outcome => outcome_key.map(|k| pages.text(view, k)),
            offer => offer_view,
            // A member (or one offered a seat) asks the secretary; leaving is a decision.
            seated => offer.is_some_and(|o| o.confirmed || o.respond_by > now),
            done => done_key.map(|k| pages.text(view, k)),
            sent => sent_summary(pages, view, a),
            form_token => form_token,
            csrf_field => session::CSRF_FIELD,
            has_errors => false,
        },
    )
}

/// The values of the edit form: the application as its form, field by field.
fn stored_values(mine: &ApplicantView) -> std::collections::BTreeMap<String, String> {
    let document = serde_json::to_value(intake::form_of(&mine.application)).unwrap_or_default();
    forms::edit_fields()
        .iter()
        .map(|f| {
            let mut node = &document;
            for part in f.name.split('.') {
                node = &node[part];
            }
            let text = match node {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (f.name.to_owned(), text)
        })
        .collect()
}

#[expect(
    clippy::too_many_arguments,
    reason = "a form page takes the form, its state and what to say about it"
)]
fn edit_page(
    pages: &Pages,
    view: &mut View,
    req: &HttpRequest,
    setting: &intake::FormSetting,
    mine: &ApplicantView,
    state: &FormState<'_>,
    problem: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let (token, cookie) = session::form_token(req, pages.secure_cookies);
    if let Some(cookie) = cookie {
        view.add_cookie(cookie);
    }
    let fields: Vec<FormField> = forms::edit_fields();
    pages.page(
        view,
        status,
        "edit.html",
        context! {
            id => mine.application.id.to_string(),
            call_title => localized(&mine.call.title, view.language),
            groups => groups(pages, view, setting, state, &fields),
            errors => state.errors,
            has_errors => !state.errors.is_empty() || problem.is_some(),
            problem => problem,
            ui => ui(pages, view),
            version => mine.application.version,
            form_token => token,
            csrf_field => session::CSRF_FIELD,
        },
    )
}

/// `GET /applications/{id}/edit`: the form with what was sent, while the call is open.
pub async fn edit_form(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let mut view = View::of(&req, &pages);
    view.private = true;
    let Some((id, caller)) = identify(&req, &id) else {
        return link_invalid(&pages, &view);
    };
    let mine = match intake::applicant_view(&state.round, caller, id.clone()).await {
        Ok(v) => v,
        Err(e) => return refused(&pages, &view, &e),
    };
    if mine.call.status(state.now()) != CallStatus::Open {
        return view.redirect(&session::application_path(&id));
    }
    let setting = match intake::form_setting(&state.round, mine.call.id.clone()).await {
        Ok(s) => s,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let form_state = FormState {
        values: stored_values(&mine),
        errors: &[],
    };
    edit_page(
        &pages,
        &mut view,
        &req,
        &setting,
        &mine,
        &form_state,
        None,
        StatusCode::OK,
    )
}

/// `POST /applications/{id}/edit`: the changed form, checked as a submission is; the version it
/// was read at guards against overwriting a change made meanwhile.
pub async fn edit(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let mut view = View::of(&req, &pages);
    view.private = true;
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
    let Some((id, caller)) = identify(&req, &id) else {
        return link_invalid(&pages, &view);
    };
    let fields = forms::edit_fields();
    let mut patch = posted.document(&fields);
    if posted
        .get("association.register_number")
        .unwrap_or_default()
        .is_empty()
    {
        // An emptied optional field removes it (merge patch: null removes).
        patch["association"]["register_number"] = serde_json::Value::Null;
    }
    let version = posted.get("version").and_then(|v| v.parse::<i32>().ok());
    let expected = Some(Precondition::Versions(version.into_iter().collect()));
    let result = intake::update(&state.round, caller.clone(), id.clone(), expected, patch).await;
    let (errors, problem, status) = match result {
        Ok(_) => return view.redirect(&format!("{}?done=saved", session::application_path(&id))),
        Err(AppError::Validation(errors)) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(AppError::PreconditionFailed(_)) => (
            Vec::new(),
            Some(pages.text(&view, "error-changed-meanwhile")),
            StatusCode::CONFLICT,
        ),
        Err(AppError::Conflict(_)) => (
            Vec::new(),
            Some(pages.text(&view, "error-already-applied")),
            StatusCode::CONFLICT,
        ),
        Err(e) => return refused(&pages, &view, &e),
    };
    let mine = match intake::applicant_view(&state.round, caller, id).await {
        Ok(v) => v,
        Err(e) => return refused(&pages, &view, &e),
    };
    let setting = match intake::form_setting(&state.round, mine.call.id.clone()).await {
        Ok(s) => s,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let shown = forms::shown_errors(&pages.catalog, view.language, &fields, &errors);
    let form_state = FormState {
        values: posted.values(),
        errors: &shown,
    };
    edit_page(
        &pages,
        &mut view,
        &req,
        &setting,
        &mine,
        &form_state,
        problem,
        status,
    )
}

/// A destructive step asks once more, on a page of its own with a plain POST button.
async fn step(
    state: &AppState,
    pages: &Pages,
    req: &HttpRequest,
    id: &str,
    keys: (&str, &str, &str),
    action: &str,
) -> HttpResponse {
    let mut view = View::of(req, pages);
    view.private = true;
    let Some((id, caller)) = identify(req, id) else {
        return link_invalid(pages, &view);
    };
    let mine = match intake::applicant_view(&state.round, caller, id.clone()).await {
        Ok(v) => v,
        Err(e) => return refused(pages, &view, &e),
    };
    let (token, cookie) = session::form_token(req, pages.secure_cookies);
    if let Some(cookie) = cookie {
        view.add_cookie(cookie);
    }
    let moving_up = mine.offer.as_ref().is_some_and(|o| o.moving_up);
    let (title, text, submit) = keys;
    let text = if action == "decline" && moving_up {
        "decline-text-moving-up"
    } else {
        text
    };
    pages.page(
        &view,
        StatusCode::OK,
        "confirm_step.html",
        context! {
            title_key => title,
            text_key => text,
            submit_key => submit,
            action => format!("{}/{action}", session::application_path(&id)),
            back => session::application_path(&id),
            form_token => token,
            csrf_field => session::CSRF_FIELD,
            has_errors => false,
        },
    )
}

/// `GET /applications/{id}/withdraw`: "do you really want to withdraw?".
pub async fn withdraw_step(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    step(
        &state,
        &pages,
        &req,
        &id,
        ("withdraw-title", "withdraw-text", "withdraw-submit"),
        "withdraw",
    )
    .await
}

/// `GET /applications/{id}/decline`: "do you really want to decline the seat?".
pub async fn decline_step(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    step(
        &state,
        &pages,
        &req,
        &id,
        ("decline-title", "decline-text", "decline-submit"),
        "decline",
    )
    .await
}

/// What an action button did.
enum Action {
    Withdraw,
    Confirm,
    Decline,
    Erase,
}

async fn act(
    state: &AppState,
    pages: &Pages,
    req: &HttpRequest,
    id: &str,
    body: &[u8],
    action: Action,
) -> HttpResponse {
    let mut view = View::of(req, pages);
    view.private = true;
    let posted = Posted::parse(body);
    if !session::same_site_form(req, posted.get(session::CSRF_FIELD)) {
        return message(
            pages,
            &view,
            StatusCode::FORBIDDEN,
            "forbidden-title",
            "forbidden-text",
        );
    }
    let Some((id, caller)) = identify(req, id) else {
        return link_invalid(pages, &view);
    };
    let (result, done) = match action {
        Action::Withdraw => (
            intake::withdraw(&state.round, caller, id.clone(), None)
                .await
                .map(drop),
            "withdrawn",
        ),
        Action::Confirm => (
            offers::confirm(&state.round, caller, id.clone())
                .await
                .map(drop),
            "confirmed",
        ),
        Action::Decline => (
            offers::decline(&state.round, caller, id.clone())
                .await
                .map(drop),
            "declined",
        ),
        Action::Erase => {
            // The page is gone with the data: say so here, and end the session.
            return match privacy::erase_own(&state.round, caller, id.clone(), Erase::default())
                .await
            {
                Ok(_) => {
                    view.add_cookie(session::ended_session(&id, pages.secure_cookies));
                    message(pages, &view, StatusCode::OK, "erased-title", "erased-text")
                }
                Err(e) => refused(pages, &view, &e),
            };
        }
    };
    match result {
        Ok(()) => view.redirect(&format!("{}?done={done}", session::application_path(&id))),
        Err(e) => refused(pages, &view, &e),
    }
}

/// `POST /applications/{id}/withdraw`.
pub async fn withdraw(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    act(&state, &pages, &req, &id, &body, Action::Withdraw).await
}

/// `POST /applications/{id}/confirm`: the applicant takes the seat offered.
pub async fn confirm(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    act(&state, &pages, &req, &id, &body, Action::Confirm).await
}

/// `POST /applications/{id}/decline`.
pub async fn decline(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    act(&state, &pages, &req, &id, &body, Action::Decline).await
}

/// `GET /applications/{id}/erase`: "do you really want your data erased?".
pub async fn erase_step(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    step(
        &state,
        &pages,
        &req,
        &id,
        ("erase-title", "erase-text", "erase-submit"),
        "erase",
    )
    .await
}

/// `POST /applications/{id}/erase`: erases the application's personal data (withdrawing it
/// first while the call is open).
pub async fn erase(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    act(&state, &pages, &req, &id, &body, Action::Erase).await
}

/// `GET /applications/{id}/personal-data`: everything held about the applicant, as a JSON file.
pub async fn personal_data(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let mut view = View::of(&req, &pages);
    view.private = true;
    let Some((id, caller)) = identify(&req, &id) else {
        return link_invalid(&pages, &view);
    };
    match privacy::export_own(&state.round, caller, id).await {
        Ok(document) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"jane-seats-personal-data.json\"",
            ))
            .json(document),
        Err(e) => refused(&pages, &view, &e),
    }
}

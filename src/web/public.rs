//! The public pages: open and upcoming calls, a call's announcement, a council's composition, the
//! privacy notice, the accessibility statement, and the stylesheet.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::{Value, context};

use super::render::{STYLESHEET, View};
use super::{Pages, dates, error_page};
use crate::app::AppState;
use crate::domain::call::CallStatus;
use crate::domain::council::CouncilKind;
use crate::domain::localized::{Language, LocalizedText};
use crate::domain::seat_plan::SeatRole;
use crate::ids::{CallId, CouncilId};
use crate::round::{calls, councils, reference};
use crate::store::calls::Call;
use crate::store::{PageRequest, seats::Seat};

/// A text in the reader's language, with the language it is really in (a missing translation
/// falls back to Finnish, marked so for screen readers).
pub fn localized(text: &LocalizedText, language: Language) -> Value {
    let actual = match language {
        Language::Sv if text.sv.is_none() => Language::Fi,
        Language::En if text.en.is_none() => Language::Fi,
        other => other,
    };
    context! {
        text => text.get(language),
        lang => actual.code(),
        other => actual != language,
    }
}

/// Paragraphs of a text written with blank lines between them.
pub fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// `ti 16.3.2027 klo 16.00`.
pub fn when(t: DateTime<Utc>, zone: Tz, language: Language) -> String {
    dates::datetime(t, zone, language)
}

/// "closes in 3 days", in the reader's language.
fn remaining(
    pages: &Pages,
    view: &View,
    key: &str,
    now: DateTime<Utc>,
    t: DateTime<Utc>,
    zone: Tz,
) -> String {
    let days = dates::days_until(now, t, zone);
    pages
        .catalog
        .message(view.language, key, &[("days", days.into())])
        .unwrap_or_default()
}

fn status_key(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Draft => "status-draft",
        CallStatus::Scheduled => "status-scheduled",
        CallStatus::Open => "status-open",
        CallStatus::Closed => "status-closed",
        CallStatus::Reviewing => "status-reviewing",
        CallStatus::Decided => "status-decided",
        CallStatus::Cancelled => "status-cancelled",
    }
}

/// `GET /`: the open and upcoming calls of every council, and the councils.
pub async fn home(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
) -> HttpResponse {
    let view = View::of(&req, &pages);
    let listing = match calls::open_and_upcoming(&state.round).await {
        Ok(listing) => listing,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let all_councils = councils::list(
        &state.round,
        None,
        None,
        PageRequest {
            limit: 500,
            after: None,
        },
    )
    .await
    .map(|p| p.items)
    .unwrap_or_default();
    let now = state.now();
    let language = view.language;
    let items: Vec<Value> = listing
        .iter()
        .map(|(call, council)| {
            let status = call.status(now);
            let (key, at, left_key) = if status == CallStatus::Open {
                ("home-call-open", call.window.closes_at, "closes-in")
            } else {
                ("home-call-scheduled", call.window.opens_at, "opens-in")
            };
            let at_text = when(at, call.time_zone, language);
            let deadline = pages
                .catalog
                .message(
                    language,
                    key,
                    &[
                        ("closes", at_text.clone().into()),
                        ("opens", at_text.into()),
                    ],
                )
                .unwrap_or_default();
            context! {
                href => format!("/calls/{}", call.id),
                title => localized(&call.title, language),
                council => localized(&council.name, language),
                status => pages.text(&view, status_key(status)),
                open => status == CallStatus::Open,
                deadline => deadline,
                remaining => remaining(&pages, &view, left_key, now, at, call.time_zone),
            }
        })
        .collect();
    let mut councils: Vec<_> = all_councils.iter().collect();
    councils.sort_by_key(|c| (c.kind != CouncilKind::Regional, c.name.fi.clone()));
    let councils: Vec<Value> = councils
        .into_iter()
        .map(|c| {
            context! {
                href => format!("/councils/{}", c.id),
                name => localized(&c.name, language),
                local => c.kind == CouncilKind::Local,
            }
        })
        .collect();
    pages.page(
        &view,
        StatusCode::OK,
        "home.html",
        context! { calls => items, councils => councils },
    )
}

/// The schedule of a call in the reader's language.
fn schedule(call: &Call, language: Language) -> Value {
    context! {
        opens => when(call.window.opens_at, call.time_zone, language),
        closes => when(call.window.closes_at, call.time_zone, language),
        term_start => dates::date(call.term_start, language),
        term_end => dates::date(call.term_end, language),
        time_zone => call.time_zone.name(),
    }
}

/// `GET /calls/{id}`: the call announcement (hakutiedote).
pub async fn call(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let view = View::of(&req, &pages);
    let Some(id) = CallId::parse(&id) else {
        return error_page(&pages, &view, &crate::error::AppError::not_found("call"));
    };
    let announcement = match calls::announcement(&state.round, id).await {
        Ok(a) => a,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let (call, language, now) = (&announcement.call, view.language, state.now());
    let status = call.status(now);
    let when_closes = when(call.window.closes_at, call.time_zone, language);
    let state_text = pages
        .catalog
        .message(
            language,
            &format!("call-state-{}", status.as_str()),
            &[
                (
                    "opens",
                    when(call.window.opens_at, call.time_zone, language).into(),
                ),
                ("closes", when_closes.into()),
                (
                    "remaining",
                    remaining(
                        &pages,
                        &view,
                        "closes-in",
                        now,
                        call.window.closes_at,
                        call.time_zone,
                    )
                    .into(),
                ),
            ],
        )
        .unwrap_or_default();
    let announcement_text = localized(&call.announcement, language);
    let seats: Vec<Value> = announcement
        .seats
        .iter()
        .map(|s| {
            context! {
                theme => s.theme.name().get(language),
                representatives => s.representatives,
                deputies => s.deputies,
            }
        })
        .collect();
    pages.page(
        &view,
        StatusCode::OK,
        "call.html",
        context! {
            call => context! {
                id => call.id.to_string(),
                title => localized(&call.title, language),
                announcement => announcement_text,
                paragraphs => paragraphs(call.announcement.get(language)),
                criteria => call.criteria.iter().map(|c| localized(c, language)).collect::<Vec<_>>(),
                contacts => call.contacts.iter().map(|c| context! { name => c.name, email => c.email, phone => c.phone }).collect::<Vec<_>>(),
                schedule => schedule(call, language),
            },
            council => context! {
                name => localized(&announcement.council.name, language),
                href => format!("/councils/{}", announcement.council.id),
            },
            status => pages.text(&view, status_key(status)),
            state_text => state_text,
            cancellation_reason => call.cancellation.as_ref().map(|c| localized(&c.reason, language)),
            decision => announcement.decision.as_ref().map(|d| context! {
                meeting_reference => d.meeting_reference,
                quota_exception => d.quota_exception.as_ref().map(|q| context! {
                    reason => q.reason,
                    measures => q.measures,
                }),
            }),
            corrected => call.corrected_at.map(|t| when(t, call.time_zone, language)),
            open => status == CallStatus::Open,
            decided => status == CallStatus::Decided,
            seats => seats,
            notice_version => announcement.notice.version,
        },
    )
}

/// One row of a composition table: the seat's theme and who holds it, if anyone.
fn seat_row(seat: &Seat, language: Language) -> Value {
    context! {
        theme => seat.theme.name().get(language),
        holder => seat.holder.as_ref().map(|h| context! {
            name => h.name,
            association => h.association,
            confirmed => h.confirmed,
        }),
    }
}

/// `GET /councils/{id}`: the published composition; for a regional council also its local
/// councils, their filled seats and gaps, and the municipalities with no local council yet.
pub async fn council(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let view = View::of(&req, &pages);
    let Some(id) = CouncilId::parse(&id) else {
        return error_page(&pages, &view, &crate::error::AppError::not_found("council"));
    };
    let composition = match councils::composition(&state.round, id).await {
        Ok(c) => c,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let language = view.language;
    let rows = |role: SeatRole| -> Vec<Value> {
        composition
            .seats
            .iter()
            .filter(|s| s.role == role)
            .map(|s| seat_row(s, language))
            .collect()
    };
    let locals: Vec<Value> = composition
        .coverage
        .councils
        .iter()
        .filter(|(c, _)| c.id != composition.council.id)
        .map(|(c, covered)| {
            context! {
                name => localized(&c.name, language),
                href => format!("/councils/{}", c.id),
                representatives => format!("{} / {}", covered.representative.filled, covered.representative.total),
                deputies => format!("{} / {}", covered.deputy.filled, covered.deputy.total),
            }
        })
        .collect();
    let gaps: usize = composition
        .coverage
        .councils
        .iter()
        .map(|(_, c)| (c.representative.total - c.representative.filled) as usize)
        .sum();
    let all_filled = composition
        .coverage
        .councils
        .iter()
        .all(|(_, c)| c.all_representative_seats_filled());
    pages.page(
        &view,
        StatusCode::OK,
        "council.html",
        context! {
            council => context! {
                name => localized(&composition.council.name, language),
                regional => composition.council.kind == CouncilKind::Regional,
            },
            term => composition.term.map(|(start, end)| context! {
                start => dates::date(start, language),
                end => dates::date(end, language),
            }),
            representatives => rows(SeatRole::Representative),
            deputies => rows(SeatRole::Deputy),
            has_seats => !composition.seats.is_empty(),
            locals => locals,
            gaps => gaps,
            all_filled => all_filled,
            without_local => composition.coverage.municipalities_without_local_council.iter().map(|m| m.name.get(language).to_owned()).collect::<Vec<_>>(),
        },
    )
}

/// `GET /privacy`: the privacy notice in force.
pub async fn privacy(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
) -> HttpResponse {
    let view = View::of(&req, &pages);
    let notice = match reference::privacy_notice(&state.round).await {
        Ok(n) => n,
        Err(e) => return error_page(&pages, &view, &e),
    };
    let language = view.language;
    let text = localized(&notice.text, language);
    pages.page(
        &view,
        StatusCode::OK,
        "privacy.html",
        context! {
            notice => text,
            paragraphs => paragraphs(notice.text.get(language)),
            version => notice.version,
            published => dates::date(notice.published_at.date_naive(), language),
        },
    )
}

/// `GET /accessibility`: the accessibility statement (Act 306/2019, 9 §).
pub async fn accessibility(
    state: web::Data<AppState>,
    pages: web::Data<Pages>,
    req: HttpRequest,
) -> HttpResponse {
    let view = View::of(&req, &pages);
    let a = &state.round.config.accessibility;
    let (name, unit, site) = match view.language {
        Language::Fi => (
            &a.authority_name_fi,
            &a.authority_unit_fi,
            &a.authority_web_fi,
        ),
        Language::Sv => (
            &a.authority_name_sv,
            &a.authority_unit_sv,
            &a.authority_web_sv,
        ),
        Language::En => (
            &a.authority_name_en,
            &a.authority_unit_en,
            &a.authority_web_en,
        ),
    };
    pages.page(
        &view,
        StatusCode::OK,
        "accessibility.html",
        context! {
            url => pages.public_url,
            contact => a.feedback_contact,
            contact_is_email => a.feedback_contact.contains('@'),
            authority => context! {
                name => name, unit => unit, site => site,
                email => a.authority_email, phone => a.authority_phone,
            },
            drawn => dates::date(a.statement_drawn_up, view.language),
            updated => dates::date(a.statement_updated, view.language),
        },
    )
}

/// The stylesheet, cached for good: its address changes with its content.
pub async fn stylesheet(pages: web::Data<Pages>, req: HttpRequest) -> HttpResponse {
    if req.path() != pages.stylesheet_path {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(STYLESHEET)
}

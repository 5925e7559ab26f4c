//! What each kind of message may say: the variables its template sees. Every kind has a sample,
//! used to check a secretary's template at save time and for the template snapshots.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::store::calls::Call;
use crate::store::councils::Council;

use crate::domain::access::Role;
use crate::domain::localized::Language;
use crate::domain::notification::{AgendaItem, MessageKind, founding_meeting_agenda};

/// The call, as messages show it.
#[derive(Debug, Clone, Serialize)]
pub struct CallInfo {
    pub title: String,
    /// The council's name.
    pub council: String,
    /// The deadline on the call's wall clock, written for people.
    pub closes_at: String,
    pub term_start: String,
    pub term_end: String,
    pub contacts: Vec<ContactInfo>,
}

impl CallInfo {
    /// The call as a message in `language` shows it.
    pub fn of(call: &Call, council: &Council, language: Language) -> Self {
        Self {
            title: call.title.get(language).to_owned(),
            council: council.name.get(language).to_owned(),
            closes_at: human_datetime(call.window.closes_at, call.time_zone, language),
            term_start: human_date(call.term_start, language),
            term_end: human_date(call.term_end, language),
            contacts: call
                .contacts
                .iter()
                .map(|c| ContactInfo {
                    name: c.name.clone(),
                    email: c.email.clone(),
                    phone: c.phone.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactInfo {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeCount {
    pub theme: String,
    pub applications: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub time: String,
    pub place: String,
}

/// The variables of one message. Serialised flat: the fields are the template's variables.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum MessageContext {
    ApplicationReceived {
        call: CallInfo,
        candidate: Candidate,
        association: String,
        theme: String,
        edit_url: String,
    },
    ClosingReminder {
        call: CallInfo,
        recipient: String,
        themes: Vec<ThemeCount>,
        total_applications: u32,
    },
    SelectedRepresentative {
        call: CallInfo,
        candidate: Candidate,
        association: String,
        theme: String,
        respond_url: String,
        respond_by: String,
        /// The theme's deputy offered the seat of a representative who left: declining keeps
        /// the deputy seat.
        moving_up: bool,
    },
    SelectedDeputy {
        call: CallInfo,
        candidate: Candidate,
        association: String,
        theme: String,
        respond_url: String,
        respond_by: String,
    },
    Reserve {
        call: CallInfo,
        candidate: Candidate,
        theme: String,
    },
    NotSelected {
        call: CallInfo,
        candidate: Candidate,
        theme: String,
    },
    FoundingMeetingInvitation {
        call: CallInfo,
        candidate: Candidate,
        meeting: Meeting,
        agenda: Vec<AgendaItem>,
    },
    CallCancelled {
        call: CallInfo,
        candidate: Candidate,
        /// The reason, in the recipient's language where given (else Finnish).
        reason: String,
        /// The call's page, where the reason is public.
        call_url: String,
    },
    StaffInvitation {
        recipient: String,
        role: String,
        councils: Vec<String>,
        inviter: String,
        docs_url: String,
    },
}

impl MessageContext {
    pub fn kind(&self) -> MessageKind {
        match self {
            Self::ApplicationReceived { .. } => MessageKind::ApplicationReceived,
            Self::ClosingReminder { .. } => MessageKind::ClosingReminder,
            Self::SelectedRepresentative { .. } => MessageKind::SelectedRepresentative,
            Self::SelectedDeputy { .. } => MessageKind::SelectedDeputy,
            Self::Reserve { .. } => MessageKind::Reserve,
            Self::NotSelected { .. } => MessageKind::NotSelected,
            Self::FoundingMeetingInvitation { .. } => MessageKind::FoundingMeetingInvitation,
            Self::StaffInvitation { .. } => MessageKind::StaffInvitation,
            Self::CallCancelled { .. } => MessageKind::CallCancelled,
        }
    }

    /// The names a template of this kind may use (top-level variables).
    pub fn variables(kind: MessageKind) -> Vec<String> {
        let sample =
            serde_json::to_value(Self::sample(kind, Language::Fi)).expect("contexts serialise");
        sample
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// A realistic example of each kind, in `language`.
    pub fn sample(kind: MessageKind, language: Language) -> Self {
        let tz = chrono_tz::Europe::Helsinki;
        let call = CallInfo {
            title: "Liperin paikallis-JANE: avoin haku 2027".into(),
            council: "Liperin paikallis-JANE".into(),
            closes_at: human_datetime("2027-02-28T14:00:00Z".parse().expect("valid"), tz, language),
            term_start: human_date(
                NaiveDate::from_ymd_opt(2027, 4, 1).expect("valid"),
                language,
            ),
            term_end: human_date(
                NaiveDate::from_ymd_opt(2029, 3, 31).expect("valid"),
                language,
            ),
            contacts: vec![ContactInfo {
                name: "Sanna Sihteeri".into(),
                email: "sanna.sihteeri@liperi.example".into(),
                phone: Some("040 123 4567".into()),
            }],
        };
        let candidate = Candidate {
            first_name: "Äijä".into(),
            last_name: "Öhman".into(),
        };
        let theme = crate::domain::theme::ThemeArea::VillagesHeritage
            .name()
            .get(language)
            .to_owned();
        let association = "Ylämyllyn Kyläyhdistys ry".to_owned();
        let respond_url = "https://jane.example.org/applications/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b?token=jsa_example".to_owned();
        let respond_by = human_date(
            NaiveDate::from_ymd_opt(2027, 3, 21).expect("valid"),
            language,
        );
        match kind {
            MessageKind::ApplicationReceived => Self::ApplicationReceived {
                call,
                candidate,
                association,
                theme,
                edit_url: respond_url,
            },
            MessageKind::ClosingReminder => Self::ClosingReminder {
                call,
                recipient: "Sanna Sihteeri".into(),
                themes: vec![
                    ThemeCount {
                        theme,
                        applications: 3,
                    },
                    ThemeCount {
                        theme: crate::domain::theme::ThemeArea::Sports
                            .name()
                            .get(language)
                            .to_owned(),
                        applications: 0,
                    },
                ],
                total_applications: 3,
            },
            MessageKind::SelectedRepresentative => Self::SelectedRepresentative {
                call,
                candidate,
                association,
                theme,
                respond_url,
                respond_by,
                moving_up: false,
            },
            MessageKind::SelectedDeputy => Self::SelectedDeputy {
                call,
                candidate,
                association,
                theme,
                respond_url,
                respond_by,
            },
            MessageKind::Reserve => Self::Reserve {
                call,
                candidate,
                theme,
            },
            MessageKind::NotSelected => Self::NotSelected {
                call,
                candidate,
                theme,
            },
            MessageKind::FoundingMeetingInvitation => Self::FoundingMeetingInvitation {
                call,
                candidate,
                meeting: Meeting {
                    time: human_datetime(
                        "2027-04-14T15:00:00Z".parse().expect("valid"),
                        tz,
                        language,
                    ),
                    place: "Liperin kunnantalo, valtuustosali".into(),
                },
                agenda: founding_meeting_agenda(language),
            },
            MessageKind::CallCancelled => Self::CallCancelled {
                call,
                candidate,
                reason: match language {
                    Language::Fi => "Hakuilmoitukseen merkittiin väärä toimikausi. Haku julkaistaan uudelleen oikein tiedoin.",
                    Language::Sv => "Fel mandatperiod angavs i utlysningen. Den utlyses på nytt med rätt uppgifter.",
                    Language::En => "The call gave the wrong term. It will be announced again with the right details.",
                }
                .into(),
                call_url: "https://jane.example.org/calls/0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b".into(),
            },
            MessageKind::StaffInvitation => Self::StaffInvitation {
                recipient: "Kalle Komitea".into(),
                role: role_name(Role::Committee, language).into(),
                councils: vec!["Liperin paikallis-JANE".into()],
                inviter: "Sanna Sihteeri".into(),
                docs_url: "https://jane.example.org/docs/".into(),
            },
        }
    }
}

/// `28.2.2027 klo 16.00 (EET)`, `28.2.2027 kl. 16.00 (EET)`, `28 February 2027 at 16:00 (EET)`.
pub fn human_datetime(t: DateTime<Utc>, zone: Tz, language: Language) -> String {
    let local = t.with_timezone(&zone);
    let format = match language {
        Language::Fi => "%-d.%-m.%Y klo %H.%M (%Z)",
        Language::Sv => "%-d.%-m.%Y kl. %H.%M (%Z)",
        Language::En => "%-d %B %Y at %H:%M (%Z)",
    };
    local.format(format).to_string()
}

/// `1.4.2027`, or `1 April 2027` in English.
pub fn human_date(date: NaiveDate, language: Language) -> String {
    match language {
        Language::Fi | Language::Sv => date.format("%-d.%-m.%Y").to_string(),
        Language::En => date.format("%-d %B %Y").to_string(),
    }
}

pub fn role_name(role: Role, language: Language) -> &'static str {
    match (role, language) {
        (Role::Admin, Language::Fi) => "pääkäyttäjä",
        (Role::Admin, Language::Sv) => "huvudanvändare",
        (Role::Admin, Language::En) => "administrator",
        (Role::Secretary, Language::Fi) => "sihteeri",
        (Role::Secretary, Language::Sv) => "sekreterare",
        (Role::Secretary, Language::En) => "secretary",
        (Role::Committee, Language::Fi) => "valintaryhmän jäsen",
        (Role::Committee, Language::Sv) => "medlem i urvalsgruppen",
        (Role::Committee, Language::En) => "selection committee member",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_times_follow_the_language_and_the_season() {
        let tz = chrono_tz::Europe::Helsinki;
        let winter: DateTime<Utc> = "2027-02-28T14:00:00Z".parse().unwrap();
        let summer: DateTime<Utc> = "2027-05-31T13:00:00Z".parse().unwrap();
        assert_eq!(
            human_datetime(winter, tz, Language::Fi),
            "28.2.2027 klo 16.00 (EET)"
        );
        assert_eq!(
            human_datetime(summer, tz, Language::Sv),
            "31.5.2027 kl. 16.00 (EEST)"
        );
        assert_eq!(
            human_datetime(winter, tz, Language::En),
            "28 February 2027 at 16:00 (EET)"
        );
    }

    #[test]
    fn samples_match_their_kind() {
        for kind in MessageKind::ALL {
            assert_eq!(MessageContext::sample(kind, Language::Sv).kind(), kind);
            assert!(!MessageContext::variables(kind).is_empty());
        }
        assert!(
            MessageContext::variables(MessageKind::ApplicationReceived)
                .contains(&"edit_url".to_owned())
        );
    }
}

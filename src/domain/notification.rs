//! The messages the selection round sends, and the founding meeting's standard agenda from the
//! paikallis-JANE model.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::localized::{Language, LocalizedText};
use super::seat_plan::SeatRole;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// To the candidate, when their application is submitted.
    ApplicationReceived,
    /// To the council's secretaries, before the call closes.
    ClosingReminder,
    /// To a candidate selected for a representative seat.
    SelectedRepresentative,
    /// To a candidate selected for a deputy seat.
    SelectedDeputy,
    /// To a candidate on the reserve list.
    Reserve,
    /// To a candidate who was not selected.
    NotSelected,
    /// To the selected, inviting them to the council's founding meeting.
    FoundingMeetingInvitation,
    /// To a new staff user.
    StaffInvitation,
    /// To every applicant, when the call is cancelled.
    CallCancelled,
}

impl MessageKind {
    pub const ALL: [MessageKind; 9] = [
        Self::ApplicationReceived,
        Self::ClosingReminder,
        Self::SelectedRepresentative,
        Self::SelectedDeputy,
        Self::Reserve,
        Self::NotSelected,
        Self::FoundingMeetingInvitation,
        Self::StaffInvitation,
        Self::CallCancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::ApplicationReceived => "application_received",
            Self::ClosingReminder => "closing_reminder",
            Self::SelectedRepresentative => "selected_representative",
            Self::SelectedDeputy => "selected_deputy",
            Self::Reserve => "reserve",
            Self::NotSelected => "not_selected",
            Self::FoundingMeetingInvitation => "founding_meeting_invitation",
            Self::StaffInvitation => "staff_invitation",
            Self::CallCancelled => "call_cancelled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Delivery state of a queued message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Queued,
    /// A sender has claimed it and is sending it now.
    Sending,
    /// Accepted by the mail server (or written to the outbox directory).
    Sent,
    /// Given up: a permanent rejection, or every attempt failed.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Sending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// What an applicant is told of the outcome: after the decision, and when a seat is offered to
/// them later (a reserve stepping in, a deputy moving up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Offered a seat of `role`. `moving_up`: a deputy offered the theme's representative seat,
    /// whose deputy seat is kept for them until they answer.
    Seat { role: SeatRole, moving_up: bool },
    /// On the reserve list of their theme.
    Reserve,
    /// Not selected, and not on the reserve list.
    NotSelected,
}

impl Outcome {
    /// The message that says it.
    pub fn message_kind(self) -> MessageKind {
        match self {
            Self::Seat {
                role: SeatRole::Representative,
                ..
            } => MessageKind::SelectedRepresentative,
            Self::Seat {
                role: SeatRole::Deputy,
                ..
            } => MessageKind::SelectedDeputy,
            Self::Reserve => MessageKind::Reserve,
            Self::NotSelected => MessageKind::NotSelected,
        }
    }

    /// Whether the founding-meeting invitation goes with it (to those offered a seat).
    pub fn invites_to_founding_meeting(self) -> bool {
        matches!(self, Self::Seat { .. })
    }
}

/// An agenda item, possibly with sub-items.
#[derive(Debug, Clone, Serialize)]
pub struct AgendaItem {
    pub title: String,
    pub items: Vec<String>,
}

fn t(fi: &str, sv: &str, en: &str) -> LocalizedText {
    LocalizedText::new(fi, sv, en)
}

/// The founding meeting's agenda (perustamiskokous), as the paikallis-JANE model lists it.
pub fn founding_meeting_agenda(language: Language) -> Vec<AgendaItem> {
    let item = |title: LocalizedText, items: Vec<LocalizedText>| AgendaItem {
        title: title.get(language).to_owned(),
        items: items.iter().map(|i| i.get(language).to_owned()).collect(),
    };
    vec![
        item(
            t(
                "Kokouksen avaus",
                "Mötets öppnande",
                "Opening of the meeting",
            ),
            vec![],
        ),
        item(
            t(
                "Valitaan kokoukselle puheenjohtaja ja sihteeri",
                "Val av ordförande och sekreterare för mötet",
                "Election of the chair and secretary of the meeting",
            ),
            vec![],
        ),
        item(
            t(
                "Esittäytymiskierros ja läsnäolijoiden toteaminen",
                "Presentationsrunda och konstaterande av närvarande",
                "Introductions and record of attendance",
            ),
            vec![],
        ),
        item(
            t(
                "Yleisesittely paikallis-JANEjen toiminnasta",
                "Allmän presentation av de lokala JANE-rådens verksamhet",
                "Overview of what paikallis-JANEs do",
            ),
            vec![],
        ),
        item(
            t(
                "Sovitaan paikallis-JANEn toimintaperiaatteista",
                "Överenskommelse om det lokala JANE-rådets verksamhetsprinciper",
                "Agreeing on the paikallis-JANE's operating principles",
            ),
            vec![
                t(
                    "Nimi ja mahdollinen lyhenne",
                    "Namn och eventuell förkortning",
                    "Name and possible abbreviation",
                ),
                t("Toimikausi", "Mandatperiod", "Term"),
                t("Koollekutsunta", "Sammankallande", "Convening"),
                t("Kokousten määrä", "Antal möten", "Number of meetings"),
                t("Kokouspaikka", "Mötesplats", "Meeting place"),
                t("Tavoite", "Mål", "Goal"),
                t("Toimintasuunnitelma", "Verksamhetsplan", "Action plan"),
                t(
                    "Sisäinen ja ulkoinen viestintä",
                    "Intern och extern kommunikation",
                    "Internal and external communication",
                ),
                t(
                    "Asiakirjojen säilytys",
                    "Förvaring av handlingar",
                    "Keeping of documents",
                ),
            ],
        ),
        item(
            t(
                "Paikallis-JANEn järjestäytyminen",
                "Det lokala JANE-rådets konstituering",
                "Organising the paikallis-JANE",
            ),
            vec![t(
                "Puheenjohtajan, sihteerin ja mahdollisten asiantuntijajäsenten valinta",
                "Val av ordförande, sekreterare och eventuella sakkunnigmedlemmar",
                "Election of the chair, the secretary and any expert members",
            )],
        ),
        item(
            t(
                "Kokousaikataulut ja teemasuunnittelu",
                "Mötesschema och temaplanering",
                "Meeting schedule and themes",
            ),
            vec![],
        ),
        item(
            t(
                "Kunnan järjestöillan suunnittelu ja paikallis-JANEn esittäytyminen muille alueen yhdistyksille",
                "Planering av kommunens föreningskväll och presentation av det lokala JANE-rådet för andra föreningar i området",
                "Planning the municipality's association evening and presenting the paikallis-JANE to the area's other associations",
            ),
            vec![],
        ),
        item(t("Muut asiat", "Övriga ärenden", "Other matters"), vec![]),
        item(
            t(
                "Kokouksen päättäminen",
                "Mötets avslutande",
                "Closing of the meeting",
            ),
            vec![],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in MessageKind::ALL {
            assert_eq!(MessageKind::parse(kind.code()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
    }

    #[test]
    fn the_agenda_follows_the_model() {
        for language in Language::ALL {
            let agenda = founding_meeting_agenda(language);
            assert_eq!(agenda.len(), 10);
            assert_eq!(agenda[4].items.len(), 9, "operating principles");
            assert_eq!(agenda[5].items.len(), 1, "chair, secretary and experts");
        }
        assert_eq!(
            founding_meeting_agenda(Language::Fi)[0].title,
            "Kokouksen avaus"
        );
    }
}

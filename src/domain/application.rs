//! What makes an application valid, in plain Rust: the business ID (Y-tunnus) check digit, the
//! association register number, phone numbers in E.164, and who may change an application when.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::call::CallStatus;
use super::theme::ThemeArea;

/// Checks a Finnish business ID (Y-tunnus), `NNNNNNN-C`: the digits are weighted 7, 9, 10, 5, 8,
/// 4, 2 and summed; with `r` the sum mod 11, the check digit is 0 if `r` is 0, and 11 - `r` if `r`
/// is 2..=10. A remainder of 1 gives no valid ID.
pub fn is_valid_business_id(text: &str) -> bool {
    const WEIGHTS: [u32; 7] = [7, 9, 10, 5, 8, 4, 2];
    let bytes = text.as_bytes();
    if bytes.len() != 9 || bytes[7] != b'-' {
        return false;
    }
    let digits: Option<Vec<u32>> = bytes[..7]
        .iter()
        .chain(&bytes[8..])
        .map(|b| b.is_ascii_digit().then(|| u32::from(b - b'0')))
        .collect();
    let Some(digits) = digits else { return false };
    let sum: u32 = digits[..7].iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    match sum % 11 {
        0 => digits[7] == 0,
        1 => false,
        r => digits[7] == 11 - r,
    }
}

/// An association register number (yhdistysrekisterinumero): 1 to 6 digits, written with or
/// without the thousands dot (`123.456`, `123456`). Returned in the dotted form.
pub fn normalize_register_number(text: &str) -> Option<String> {
    let text = text.trim();
    let dots = text.matches('.').count();
    let digits: String = text.chars().filter(|c| *c != '.').collect();
    let well_formed = !digits.is_empty()
        && digits.len() <= 6
        && digits.bytes().all(|b| b.is_ascii_digit())
        // a dot, if any, separates the last three digits
        && (dots == 0 || (dots == 1 && text.len() > 4 && text.as_bytes()[text.len() - 4] == b'.'));
    if !well_formed {
        return None;
    }
    Some(if digits.len() > 3 {
        format!(
            "{}.{}",
            &digits[..digits.len() - 3],
            &digits[digits.len() - 3..]
        )
    } else {
        digits
    })
}

/// A phone number in E.164 (`+358401234567`). Numbers without a country code are read as
/// Finnish (`040 123 4567`, `(09) 123 4567`); others need their `+` code (`+46 70 123 45 67`).
pub fn normalize_phone(text: &str) -> Option<String> {
    let number = phonenumber::parse(Some(phonenumber::country::Id::FI), text.trim()).ok()?;
    phonenumber::is_valid(&number)
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Candidates are told apart by email: compared trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RolePreference {
    Representative,
    Deputy,
    Either,
}

impl RolePreference {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Representative => "representative",
            Self::Deputy => "deputy",
            Self::Either => "either",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Representative, Self::Deputy, Self::Either]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// Asked so that the composition can meet the Equality Act's 40 % rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Woman,
    Man,
    Other,
    Undisclosed,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Woman => "woman",
            Self::Man => "man",
            Self::Other => "other",
            Self::Undisclosed => "undisclosed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Woman, Self::Man, Self::Other, Self::Undisclosed]
            .into_iter()
            .find(|g| g.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// In the running.
    Submitted,
    /// Taken back by the applicant (or by staff on their behalf); never selected.
    Withdrawn,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Submitted, Self::Withdrawn]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// Who is changing an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    /// The applicant, with the edit token.
    Applicant,
    /// An admin or a secretary of the council.
    Staff,
}

/// Why an application cannot be changed now (an HTTP 409).
pub fn edit_refusal(
    editor: Editor,
    call: CallStatus,
    application: ApplicationStatus,
) -> Option<String> {
    if application == ApplicationStatus::Withdrawn {
        return Some("the application has been withdrawn".into());
    }
    match (editor, call) {
        (Editor::Applicant, CallStatus::Open) => None,
        (Editor::Applicant, _) => Some(format!(
            "the call is {call}; applicants can change or withdraw their application only while it is open"
        )),
        (Editor::Staff, CallStatus::Decided) => {
            Some("the call is decided; applications no longer change".into())
        }
        (Editor::Staff, _) => None,
    }
}

/// Where a form places the application: the facts the call and the reference data judge.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    pub theme: ThemeArea,
    pub association_municipality: &'a str,
    pub candidate_municipality: &'a str,
    /// The privacy notice version the applicant accepted; `None` when not judged (an edit).
    pub accepted_notice: Option<&'a str>,
}

/// What the call and the reference data say.
#[derive(Debug, Clone, Copy)]
pub struct CallSetting<'a> {
    pub themes_sought: &'a [ThemeArea],
    /// The municipalities the council covers.
    pub council_area: &'a [String],
    /// Those of the form's municipality codes that the service does not know.
    pub unknown_municipalities: &'a [String],
    pub notice_in_force: &'a str,
}

/// Why an application does not belong to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misplacement {
    /// The call does not seek applicants for the theme.
    ThemeNotSought,
    /// `field` names a municipality the service does not know.
    UnknownMunicipality { field: &'static str },
    /// The association operates outside the council's area.
    OutsideArea,
    /// The accepted privacy notice is not the one in force.
    OutdatedNotice,
}

impl Misplacement {
    /// The form field it is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::ThemeNotSought => "theme",
            Self::UnknownMunicipality { field } => field,
            Self::OutsideArea => "association.municipality_code",
            Self::OutdatedNotice => "consent.privacy_notice_version",
        }
    }
}

/// Every way the form does not belong to the call (the rules that need the call and the
/// reference data; the form's own rules are its validator's).
pub fn misplacements(form: &Placement<'_>, call: &CallSetting<'_>) -> Vec<Misplacement> {
    let mut found = Vec::new();
    if !call.themes_sought.contains(&form.theme) {
        found.push(Misplacement::ThemeNotSought);
    }
    let unknown = |code: &str| call.unknown_municipalities.iter().any(|u| u == code);
    for (field, code) in [
        (
            "association.municipality_code",
            form.association_municipality,
        ),
        ("candidate.municipality_code", form.candidate_municipality),
    ] {
        if unknown(code) {
            found.push(Misplacement::UnknownMunicipality { field });
        }
    }
    if !unknown(form.association_municipality)
        && !call
            .council_area
            .iter()
            .any(|c| c == form.association_municipality)
    {
        found.push(Misplacement::OutsideArea);
    }
    if form
        .accepted_notice
        .is_some_and(|v| v != call.notice_in_force)
    {
        found.push(Misplacement::OutdatedNotice);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn business_ids_from_the_issue() {
        for valid in ["0112038-9", "2077474-0", "1572860-0"] {
            assert!(is_valid_business_id(valid), "{valid}");
        }
        for invalid in [
            "1234567-8",
            "2077474-1",
            "1000008-0",
            "0112038",
            "01120389",
            "0112038-",
            "a112038-9",
            " 0112038-9",
            "0112038–9",
        ] {
            assert!(!is_valid_business_id(invalid), "{invalid}");
        }
    }

    /// An independent formulation: the check digit is what brings the weighted sum to a multiple
    /// of 11 (sum + check ≡ 0 mod 11); a sum leaving remainder 1 would need a check "digit" of 10.
    fn independent(prefix: u32, check: u32) -> bool {
        let mut n = prefix;
        let mut sum = 0;
        for weight in [2, 4, 8, 5, 10, 9, 7] {
            sum += (n % 10) * weight;
            n /= 10;
        }
        (sum + check).is_multiple_of(11)
    }

    proptest! {
        #[test]
        fn business_id_check_agrees_with_the_independent_formulation(prefix in 0u32..10_000_000, check in 0u32..10) {
            let id = format!("{prefix:07}-{check}");
            prop_assert_eq!(is_valid_business_id(&id), independent(prefix, check), "{}", id);
        }

        #[test]
        fn every_prefix_has_at_most_one_check_digit(prefix in 0u32..10_000_000) {
            let valid = (0..10).filter(|c| is_valid_business_id(&format!("{prefix:07}-{c}"))).count();
            prop_assert!(valid <= 1);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,12}") {
            let _ = is_valid_business_id(&text);
            let _ = normalize_register_number(&text);
        }
    }

    #[test]
    fn register_numbers() {
        assert_eq!(
            normalize_register_number("123.456").as_deref(),
            Some("123.456")
        );
        assert_eq!(
            normalize_register_number("123456").as_deref(),
            Some("123.456")
        );
        assert_eq!(
            normalize_register_number("12.345").as_deref(),
            Some("12.345")
        );
        assert_eq!(normalize_register_number("7").as_deref(), Some("7"));
        assert_eq!(
            normalize_register_number(" 2.000 ").as_deref(),
            Some("2.000")
        );
        for bad in ["", "1234567", "12.34", "1.2.345", "12a456", ".123", "123."] {
            assert_eq!(normalize_register_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            normalize_phone("040 123 4567").as_deref(),
            Some("+358401234567")
        );
        assert_eq!(
            normalize_phone("+358 40 123 4567").as_deref(),
            Some("+358401234567")
        );
        assert_eq!(
            normalize_phone("00358401234567").as_deref(),
            Some("+358401234567")
        );
        assert_eq!(
            normalize_phone("(09) 123 4567").as_deref(),
            Some("+35891234567")
        );
        assert_eq!(
            normalize_phone("+46 70 123 45 67").as_deref(),
            Some("+46701234567")
        );
        for bad in ["", "123", "call me", "040 12"] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_application_belongs_to_the_call_it_fits() {
        let area = ["426".to_owned(), "167".to_owned()];
        let call = CallSetting {
            themes_sought: &[ThemeArea::Sports],
            council_area: &area,
            unknown_municipalities: &["999".to_owned()],
            notice_in_force: "2",
        };
        let fits = Placement {
            theme: ThemeArea::Sports,
            association_municipality: "426",
            candidate_municipality: "091",
            accepted_notice: Some("2"),
        };
        assert_eq!(misplacements(&fits, &call), []);
        let off = Placement {
            theme: ThemeArea::Culture,
            association_municipality: "999",
            candidate_municipality: "999",
            accepted_notice: Some("1"),
        };
        assert_eq!(
            misplacements(&off, &call),
            [
                Misplacement::ThemeNotSought,
                Misplacement::UnknownMunicipality {
                    field: "association.municipality_code"
                },
                Misplacement::UnknownMunicipality {
                    field: "candidate.municipality_code"
                },
                Misplacement::OutdatedNotice,
            ],
            "an unknown municipality is not also outside the area"
        );
        let outside = Placement {
            association_municipality: "091",
            accepted_notice: None,
            ..fits
        };
        assert_eq!(misplacements(&outside, &call), [Misplacement::OutsideArea]);
    }

    #[test]
    fn who_edits_when() {
        use ApplicationStatus::*;
        assert_eq!(
            edit_refusal(Editor::Applicant, CallStatus::Open, Submitted),
            None
        );
        assert!(edit_refusal(Editor::Applicant, CallStatus::Closed, Submitted).is_some());
        assert!(edit_refusal(Editor::Applicant, CallStatus::Open, Withdrawn).is_some());
        assert_eq!(
            edit_refusal(Editor::Staff, CallStatus::Reviewing, Submitted),
            None
        );
        assert!(edit_refusal(Editor::Staff, CallStatus::Decided, Submitted).is_some());
    }
}

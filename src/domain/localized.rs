//! Texts published in Finnish, Swedish and English. Finnish is required; the others are optional
//! and fall back to Finnish.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Fi,
    Sv,
    En,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Fi, Language::Sv, Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Fi => "fi",
            Self::Sv => "sv",
            Self::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// `{"fi": "...", "sv": "...", "en": "..."}`; `fi` is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    #[schema(example = "Avoin haku", min_length = 1)]
    pub fi: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl LocalizedText {
    pub fn new(fi: &str, sv: &str, en: &str) -> Self {
        Self {
            fi: fi.to_owned(),
            sv: Some(sv.to_owned()),
            en: Some(en.to_owned()),
        }
    }

    /// The text in `language`, or the Finnish text when that translation is missing.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Fi => &self.fi,
            Language::Sv => self.sv.as_deref().unwrap_or(&self.fi),
            Language::En => self.en.as_deref().unwrap_or(&self.fi),
        }
    }

    /// Blank optional translations mean "not translated".
    pub fn normalized(mut self) -> Self {
        if self.sv.as_deref().is_some_and(|s| s.trim().is_empty()) {
            self.sv = None;
        }
        if self.en.as_deref().is_some_and(|s| s.trim().is_empty()) {
            self.en = None;
        }
        self
    }

    /// `fi` must be non-blank; no translation may exceed `max_chars` characters.
    pub fn check(&self, max_chars: usize) -> Result<(), String> {
        if self.fi.trim().is_empty() {
            return Err("the Finnish text (fi) is required".into());
        }
        for (code, text) in [
            ("fi", Some(&self.fi)),
            ("sv", self.sv.as_ref()),
            ("en", self.en.as_ref()),
        ] {
            if let Some(text) = text {
                let count = text.chars().count();
                if count > max_chars {
                    return Err(format!(
                        "the {code} text has {count} characters; at most {max_chars} are allowed"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_finnish() {
        let text = LocalizedText {
            fi: "Liikunta".into(),
            sv: None,
            en: Some("Sports".into()),
        };
        assert_eq!(text.get(Language::Sv), "Liikunta");
        assert_eq!(text.get(Language::En), "Sports");
    }

    #[test]
    fn check_requires_finnish_and_bounds_length() {
        let mut text = LocalizedText::new("  ", "x", "y");
        assert!(text.check(10).is_err());
        text.fi = "Äänestys 🗳".into();
        assert!(text.check(10).is_ok(), "characters, not bytes, are counted");
        text.en = Some("x".repeat(11));
        assert!(text.check(10).unwrap_err().contains("en"));
    }

    #[test]
    fn blank_translations_become_missing() {
        let text = LocalizedText::new("Kulttuuri", " ", "Culture").normalized();
        assert_eq!(text.sv, None);
        assert_eq!(text.en.as_deref(), Some("Culture"));
    }
}

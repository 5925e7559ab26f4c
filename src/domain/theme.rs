//! The theme areas (teema-alueet) a council seeks representatives for, as listed in the
//! paikallis-JANE model's call announcement.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::localized::LocalizedText;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ThemeArea {
    ChildrenFamiliesYouth,
    Pensioners,
    Sports,
    SocialHealth,
    Culture,
    VillagesHeritage,
    Hobbies,
    EnvironmentNature,
    Other,
}

impl ThemeArea {
    /// In the order the model lists them; "other" last.
    pub const ALL: [ThemeArea; 9] = [
        Self::ChildrenFamiliesYouth,
        Self::Pensioners,
        Self::Sports,
        Self::SocialHealth,
        Self::Culture,
        Self::VillagesHeritage,
        Self::Hobbies,
        Self::EnvironmentNature,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::ChildrenFamiliesYouth => "children_families_youth",
            Self::Pensioners => "pensioners",
            Self::Sports => "sports",
            Self::SocialHealth => "social_health",
            Self::Culture => "culture",
            Self::VillagesHeritage => "villages_heritage",
            Self::Hobbies => "hobbies",
            Self::EnvironmentNature => "environment_nature",
            Self::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn name(self) -> LocalizedText {
        let (fi, sv, en) = match self {
            Self::ChildrenFamiliesYouth => (
                "Lapset, perheet ja nuoret",
                "Barn, familjer och unga",
                "Children, families and youth",
            ),
            Self::Pensioners => (
                "Eläkeläisjärjestöt",
                "Pensionärsorganisationer",
                "Pensioners' associations",
            ),
            Self::Sports => (
                "Liikuntajärjestöt",
                "Idrotts- och motionsorganisationer",
                "Sports associations",
            ),
            Self::SocialHealth => (
                "Sosiaali- ja terveysjärjestöt",
                "Social- och hälsoorganisationer",
                "Social and health associations",
            ),
            Self::Culture => (
                "Kulttuurijärjestöt",
                "Kulturorganisationer",
                "Cultural associations",
            ),
            Self::VillagesHeritage => (
                "Kylä- ja kotiseutuyhdistykset",
                "By- och hembygdsföreningar",
                "Village and local heritage associations",
            ),
            Self::Hobbies => (
                "Harrastusjärjestöt",
                "Hobbyorganisationer",
                "Hobby associations",
            ),
            Self::EnvironmentNature => (
                "Ympäristö- ja luontojärjestöt",
                "Miljö- och naturorganisationer",
                "Environmental and nature associations",
            ),
            Self::Other => ("Muut", "Övriga", "Other"),
        };
        LocalizedText::new(fi, sv, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for theme in ThemeArea::ALL {
            assert_eq!(ThemeArea::from_code(theme.code()), Some(theme));
            assert_eq!(serde_json::to_value(theme).unwrap(), theme.code());
        }
        assert_eq!(ThemeArea::from_code("spots"), None);
    }
}

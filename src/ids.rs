//! Typed identifiers. Every id is a UUID v7 kept in its canonical lower-case hyphenated text form,
//! stored in TEXT columns on both databases. A newtype per table keeps a council id from being
//! passed where a call id is expected.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = Text)]
        pub struct $name(String);

        impl $name {
            /// A new time-ordered id.
            #[expect(clippy::new_without_default, reason = "a new id is not a default value")]
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().hyphenated().to_string())
            }

            /// Parses any UUID spelling; `None` if the text is not a UUID.
            pub fn parse(text: &str) -> Option<Self> {
                uuid::Uuid::parse_str(text).ok().map(|u| Self(u.hyphenated().to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| serde::de::Error::custom("not a valid id (expected a UUID)"))
            }
        }

        impl<DB> ToSql<Text, DB> for $name
        where
            DB: Backend,
            String: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB> FromSql<Text, DB> for $name
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map(Self)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Uuid,
                    )))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// A council: the regional JANE or a local paikallis-JANE.
    CouncilId
);
id_type!(
    /// A seat on a council.
    SeatId
);
id_type!(
    /// An open call (avoin haku).
    CallId
);
id_type!(
    /// A staff user.
    UserId
);
id_type!(
    /// A bearer token row.
    TokenId
);
id_type!(
    /// A message in the outbox.
    NotificationId
);
id_type!(
    /// An application to a call.
    ApplicationId
);
id_type!(
    /// A declared conflict of interest.
    ConflictId
);
id_type!(
    /// A committee member's review of an application.
    ReviewId
);
id_type!(
    /// An entry of the audit log.
    AuditId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalises_spelling_and_rejects_non_uuids() {
        let id = CallId::parse("0193A5B2-7C3D-7E4F-8A9B-0C1D2E3F4A5B").unwrap();
        assert_eq!(id.as_str(), "0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
        assert!(CallId::parse("not-a-uuid").is_none());
        assert!(CallId::parse("").is_none());
    }

    #[test]
    fn new_ids_are_v7_and_ordered() {
        let a = CouncilId::new();
        let b = CouncilId::new();
        assert_eq!(
            uuid::Uuid::parse_str(a.as_str()).unwrap().get_version_num(),
            7
        );
        assert!(a < b);
    }
}

id_type!(
    /// A selection run of a call.
    SelectionRunId
);
id_type!(
    /// One time a seat was given to an application.
    SeatHolderId
);

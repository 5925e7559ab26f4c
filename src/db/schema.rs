//! Table definitions shared by both backends (kept in step with `migrations/*`; a test checks that
//! both migrated schemas hold the same tables and columns).

diesel::table! {
    municipalities (code) {
        code -> Text,
        name_json -> Text,
        region_code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    privacy_notices (version) {
        version -> Text,
        text_json -> Text,
        published_at -> Timestamp,
        published_by -> Nullable<Text>,
    }
}

diesel::table! {
    councils (id) {
        id -> Text,
        kind -> Text,
        parent_id -> Nullable<Text>,
        name_json -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    council_municipalities (council_id, municipality_code) {
        council_id -> Text,
        municipality_code -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_councils (user_id, council_id) {
        user_id -> Text,
        council_id -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    seats (id) {
        id -> Text,
        council_id -> Text,
        theme -> Text,
        role -> Text,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calls (id) {
        id -> Text,
        council_id -> Text,
        phase -> Text,
        title_json -> Text,
        announcement_json -> Text,
        criteria_json -> Text,
        contacts_json -> Text,
        themes_json -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        time_zone -> Text,
        term_start -> Date,
        term_end -> Date,
        published_at -> Nullable<Timestamp>,
        review_started_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(council_municipalities -> councils (council_id));
diesel::joinable!(council_municipalities -> municipalities (municipality_code));
diesel::joinable!(user_councils -> users (user_id));
diesel::joinable!(user_councils -> councils (council_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(seats -> councils (council_id));
diesel::joinable!(calls -> councils (council_id));

diesel::allow_tables_to_appear_in_same_query!(
    municipalities,
    privacy_notices,
    councils,
    council_municipalities,
    users,
    user_councils,
    api_tokens,
    seats,
    calls,
);

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
        language -> Text,
        deactivated_at -> Nullable<Timestamp>,
        deactivation_reason -> Nullable<Text>,
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
        expires_at -> Nullable<Timestamp>,
        label -> Nullable<Text>,
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
        closing_reminder_queued_at -> Nullable<Timestamp>,
        rubric_json -> Nullable<Text>,
        selection_run_id -> Nullable<Text>,
        meeting_reference -> Nullable<Text>,
        decision_rules_json -> Nullable<Text>,
        corrected_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        cancellation_reason_json -> Nullable<Text>,
        quota_exception_json -> Nullable<Text>,
    }
}

diesel::joinable!(council_municipalities -> councils (council_id));
diesel::joinable!(council_municipalities -> municipalities (municipality_code));
diesel::joinable!(user_councils -> users (user_id));
diesel::joinable!(user_councils -> councils (council_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(seats -> councils (council_id));
diesel::joinable!(calls -> councils (council_id));
diesel::joinable!(notifications -> calls (call_id));
diesel::joinable!(email_templates -> calls (call_id));

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
    notifications,
    email_templates,
    applications,
    idempotency_keys,
    committee_members,
    conflicts,
    reviews,
    audit_log,
    selection_runs,
    seat_holders,
);

diesel::table! {
    notifications (id) {
        id -> Text,
        kind -> Text,
        language -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        call_id -> Nullable<Text>,
        application_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claim_token -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_templates (call_id, kind, language) {
        call_id -> Text,
        kind -> Text,
        language -> Text,
        subject -> Text,
        body -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        call_id -> Text,
        status -> Text,
        theme -> Text,
        role_preference -> Text,
        association_name -> Text,
        association_business_id -> Text,
        association_register_number -> Nullable<Text>,
        association_municipality_code -> Text,
        candidate_first_name -> Text,
        candidate_last_name -> Text,
        candidate_email -> Text,
        candidate_email_key -> Text,
        candidate_phone -> Text,
        candidate_municipality_code -> Text,
        candidate_gender -> Text,
        candidate_language -> Text,
        motivation -> Text,
        privacy_notice_version -> Text,
        consented_at -> Timestamp,
        edit_token_hash -> Text,
        version -> Integer,
        submitted_at -> Timestamp,
        updated_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        reserve_rank -> Nullable<Integer>,
        declined_at -> Nullable<Timestamp>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (key_hash) {
        key_hash -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_sealed -> Nullable<Text>,
        created_at -> Timestamp,
        subject_id -> Nullable<Text>,
    }
}

diesel::joinable!(applications -> calls (call_id));

diesel::table! {
    committee_members (call_id, user_id) {
        call_id -> Text,
        user_id -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    conflicts (id) {
        id -> Text,
        call_id -> Text,
        application_id -> Text,
        user_id -> Text,
        kind -> Text,
        note -> Nullable<Text>,
        declared_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reviews (id) {
        id -> Text,
        call_id -> Text,
        application_id -> Text,
        reviewer_id -> Text,
        scores_json -> Text,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        call_id -> Nullable<Text>,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        at -> Timestamp,
        redactions -> Integer,
    }
}

diesel::joinable!(committee_members -> calls (call_id));
diesel::joinable!(committee_members -> users (user_id));
diesel::joinable!(reviews -> applications (application_id));

diesel::table! {
    selection_runs (id) {
        id -> Text,
        call_id -> Text,
        seed -> Text,
        constraints_json -> Text,
        input_hash -> Text,
        algorithm_version -> Text,
        result_json -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    seat_holders (id) {
        id -> Text,
        seat_id -> Text,
        call_id -> Text,
        application_id -> Text,
        status -> Text,
        source -> Text,
        reason -> Nullable<Text>,
        offered_at -> Timestamp,
        respond_by -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
    }
}

diesel::table! {
    application_links (token_hash) {
        token_hash -> Text,
        application_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(application_links -> applications (application_id));
diesel::joinable!(seat_holders -> seats (seat_id));
diesel::joinable!(seat_holders -> applications (application_id));
diesel::joinable!(selection_runs -> calls (call_id));

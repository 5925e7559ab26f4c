//! Criterion benchmarks of the CPU work in one application submission: reading and validating the
//! body, normalising the phone number, checking the business ID, and rendering the receipt.
//!
//!     cargo bench --bench intake

use criterion::{Criterion, criterion_group, criterion_main};
use jane_seats::api::applications::ApplicationForm;
use jane_seats::api::extract::parse_body;
use jane_seats::domain::application::{is_valid_business_id, normalize_phone};
use jane_seats::domain::localized::Language;
use jane_seats::domain::notification::MessageKind;
use jane_seats::mail::context::MessageContext;
use jane_seats::mail::templates::Templates;
use std::hint::black_box;

const FORM: &str = r#"{
    "association": {"name": "Ylämyllyn Kyläyhdistys ry", "business_id": "0112038-9", "register_number": "123456", "municipality_code": "426"},
    "theme": "villages_heritage", "role_preference": "either",
    "candidate": {"first_name": "Äijä", "last_name": "Öhman", "email": "aija@example.org", "phone": "040 123 4567",
                  "municipality_code": "426", "gender": "woman", "language": "fi"},
    "motivation": "Haluan tuoda kylien äänen kuuluviin ja viedä viestiä yhdistyksiin. 😊",
    "commitments": {"has_time": true, "will_liaise": true},
    "consent": {"privacy_notice_version": "1", "accepted": true}
}"#;

fn intake(c: &mut Criterion) {
    c.bench_function("parse and validate an application body", |b| {
        b.iter(|| parse_body::<ApplicationForm>(black_box(FORM.as_bytes())).unwrap())
    });
    let broken = FORM
        .replace("0112038-9", "1234567-8")
        .replace("\"woman\"", "\"female\"");
    c.bench_function("parse a body with two bad fields (repair loop)", |b| {
        b.iter(|| parse_body::<ApplicationForm>(black_box(broken.as_bytes())).unwrap_err())
    });
    c.bench_function("normalise a Finnish phone number", |b| {
        b.iter(|| normalize_phone(black_box("040 123 4567")).unwrap())
    });
    c.bench_function("check a business ID", |b| {
        b.iter(|| is_valid_business_id(black_box("0112038-9")))
    });
    let templates = Templates::new();
    let context = MessageContext::sample(MessageKind::ApplicationReceived, Language::Fi);
    c.bench_function("render the receipt (subject, text, HTML)", |b| {
        b.iter(|| {
            templates
                .render(Language::Fi, None, black_box(&context))
                .unwrap()
        })
    });
    c.bench_function("generate and digest an edit token", |b| {
        b.iter(|| {
            jane_seats::tokens::digest(&jane_seats::tokens::generate(
                jane_seats::tokens::APPLICANT_PREFIX,
            ))
        })
    });
}

criterion_group!(benches, intake);
criterion_main!(benches);

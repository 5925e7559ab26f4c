//! Rendering messages. Each kind has a built-in template per language (`templates/<kind>.<lang>.txt`:
//! the subject line, a blank line, the plain-text body), which a secretary may override per call.
//! The HTML part is made from the rendered text by `layout.html`, whose autoescaping escapes every
//! value; only http(s) URLs become links.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::context::MessageContext;
use crate::domain::localized::Language;
use crate::domain::notification::MessageKind;

/// The built-in templates, compiled into the binary.
macro_rules! builtin {
    ($($kind:literal),* $(,)?) => {
        &[$(
            ($kind, "fi", include_str!(concat!("templates/", $kind, ".fi.txt"))),
            ($kind, "sv", include_str!(concat!("templates/", $kind, ".sv.txt"))),
            ($kind, "en", include_str!(concat!("templates/", $kind, ".en.txt"))),
        )*]
    };
}

const BUILTIN: &[(&str, &str, &str)] = builtin!(
    "application_received",
    "closing_reminder",
    "selected_representative",
    "selected_deputy",
    "reserve",
    "not_selected",
    "founding_meeting_invitation",
    "staff_invitation",
    "call_cancelled",
);

const LAYOUT: &str = include_str!("templates/layout.html");

/// Instructions a template may run (see `Environment::set_fuel`).
const FUEL: u64 = 100_000;

/// The longest rendered subject and body accepted.
const MAX_SUBJECT: usize = 1_000;
const MAX_BODY: usize = 100_000;

/// A template's two parts, as a secretary writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub subject: String,
    pub body: String,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Which part of a template failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("subject: {0}")]
    Subject(String),
    #[error("body: {0}")]
    Body(String),
}

pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

fn describe(error: &minijinja::Error) -> String {
    match error.line() {
        Some(line) => format!(
            "line {line}: {}",
            error.detail().unwrap_or(&error.kind().to_string())
        ),
        None => error.to_string(),
    }
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        // A misspelt variable is an error, not an empty string: that is what lets a broken
        // override be refused when it is saved rather than when a message is sent.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Templates come from secretaries too: a budget of instructions keeps a runaway loop from
        // tying up the process (the built-in ones need a few thousand).
        env.set_fuel(Some(FUEL));
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        for (kind, language, _) in BUILTIN {
            let source = Self::builtin_source(
                MessageKind::parse(kind).expect("known kind"),
                Language::parse(language).expect("known language"),
            );
            env.add_template_owned(format!("{kind}.{language}.subject"), source.subject)
                .expect("built-in subjects compile");
            env.add_template_owned(format!("{kind}.{language}.body"), source.body)
                .expect("built-in bodies compile");
        }
        env.add_template("layout.html", LAYOUT)
            .expect("the layout compiles");
        Self { env }
    }

    /// The built-in template of a kind in a language.
    pub fn builtin_source(kind: MessageKind, language: Language) -> TemplateSource {
        let (_, _, text) = BUILTIN
            .iter()
            .find(|(k, l, _)| *k == kind.code() && *l == language.code())
            .expect("every kind has a template in every language");
        let (subject, body) = text
            .split_once("\n\n")
            .expect("subject line, blank line, body");
        TemplateSource {
            subject: subject.trim().to_owned(),
            body: body.to_owned(),
        }
    }

    /// Renders a message with the built-in template, or with `custom` when the call overrides it.
    pub fn render(
        &self,
        language: Language,
        custom: Option<&TemplateSource>,
        context: &MessageContext,
    ) -> Result<Rendered, TemplateError> {
        let kind = context.kind();
        let (subject, body) = match custom {
            Some(source) => (
                self.env.render_str(&source.subject, context),
                self.env.render_str(&source.body, context),
            ),
            None => {
                let name = format!("{}.{}", kind.code(), language.code());
                let render = |part: &str| {
                    self.env
                        .get_template(&format!("{name}.{part}"))
                        .and_then(|t| t.render(context))
                };
                (render("subject"), render("body"))
            }
        };
        let subject = subject.map_err(|e| TemplateError::Subject(describe(&e)))?;
        let text = body.map_err(|e| TemplateError::Body(describe(&e)))?;
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        if subject.is_empty() {
            return Err(TemplateError::Subject("renders empty".into()));
        }
        if subject.len() > MAX_SUBJECT {
            return Err(TemplateError::Subject(format!(
                "renders longer than {MAX_SUBJECT} bytes"
            )));
        }
        if text.len() > MAX_BODY {
            return Err(TemplateError::Body(format!(
                "renders longer than {MAX_BODY} bytes"
            )));
        }
        let text = tidy(&text);
        if text.is_empty() {
            return Err(TemplateError::Body("renders empty".into()));
        }
        let html = self
            .html(language, &subject, &text)
            .map_err(|e| TemplateError::Body(describe(&e)))?;
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }

    /// Whether a secretary's template renders, tried with the sample of its kind.
    pub fn check(
        &self,
        kind: MessageKind,
        language: Language,
        custom: &TemplateSource,
    ) -> Result<(), TemplateError> {
        self.render(
            language,
            Some(custom),
            &MessageContext::sample(kind, language),
        )
        .map(|_| ())
    }

    fn html(
        &self,
        language: Language,
        subject: &str,
        text: &str,
    ) -> Result<String, minijinja::Error> {
        #[derive(Serialize)]
        struct Part<'a> {
            text: &'a str,
            href: Option<&'a str>,
        }
        let paragraphs: Vec<Vec<Vec<Part<'_>>>> = text
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                p.lines()
                    .map(|line| {
                        link_spans(line)
                            .into_iter()
                            .map(|(text, is_link)| Part {
                                text,
                                href: is_link.then_some(text),
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        self.env
            .get_template("layout.html")?
            .render(minijinja::context! {
                language => language.code(),
                subject => subject,
                paragraphs => paragraphs,
            })
    }
}

/// Trailing spaces removed, at most one blank line between paragraphs, one final newline.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// Splits a line into plain text and http(s) URLs. A URL ends at whitespace; trailing punctuation
/// belongs to the sentence.
fn link_spans(line: &str) -> Vec<(&str, bool)> {
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let end = rest[start..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |e| start + e);
        let url = rest[start..end].trim_end_matches(['.', ',', ')', ';', ':', '!', '?', '"']);
        let url_end = start + url.len();
        if start > 0 {
            spans.push((&rest[..start], false));
        }
        spans.push((url, true));
        rest = &rest[url_end..];
    }
    if !rest.is_empty() {
        spans.push((rest, false));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::context::Candidate;

    #[test]
    fn every_builtin_renders_in_every_language() {
        let templates = Templates::new();
        for kind in MessageKind::ALL {
            for language in Language::ALL {
                let rendered = templates
                    .render(language, None, &MessageContext::sample(kind, language))
                    .unwrap_or_else(|e| panic!("{kind:?} {language:?}: {e}"));
                assert!(!rendered.subject.contains('\n'));
                assert!(rendered.html.starts_with("<!DOCTYPE html>"));
                insta::assert_snapshot!(
                    format!("{}.{}", kind.code(), language.code()),
                    format!(
                        "Subject: {}\n\n{}\n---- html ----\n{}",
                        rendered.subject, rendered.text, rendered.html
                    )
                );
            }
        }
    }

    /// The offer to a deputy moving up to a representative who left (text only: the HTML is
    /// made from the text as for every message).
    #[test]
    fn a_deputy_moving_up_is_told_declining_keeps_the_deputy_seat() {
        let templates = Templates::new();
        for language in Language::ALL {
            let mut context = MessageContext::sample(MessageKind::SelectedRepresentative, language);
            let MessageContext::SelectedRepresentative { moving_up, .. } = &mut context else {
                unreachable!()
            };
            *moving_up = true;
            let rendered = templates.render(language, None, &context).unwrap();
            insta::assert_snapshot!(
                format!("selected_representative_moving_up.{}", language.code()),
                rendered.text
            );
        }
    }

    #[test]
    fn values_are_escaped_in_html_but_not_in_text() {
        let templates = Templates::new();
        let MessageContext::NotSelected { call, theme, .. } =
            MessageContext::sample(MessageKind::NotSelected, Language::Fi)
        else {
            unreachable!()
        };
        let context = MessageContext::NotSelected {
            call,
            theme,
            candidate: Candidate {
                first_name: "<script>alert(\"x\")</script> & Co".into(),
                last_name: "O'Brien".into(),
            },
        };
        let rendered = templates.render(Language::Fi, None, &context).unwrap();
        assert!(rendered.text.contains("<script>alert(\"x\")</script> & Co"));
        assert!(!rendered.html.contains("<script>"));
        assert!(
            rendered
                .html
                .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt; &amp; Co")
        );
    }

    #[test]
    fn links_become_anchors_only_for_http_urls() {
        assert_eq!(
            link_spans("Muokkaa: https://jane.example.org/a?token=x. Kiitos"),
            vec![
                ("Muokkaa: ", false),
                ("https://jane.example.org/a?token=x", true),
                (". Kiitos", false)
            ]
        );
        assert_eq!(
            link_spans("javascript:alert(1)"),
            vec![("javascript:alert(1)", false)]
        );
        let templates = Templates::new();
        let rendered = templates
            .render(
                Language::En,
                None,
                &MessageContext::sample(MessageKind::ApplicationReceived, Language::En),
            )
            .unwrap();
        assert!(rendered.html.contains(
            "<a href=\"https:&#x2f;&#x2f;jane.example.org&#x2f;applications&#x2f;0193a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b?token=jsa_example\">"
        ), "{}", rendered.html);
    }

    #[test]
    fn overrides_render_or_say_where_they_break() {
        let templates = Templates::new();
        let ok = TemplateSource {
            subject: "Kiitos, {{ candidate.first_name }}!".into(),
            body: "Teema: {{ theme }}\n\nMuokkaa: {{ edit_url }}".into(),
        };
        assert_eq!(
            templates.check(MessageKind::ApplicationReceived, Language::Fi, &ok),
            Ok(())
        );
        let unknown = TemplateSource {
            subject: "Hei".into(),
            body: "Rivi 1\n{{ candidate.nickname }}".into(),
        };
        let err = templates
            .check(MessageKind::ApplicationReceived, Language::Fi, &unknown)
            .unwrap_err();
        assert!(
            matches!(&err, TemplateError::Body(m) if m.contains("line 2")),
            "{err}"
        );
        let syntax = TemplateSource {
            subject: "{% if %}".into(),
            body: "x".into(),
        };
        assert!(matches!(
            templates.check(MessageKind::Reserve, Language::Sv, &syntax),
            Err(TemplateError::Subject(_))
        ));
        let empty = TemplateSource {
            subject: "  ".into(),
            body: "x".into(),
        };
        assert!(
            templates
                .check(MessageKind::Reserve, Language::Sv, &empty)
                .is_err()
        );
    }

    #[test]
    fn runaway_templates_stop() {
        let templates = Templates::new();
        let runaway = TemplateSource {
            subject: "Hei".into(),
            body: "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}"
                .into(),
        };
        let started = std::time::Instant::now();
        let err = templates
            .check(MessageKind::Reserve, Language::Fi, &runaway)
            .unwrap_err();
        assert!(matches!(err, TemplateError::Body(_)), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn tidy_collapses_blank_lines() {
        assert_eq!(tidy("a  \n\n\n\nb\nc\n\n"), "a\n\nb\nc\n");
    }
}

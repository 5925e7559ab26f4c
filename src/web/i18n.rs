//! The pages' texts: a Fluent message catalogue per language (`i18n/{fi,sv,en}.ftl`), compiled
//! into the binary. A page asks for a message by key; a key missing in a language is an error
//! (a test checks that every language has every key), never a silent fallback.
//!
//! Messages are plain text: templates escape them like any other value. Names of people and
//! associations are only ever placed where Finnish needs no case ending for them (a label, a
//! list item), never inflected inside a sentence.

use std::collections::{BTreeSet, HashMap};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::domain::localized::Language;

/// The catalogues, by language, as compiled in.
pub const SOURCES: [(Language, &str); 3] = [
    (Language::Fi, include_str!("i18n/fi.ftl")),
    (Language::Sv, include_str!("i18n/sv.ftl")),
    (Language::En, include_str!("i18n/en.ftl")),
];

/// One bundle per language, shared by every worker (the concurrent bundle is `Sync`).
pub struct Catalog {
    bundles: HashMap<Language, FluentBundle<FluentResource>>,
}

impl Catalog {
    /// Builds the catalogues; a syntax error or a duplicate key in a compiled-in file is a bug.
    pub fn new() -> Self {
        let mut bundles = HashMap::new();
        for (language, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_owned())
                .unwrap_or_else(|(_, e)| panic!("{}.ftl does not parse: {e:?}", language.code()));
            let id: LanguageIdentifier = language.code().parse().expect("a language tag");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks around arguments: the pages are left-to-right only.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .unwrap_or_else(|e| panic!("{}.ftl has a duplicate key: {e:?}", language.code()));
            bundles.insert(language, bundle);
        }
        Self { bundles }
    }

    /// The message `key` in `language`, with `args`; `None` if the key is missing or an argument
    /// it uses was not given.
    pub fn message(
        &self,
        language: Language,
        key: &str,
        args: &[(&str, FluentValue<'_>)],
    ) -> Option<String> {
        let bundle = self.bundles.get(&language)?;
        let pattern = bundle.get_message(key)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// As `message`, for keys the code knows exist (a missing one shows as the key itself and is
    /// caught by the catalogue tests).
    pub fn text(&self, language: Language, key: &str) -> String {
        self.message(language, key, &[])
            .unwrap_or_else(|| key.to_owned())
    }

    /// Whether `key` exists in `language`.
    pub fn has(&self, language: Language, key: &str) -> bool {
        self.bundles
            .get(&language)
            .is_some_and(|b| b.has_message(key))
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

/// The message ids of a catalogue source.
pub fn message_ids(source: &str) -> BTreeSet<String> {
    use fluent_syntax::ast::Entry;
    let resource = fluent_syntax::parser::parse(source).unwrap_or_else(|(r, _)| r);
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

/// The variables a message uses, by message id.
pub fn message_variables(source: &str) -> HashMap<String, BTreeSet<String>> {
    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};
    fn walk(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                expression_vars(expression, out);
            }
        }
    }
    fn inline_vars(e: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match e {
            InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_owned());
            }
            InlineExpression::Placeable { expression } => expression_vars(expression, out),
            InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline_vars(a, out);
                }
            }
            _ => {}
        }
    }
    fn expression_vars(e: &Expression<&str>, out: &mut BTreeSet<String>) {
        match e {
            Expression::Inline(inline) => inline_vars(inline, out),
            Expression::Select { selector, variants } => {
                inline_vars(selector, out);
                for v in variants {
                    walk(&v.value, out);
                }
            }
        }
    }
    let resource = fluent_syntax::parser::parse(source).unwrap_or_else(|(r, _)| r);
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                if let Some(value) = &m.value {
                    walk(value, &mut vars);
                }
                Some((m.id.name.to_owned(), vars))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language has every key, each message uses the same variables in every language, and
    /// no source has a syntax error.
    #[test]
    fn every_language_has_every_key_with_the_same_variables() {
        for (language, source) in SOURCES {
            if let Err((_, errors)) = fluent_syntax::parser::parse(source) {
                panic!("{}.ftl: {errors:?}", language.code());
            }
        }
        let all: BTreeSet<String> = SOURCES
            .iter()
            .flat_map(|(_, source)| message_ids(source))
            .collect();
        for (language, source) in SOURCES {
            let ids = message_ids(source);
            let missing: Vec<&String> = all.difference(&ids).collect();
            assert!(
                missing.is_empty(),
                "{}.ftl lacks {missing:?}",
                language.code()
            );
        }
        let fi = message_variables(SOURCES[0].1);
        for (language, source) in &SOURCES[1..] {
            for (id, vars) in message_variables(source) {
                assert_eq!(
                    fi.get(&id),
                    Some(&vars),
                    "{id} in {}.ftl uses other variables than in fi.ftl",
                    language.code()
                );
            }
        }
        let catalog = Catalog::new();
        assert!(catalog.has(Language::Sv, "service-name"));
    }
}

//! Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 digest. A digest (rather
//! than a slow password hash) is enough because the token has full entropy; it also lets a token be
//! found by an indexed lookup.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// Staff tokens start with `jss_`, applicants' edit tokens with `jsa_`, so a leaked token says
/// what it opens.
pub const STAFF_PREFIX: &str = "jss_";
pub const APPLICANT_PREFIX: &str = "jsa_";

pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_digested() {
        let a = generate(STAFF_PREFIX);
        let b = generate(STAFF_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("jss_"));
        assert_eq!(a.len(), 4 + 64, "256 bits, hex encoded");
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

/// Replaces every token in `text` (edit links in emails carry one) with a placeholder, so that a
/// message kept after delivery does not keep a working credential.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = [STAFF_PREFIX, APPLICANT_PREFIX]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let after_prefix = &rest[start + 4..];
        let hex_len = after_prefix
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        out.push_str(&rest[..start]);
        if hex_len >= 32 {
            out.push_str(&rest[start..start + 4]);
            out.push_str("[redacted]");
        } else {
            out.push_str(&rest[start..start + 4 + hex_len]);
        }
        rest = &after_prefix[hex_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn tokens_are_redacted_and_other_text_kept() {
        let token = generate(APPLICANT_PREFIX);
        let text = format!("Muokkaa: https://x.example/a?token={token}. Kiitos! jsa_ei-tunnus");
        assert_eq!(
            redact(&text),
            "Muokkaa: https://x.example/a?token=jsa_[redacted]. Kiitos! jsa_ei-tunnus"
        );
        assert_eq!(redact("ei mitään"), "ei mitään");
    }
}

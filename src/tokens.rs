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

//! What to do after an attempt to deliver a message: done, try again later (with exponential
//! backoff), or give up. Temporary failures (SMTP 4xx, connection refused, timeouts) are retried
//! until the attempts run out; permanent ones (SMTP 5xx) fail at once.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one.
    pub base_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
}

/// How an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Might work later: the server said 4xx, was unreachable, or timed out.
    Temporary(String),
    /// Will not work: the server said 5xx, or the message cannot be built.
    Permanent(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    RetryAfter { delay: Duration, reason: String },
    Failed { reason: String },
}

impl RetryPolicy {
    /// The wait after `attempts` failed attempts (1 → base, 2 → 2 × base, ...), capped.
    pub fn delay_after(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// The outcome of attempt number `attempts` (counting from 1).
    pub fn decide(&self, attempts: u32, result: Result<(), Failure>) -> Outcome {
        match result {
            Ok(()) => Outcome::Sent,
            Err(Failure::Permanent(reason)) => Outcome::Failed { reason },
            Err(Failure::Temporary(reason)) if attempts >= self.max_attempts => Outcome::Failed {
                reason: format!("gave up after {attempts} attempts: {reason}"),
            },
            Err(Failure::Temporary(reason)) => Outcome::RetryAfter {
                delay: self.delay_after(attempts),
                reason,
            },
        }
    }
}

/// `sanna.sihteeri@example.org` → `s***@example.org`: enough to tell messages apart in a log
/// without writing the address there.
pub fn mask_email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// Masks every email address in a text (an SMTP server's reply often quotes the recipient), for
/// logs.
pub fn mask_emails_in(text: &str) -> String {
    let is_local = |c: char| c.is_alphanumeric() || "._%+-!#$&'*/=?^`{|}~".contains(c);
    let is_domain = |c: char| c.is_alphanumeric() || ".-".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            // Walk back over the local part already copied, and forward over the domain.
            let mut start = out.chars().count();
            let copied: Vec<char> = out.chars().collect();
            while start > 0 && is_local(copied[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && is_domain(chars[end]) {
                end += 1;
            }
            if start < copied.len() && end > i + 1 {
                let local: String = copied[start..].iter().collect();
                let domain: String = chars[i + 1..end].iter().collect();
                out = copied[..start].iter().collect();
                out.push_str(&mask_email(&format!("{local}@{domain}")));
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(100),
    };

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(POLICY.delay_after(1), Duration::from_secs(30));
        assert_eq!(POLICY.delay_after(2), Duration::from_secs(60));
        assert_eq!(POLICY.delay_after(3), Duration::from_secs(100));
        assert_eq!(POLICY.delay_after(40), Duration::from_secs(100));
    }

    #[test]
    fn temporary_failures_retry_until_the_last_attempt() {
        let temporary = || Err(Failure::Temporary("451 try later".into()));
        assert_eq!(
            POLICY.decide(1, temporary()),
            Outcome::RetryAfter {
                delay: Duration::from_secs(30),
                reason: "451 try later".into()
            }
        );
        assert!(matches!(
            POLICY.decide(3, temporary()),
            Outcome::RetryAfter { .. }
        ));
        match POLICY.decide(4, temporary()) {
            Outcome::Failed { reason } => {
                assert!(reason.contains("4 attempts") && reason.contains("451"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn permanent_failures_fail_at_once_and_success_is_sent() {
        assert_eq!(
            POLICY.decide(1, Err(Failure::Permanent("550 no such user".into()))),
            Outcome::Failed {
                reason: "550 no such user".into()
            }
        );
        assert_eq!(POLICY.decide(2, Ok(())), Outcome::Sent);
    }

    #[test]
    fn addresses_in_server_replies_are_masked() {
        let reply =
            "permanent error (550): 5.1.1 <reject.secret@example.org>: Recipient address rejected";
        assert_eq!(
            mask_emails_in(reply),
            "permanent error (550): 5.1.1 <r***@example.org>: Recipient address rejected"
        );
        assert_eq!(
            mask_emails_in("no address here @ all"),
            "no address here @ all"
        );
        assert_eq!(
            mask_emails_in("a@b.fi and c.d@e.fi"),
            "a***@b.fi and c***@e.fi"
        );
    }

    #[test]
    fn masking() {
        assert_eq!(mask_email("sanna.sihteeri@example.org"), "s***@example.org");
        assert_eq!(mask_email("äiti@esimerkki.fi"), "ä***@esimerkki.fi");
        assert_eq!(mask_email("nonsense"), "***");
    }
}

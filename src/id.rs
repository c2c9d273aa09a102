//! Record ids: validation of hand-made ids and generation of new random ones.
//!
//! An id is a file stem. `docket new` draws short random ids so that two people creating
//! records offline never collide; people may name files by hand with any stem of
//! `[a-z0-9][a-z0-9-]*` up to [`MAX_ID_LEN`] characters. The randomness comes from the
//! caller (see [`crate::context::Context`]), so tests can pin it.

/// The longest id docket accepts.
pub const MAX_ID_LEN: usize = 64;

/// The length of a generated id. 32^6 ≈ 10^9: two offline creations collide with
/// negligible probability, and a collision with an existing file is retried.
pub const GENERATED_ID_LEN: usize = 6;

/// Lowercase Crockford base32: no `i`, `l`, `o` or `u`, so ids read aloud unambiguously.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidId {
    #[error("an id cannot be empty")]
    Empty,
    #[error("an id is at most {MAX_ID_LEN} characters, this one has {0}")]
    TooLong(usize),
    #[error("an id must start with a lowercase letter or a digit, not `{0}`")]
    BadStart(char),
    #[error("an id may hold only lowercase letters, digits and `-`, not `{0}`")]
    BadChar(char),
}

/// Checks that `text` is a valid id.
pub fn validate(text: &str) -> Result<(), InvalidId> {
    let mut chars = text.chars();
    let first = chars.next().ok_or(InvalidId::Empty)?;
    if text.len() > MAX_ID_LEN {
        return Err(InvalidId::TooLong(text.chars().count()));
    }
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err(InvalidId::BadStart(first));
    }
    match chars.find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')) {
        Some(bad) => Err(InvalidId::BadChar(bad)),
        None => Ok(()),
    }
}

/// A new random id of [`GENERATED_ID_LEN`] characters drawn from `random`.
pub fn generate(random: u64) -> String {
    (0..GENERATED_ID_LEN)
        .map(|i| char::from(ALPHABET[usize::try_from((random >> (5 * i)) & 31).expect("5 bits fit in usize")]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_made_ids() {
        assert_eq!(validate("k3x9q2"), Ok(()));
        assert_eq!(validate("16-7"), Ok(()));
        assert_eq!(validate("refund-macro"), Ok(()));
        assert_eq!(validate(""), Err(InvalidId::Empty));
        assert_eq!(validate("-a"), Err(InvalidId::BadStart('-')));
        assert_eq!(validate("Abc"), Err(InvalidId::BadStart('A')));
        assert_eq!(validate("a/../b"), Err(InvalidId::BadChar('/')));
        assert_eq!(validate("a_b"), Err(InvalidId::BadChar('_')));
        assert_eq!(validate(&"a".repeat(65)), Err(InvalidId::TooLong(65)));
        assert_eq!(validate(&"a".repeat(64)), Ok(()));
    }

    #[test]
    fn generated_ids_are_valid_and_vary() {
        let a = generate(0x0123_4567_89ab_cdef);
        let b = generate(0xfedc_ba98_7654_3210);
        assert_eq!(a.len(), GENERATED_ID_LEN);
        assert_ne!(a, b);
        assert_eq!(validate(&a), Ok(()));
        assert!(a.chars().all(|c| !"ilou".contains(c)));
        assert_eq!(generate(0), "000000");
        assert_eq!(generate(31), "z00000");
    }
}

//! Deserializing enums whose values are JSON integers (`"Direction": 1`).
//!
//! The generator emits `Serialize` (the integer) and `Deserialize` for such an enum by hand:
//! [`deserialize`] reads the integer, bare or quoted (LeadSquared quotes numbers in some
//! answers), and the generated code maps it to a variant, to `Other` for an open enum, or to
//! [`unknown`]'s error for a closed one.

use serde::Deserializer;
use serde::de::{self, Unexpected};

/// Reads a JSON integer or a string holding one.
///
/// # Errors
///
/// Any other value, named in the message, as [`crate::runtime::lenient::i64`] reports it.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    crate::runtime::lenient::i64(deserializer)
}

/// The error for an integer a closed enum does not list; `expected` names the enum and its
/// values, e.g. `a SortOrder: one of 1, 0`.
pub fn unknown<E: de::Error>(value: i64, expected: &'static str) -> E {
    E::invalid_value(Unexpected::Signed(value), &expected)
}

#[cfg(test)]
mod tests {
    use serde::de::value::{Error, I64Deserializer, StrDeserializer};

    #[test]
    fn integers_are_read_bare_or_quoted() {
        assert_eq!(super::deserialize(I64Deserializer::<Error>::new(1)), Ok(1));
        assert_eq!(super::deserialize(StrDeserializer::<Error>::new(" 0 ")), Ok(0));
        assert!(super::deserialize(StrDeserializer::<Error>::new("one")).is_err());
    }

    #[test]
    fn an_unlisted_value_names_itself_and_the_values() {
        let error: Error = super::unknown(2, "a SortOrder: one of 1, 0");
        assert_eq!(
            error.to_string(),
            "invalid value: integer `2`, expected a SortOrder: one of 1, 0"
        );
    }
}

//! Deserializing open enums: string values where LeadSquared may send a value the spec omits.
//!
//! LeadSquared publishes no complete list of, for example, exception types, and accounts can
//! define their own unique lead fields. A closed enum would turn every new value into a decode
//! error that loses the whole response; an open enum keeps it in an `Other(String)` variant. The
//! generator emits `From<String>` (known values map to their variant, the rest to `Other`) and
//! routes `Deserialize` through [`deserialize`].

use serde::{Deserialize, Deserializer};

/// Deserializes an open enum from a JSON string via its `From<String>`.
///
/// # Errors
///
/// The JSON value is not a string (the message names the type found).
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    String::deserialize(deserializer).map(T::from)
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq)]
    struct Wrapped(String);

    impl From<String> for Wrapped {
        fn from(value: String) -> Self {
            Wrapped(value)
        }
    }

    fn parse(json: &str) -> Result<Wrapped, serde_json::Error> {
        super::deserialize(&mut serde_json::Deserializer::from_str(json))
    }

    #[test]
    fn strings_are_accepted_and_other_types_rejected() {
        assert_eq!(parse(r#""mx_Unique""#).ok(), Some(Wrapped("mx_Unique".into())));
        let error = parse("12").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("expected a string"), "{error}");
    }
}

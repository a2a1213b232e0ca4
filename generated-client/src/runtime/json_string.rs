//! Serde helpers for attributes whose value is JSON inside a string, such as an opportunity
//! field's `OptionSet`: `"OptionSet": "[{\"Value\":\"Open\"}]"`.
//!
//! Generated code uses them with `#[serde(with = "crate::runtime::json_string")]` (required
//! attributes) or `…::json_string::option` (optional ones). The caller sees the decoded value; on
//! the way out it is encoded back into a string.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Encodes `value` as JSON text inside a JSON string.
pub fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

/// Decodes a JSON string whose content is the JSON of a `T`.
pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    serde_json::from_str(&text).map_err(|error| D::Error::custom(format!("a string holding JSON: {error}")))
}

/// The same for optional attributes: `null`, an absent attribute and an empty string are `None`.
pub mod option {
    use super::*;

    /// Encodes `Some(value)` as JSON text inside a JSON string (`None` is skipped by the caller).
    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Decodes `null`, `""` or a string holding JSON.
    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|error| D::Error::custom(format!("a string holding JSON: {error}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::{Value, json};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Field {
        #[serde(rename = "OptionSet", with = "super")]
        options: Vec<Value>,
        #[serde(
            rename = "Extra",
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::option"
        )]
        extra: Option<Value>,
    }

    #[test]
    fn json_inside_a_string_round_trips() {
        let wire = json!({ "OptionSet": "[{\"Value\":\"Open\"}]", "Extra": "{\"a\":1}" });
        let field: Field = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(field.options, [json!({ "Value": "Open" })]);
        assert_eq!(field.extra, Some(json!({ "a": 1 })));
        assert_eq!(serde_json::to_value(&field).unwrap(), wire);
    }

    #[test]
    fn empty_optional_strings_are_none_and_bad_json_is_an_error() {
        for extra in [json!(null), json!(""), json!("  ")] {
            let field: Field = serde_json::from_value(json!({ "OptionSet": "[]", "Extra": extra })).unwrap();
            assert_eq!(field.extra, None);
        }
        let field: Field = serde_json::from_value(json!({ "OptionSet": "[]" })).unwrap();
        assert_eq!(field.extra, None);
        let error = serde_json::from_value::<Field>(json!({ "OptionSet": "[oops" })).unwrap_err();
        assert!(error.to_string().contains("a string holding JSON"), "{error}");
        assert!(serde_json::from_value::<Field>(json!({ "OptionSet": [] })).is_err());
    }
}

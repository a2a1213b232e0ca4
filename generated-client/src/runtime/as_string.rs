//! Numbers that LeadSquared takes as strings: `"EventCode": "12003"`, `"RowCount": "10"`.
//!
//! Some calls document a numeric attribute quoted in their request. The spec marks such a field
//! `as_string: true`; the caller holds an `i64` or `f64`, and generated code serializes it as a
//! JSON string holding the number, with
//! `#[serde(with = "crate::runtime::as_string::integer")]` (or `option_integer`, `number`,
//! `option_number`). Reading accepts the number in either form, as [`super::lenient`] does,
//! since the same attribute comes back quoted in one answer and bare in another.

use serde::{Deserializer, Serializer};

/// An `i64` written as a string (`"12003"`), read from a number or a string holding one.
pub mod integer {
    use super::*;

    /// Writes the integer as a JSON string of its digits.
    pub fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Reads a JSON integer or a string holding one.
    ///
    /// # Errors
    ///
    /// As [`crate::runtime::lenient::i64`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        crate::runtime::lenient::i64(deserializer)
    }
}

/// The same for optional attributes; `None` is skipped by the caller, and `null` or a blank
/// string read as `None`.
pub mod option_integer {
    use super::*;

    /// Writes `Some(n)` as a JSON string of its digits.
    pub fn serialize<S: Serializer>(value: &Option<i64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.collect_str(value),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null`, a blank string, a JSON integer or a string holding one.
    ///
    /// # Errors
    ///
    /// As [`crate::runtime::lenient::option_i64`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        crate::runtime::lenient::option_i64(deserializer)
    }
}

/// An `f64` written as a string (`"1.5"`, the shortest text that reads back as the same
/// number), read from a number or a string holding one.
pub mod number {
    use super::*;

    /// Writes the number as a JSON string.
    ///
    /// # Errors
    ///
    /// The number is not finite (JSON has no NaN or infinity, quoted or not).
    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if !value.is_finite() {
            return Err(serde::ser::Error::custom(format!("{value} is not a finite number")));
        }
        serializer.collect_str(value)
    }

    /// Reads a JSON number or a string holding one.
    ///
    /// # Errors
    ///
    /// As [`crate::runtime::lenient::f64`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        crate::runtime::lenient::f64(deserializer)
    }
}

/// The same for optional attributes.
pub mod option_number {
    use super::*;

    /// Writes `Some(x)` as a JSON string.
    ///
    /// # Errors
    ///
    /// As [`super::number::serialize`].
    pub fn serialize<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::number::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null`, a blank string, a JSON number or a string holding one.
    ///
    /// # Errors
    ///
    /// As [`crate::runtime::lenient::option_f64`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
        crate::runtime::lenient::option_f64(deserializer)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        #[serde(rename = "EventCode", with = "super::integer")]
        event_code: i64,
        #[serde(
            rename = "Count",
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::option_integer"
        )]
        count: Option<i64>,
        #[serde(rename = "Share", with = "super::number")]
        share: f64,
        #[serde(
            rename = "Cap",
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::option_number"
        )]
        cap: Option<f64>,
    }

    #[test]
    fn numbers_are_written_as_strings() {
        let row = Row {
            event_code: 12003,
            count: Some(-4),
            share: 1.5,
            cap: None,
        };
        assert_eq!(
            serde_json::to_value(&row).unwrap(),
            json!({ "EventCode": "12003", "Count": "-4", "Share": "1.5" })
        );
        let whole = Row { share: 2.0, ..row };
        assert_eq!(serde_json::to_value(&whole).unwrap()["Share"], "2");
    }

    #[test]
    fn numbers_are_read_quoted_or_not() {
        let quoted: Row = serde_json::from_value(json!({ "EventCode": "12003", "Share": "0.25", "Cap": "" })).unwrap();
        let bare: Row = serde_json::from_value(json!({ "EventCode": 12003, "Share": 0.25, "Cap": null })).unwrap();
        assert_eq!(quoted, bare);
        assert_eq!((quoted.event_code, quoted.cap), (12003, None));
        assert!(serde_json::from_value::<Row>(json!({ "EventCode": "12003a", "Share": 1 })).is_err());
    }

    #[test]
    fn a_number_json_cannot_hold_is_refused() {
        let row = Row {
            event_code: 1,
            count: None,
            share: f64::NAN,
            cap: None,
        };
        assert!(serde_json::to_string(&row).is_err());
    }
}

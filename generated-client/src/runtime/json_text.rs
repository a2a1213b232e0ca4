//! JSON kept as written: the spec's `json_text`.
//!
//! Some calls take a JSON document whose text matters, such as a search's criteria pasted from
//! LeadSquared's documentation into a string attribute. Decoding it into a
//! [`serde_json::Value`] and encoding it again would sort its keys and respace it, so the call
//! would no longer send what its page shows. [`JsonText`] holds the text itself, checked to be
//! JSON, and writes it back byte for byte.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON value kept as its text: key order, spacing and number spelling as written.
///
/// Built from text, it is checked to be one JSON value and kept as it is; built from a
/// [`serde_json::Value`], it is that value's compact JSON. In a body it is written exactly as
/// held, either as JSON in place or, for an attribute that carries JSON inside a string, as the
/// text of that string. Read from an answer, it keeps the text the server sent.
///
/// ```
/// use leadsquared::JsonText;
///
/// let criteria = JsonText::new(r#"{"GrpConOp":"And","Conditions":[]}"#)?;
/// // Keys stay in the order written (a `serde_json::Value` would sort them).
/// assert_eq!(criteria.as_str(), r#"{"GrpConOp":"And","Conditions":[]}"#);
/// assert_eq!(serde_json::to_string(&criteria)?, r#"{"GrpConOp":"And","Conditions":[]}"#);
/// let value: serde_json::Value = criteria.parse()?;
/// assert_eq!(value["GrpConOp"], "And");
///
/// assert!(JsonText::new("{oops").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct JsonText(Box<RawValue>);

impl JsonText {
    /// Keeps `text`, after checking that it is one JSON value.
    ///
    /// # Errors
    ///
    /// The text is not JSON, or holds more than one value; the error says where.
    pub fn new(text: impl Into<String>) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text.into()).map(JsonText)
    }

    /// The text, as held.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Decodes the text into `T`, e.g. a [`serde_json::Value`].
    ///
    /// # Errors
    ///
    /// The JSON does not have the shape of `T`.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }
}

impl From<&serde_json::Value> for JsonText {
    /// The value's compact JSON (an object's keys in `serde_json::Value`'s order).
    fn from(value: &serde_json::Value) -> Self {
        // A `Value` always encodes to one JSON value.
        JsonText(RawValue::from_string(value.to_string()).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }
}

impl From<serde_json::Value> for JsonText {
    /// As `From<&Value>`.
    fn from(value: serde_json::Value) -> Self {
        JsonText::from(&value)
    }
}

impl PartialEq for JsonText {
    /// Two texts are equal when they are written the same way.
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for JsonText {}

impl fmt::Debug for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonText({})", self.as_str())
    }
}

impl fmt::Display for JsonText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JsonText {
    /// The JSON in place, as written.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonText {
    /// The JSON value in place, with its text as the input spells it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(JsonText)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::JsonText;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Search {
        #[serde(rename = "Criteria", with = "crate::runtime::json_string")]
        criteria: JsonText,
        #[serde(rename = "Columns")]
        columns: JsonText,
    }

    const CRITERIA: &str = r#"{"GrpConOp":"And","Conditions":[{"Type":"Opportunity","RowCondition":[{"SubConOp":"And","LSO":"Status","Operator":"eq","RSO":"Open"}]}],"QueryTimeZone":"India Standard Time"}"#;

    #[test]
    fn text_inside_a_string_goes_out_and_comes_back_as_written() {
        let search = Search {
            criteria: JsonText::new(CRITERIA).unwrap(),
            columns: JsonText::new(r#"{ "Include_CSV": "ProspectID" }"#).unwrap(),
        };
        let wire = serde_json::to_string(&search).unwrap();
        let quoted = serde_json::to_string(CRITERIA).unwrap();
        assert_eq!(
            wire,
            format!(r#"{{"Criteria":{quoted},"Columns":{{ "Include_CSV": "ProspectID" }}}}"#)
        );
        let read: Search = serde_json::from_str(&wire).unwrap();
        assert_eq!(read.criteria.as_str(), CRITERIA);
        assert_eq!(read, search);
    }

    #[test]
    fn values_and_rows_read_through_a_value_become_compact_json() {
        let text = JsonText::from(serde_json::json!({ "b": 1, "a": [true] }));
        assert_eq!(text.as_str(), r#"{"a":[true],"b":1}"#);
        let from_value: JsonText = serde_json::from_value(serde_json::json!({ "x": 1 })).unwrap();
        assert_eq!(from_value.as_str(), r#"{"x":1}"#);
        assert_eq!(format!("{from_value:?}"), r#"JsonText({"x":1})"#);
    }

    #[test]
    fn text_that_is_not_one_json_value_is_refused() {
        for text in ["", "{oops", "1 2", "{\"a\":}"] {
            assert!(JsonText::new(text).is_err(), "{text}");
        }
        let error = serde_json::from_str::<Search>(r#"{"Criteria":"{oops","Columns":1}"#).unwrap_err();
        assert!(error.to_string().contains("a string holding JSON"), "{error}");
    }
}

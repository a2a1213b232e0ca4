//! Records the API takes as attribute/value pairs, `[{"Attribute": "EmailAddress", "Value":
//! "…"}, …]`. Each spec type of `kind: attributes` is a struct around [`Entries`], with a setter
//! per well-known attribute and `set` for any other (an account's custom `mx_` fields); this
//! module holds what they share: the entries, in the order set, and their wire form under the
//! type's own pair names.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

/// The wire names of an attribute list's entries, e.g. `Attribute`, `Value` and `Fields`.
#[derive(Debug)]
pub struct PairNames {
    /// The key holding an entry's attribute name.
    pub attribute: &'static str,
    /// The key holding its value.
    pub value: &'static str,
    /// The key holding a custom field set's own entries, when the list has them.
    pub fields: Option<&'static str>,
}

/// One attribute: its name, its value and, for a custom field set, its own entries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    attribute: String,
    value: String,
    fields: Option<Entries>,
}

/// The entries of an attribute list, in the order they were first set; setting an attribute
/// again replaces its value where it stands, so a list never holds one attribute twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries(Vec<Entry>);

impl Entries {
    /// Sets `attribute` to `value` (and its own entries, for a custom field set).
    pub fn set(&mut self, attribute: String, value: String, fields: Option<Entries>) {
        match self.0.iter_mut().find(|entry| entry.attribute == attribute) {
            Some(entry) => {
                entry.value = value;
                entry.fields = fields;
            }
            None => self.0.push(Entry {
                attribute,
                value,
                fields,
            }),
        }
    }

    /// The value of `attribute`, if it is set.
    pub fn get(&self, attribute: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|entry| entry.attribute == attribute)
            .map(|entry| entry.value.as_str())
    }

    /// Each attribute and its value, in the order set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.0
            .iter()
            .map(|entry| (entry.attribute.as_str(), entry.value.as_str()))
    }

    /// How many attributes are set.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Writes the entries as a JSON array of pairs named by `names`.
    pub fn serialize_as<S: Serializer>(&self, names: &'static PairNames, serializer: S) -> Result<S::Ok, S::Error> {
        Wire { entries: self, names }.serialize(serializer)
    }

    /// Reads entries from a JSON array of pairs named by `names`. A value may arrive as a
    /// string, a number or a boolean (kept as its JSON text) or `null` (an empty value); a key
    /// other than the pair's names is an error, so a misspelt `Vaule` is not silently dropped.
    pub fn deserialize_as<'de, D: serde::Deserializer<'de>>(
        names: &'static PairNames,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        Self::from_json(names, value).map_err(serde::de::Error::custom)
    }

    fn from_json(names: &PairNames, value: Value) -> Result<Self, String> {
        let Value::Array(items) = value else {
            return Err(format!(
                "expected a list of {{\"{}\": …, \"{}\": …}} pairs, found {}",
                names.attribute,
                names.value,
                kind(&value)
            ));
        };
        let mut entries = Entries::default();
        for (index, item) in items.into_iter().enumerate() {
            let Value::Object(map) = item else {
                return Err(format!("entry {index}: expected an object, found {}", kind(&item)));
            };
            let (mut attribute, mut value, mut fields) = (None, String::new(), None);
            for (key, item) in map {
                if key == names.attribute {
                    match item {
                        Value::String(text) => attribute = Some(text),
                        other => {
                            return Err(format!(
                                "entry {index}: `{key}` must be a string, found {}",
                                kind(&other)
                            ));
                        }
                    }
                } else if key == names.value {
                    value = match item {
                        Value::String(text) => text,
                        Value::Null => String::new(),
                        Value::Number(_) | Value::Bool(_) => item.to_string(),
                        other => {
                            return Err(format!(
                                "entry {index}: `{key}` must be a string, found {}",
                                kind(&other)
                            ));
                        }
                    };
                } else if Some(key.as_str()) == names.fields {
                    fields =
                        Some(Self::from_json(names, item).map_err(|error| format!("entry {index}, `{key}`: {error}"))?);
                } else {
                    let mut known = vec![names.attribute, names.value];
                    known.extend(names.fields);
                    return Err(format!(
                        "entry {index}: unknown key `{key}`; an entry has `{}`",
                        known.join("`, `")
                    ));
                }
            }
            let Some(attribute) = attribute else {
                return Err(format!("entry {index}: `{}` is missing", names.attribute));
            };
            entries.set(attribute, value, fields);
        }
        Ok(entries)
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The entries with their pair names, for serde.
struct Wire<'a> {
    entries: &'a Entries,
    names: &'static PairNames,
}

impl Serialize for Wire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.entries.0.len()))?;
        for entry in &self.entries.0 {
            seq.serialize_element(&WireEntry {
                entry,
                names: self.names,
            })?;
        }
        seq.end()
    }
}

struct WireEntry<'a> {
    entry: &'a Entry,
    names: &'static PairNames,
}

impl Serialize for WireEntry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let nested = match (&self.entry.fields, self.names.fields) {
            (Some(fields), Some(key)) => Some((key, fields)),
            _ => None,
        };
        let mut map = serializer.serialize_map(Some(2 + usize::from(nested.is_some())))?;
        map.serialize_entry(self.names.attribute, &self.entry.attribute)?;
        map.serialize_entry(self.names.value, &self.entry.value)?;
        if let Some((key, fields)) = nested {
            map.serialize_entry(
                key,
                &Wire {
                    entries: fields,
                    names: self.names,
                },
            )?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static NAMES: PairNames = PairNames {
        attribute: "Attribute",
        value: "Value",
        fields: Some("Fields"),
    };

    fn wire(entries: &Entries) -> Value {
        struct Out<'a>(&'a Entries);
        impl Serialize for Out<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize_as(&NAMES, s)
            }
        }
        serde_json::to_value(Out(entries)).unwrap()
    }

    #[test]
    fn entries_keep_their_order_and_a_second_set_replaces_in_place() {
        let mut entries = Entries::default();
        entries.set("EmailAddress".into(), "a@example.com".into(), None);
        entries.set("FirstName".into(), "A".into(), None);
        entries.set("EmailAddress".into(), "b@example.com".into(), None);
        assert_eq!(
            entries.iter().collect::<Vec<_>>(),
            [("EmailAddress", "b@example.com"), ("FirstName", "A")]
        );
        assert_eq!(
            (entries.get("FirstName"), entries.get("Phone"), entries.len()),
            (Some("A"), None, 2)
        );
    }

    #[test]
    fn the_wire_form_round_trips_with_nested_field_sets() {
        let text = r#"[{"Attribute":"mx_City","Value":"Pune"},{"Attribute":"mx_KYC","Value":"","Fields":[{"Attribute":"Status","Value":"Pending"}]}]"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let entries = Entries::from_json(&NAMES, value.clone()).unwrap();
        assert_eq!(wire(&entries), value);
    }

    #[test]
    fn values_of_other_json_types_are_kept_as_text_and_bad_entries_are_named() {
        let value = serde_json::json!([{"Attribute": "Score", "Value": 12}, {"Attribute": "Note", "Value": null}]);
        let entries = Entries::from_json(&NAMES, value).unwrap();
        assert_eq!(entries.iter().collect::<Vec<_>>(), [("Score", "12"), ("Note", "")]);
        let typo = serde_json::json!([{"Attribute": "Score", "Vaule": "1"}]);
        let error = Entries::from_json(&NAMES, typo).unwrap_err();
        assert!(error.contains("unknown key `Vaule`"), "{error}");
        let missing = serde_json::json!([{"Value": "1"}]);
        assert!(
            Entries::from_json(&NAMES, missing)
                .unwrap_err()
                .contains("`Attribute` is missing")
        );
        assert!(Entries::from_json(&NAMES, serde_json::json!({})).is_err());
    }
}

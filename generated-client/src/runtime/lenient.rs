//! Lenient scalars: numbers and booleans that LeadSquared sometimes sends as strings.
//!
//! The same concept is an integer in one response and a string in another (`"RowNumber":1` vs
//! `"EventCode":"12003"`, `"DoNotEmail":"0"`), so strict decoding would fail on documented
//! answers. The generator marks such fields `lenient` in the spec and emits
//! `#[serde(deserialize_with = "crate::runtime::lenient::…")]`. These functions accept the native
//! JSON type or a string holding it (surrounding whitespace ignored); booleans also accept `0`
//! and `1` and any ASCII case of `true`/`false`. The `option_` versions also accept `null`, and
//! read an empty or blank string as absent, since that is how a form-backed system tends to
//! spell "no value". Anything else is a decode error naming what was expected; nothing is
//! silently replaced by a default.
//!
//! Lenience applies to responses only: requests are serialized with the native types.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// An `i64` from a JSON integer, an integral float such as `12.0`, or a string such as `" 12 "`.
///
/// # Errors
///
/// The value is of another type, out of range, or a string that is not an integer.
pub fn i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(I64Visitor)
}

/// Like [`i64()`], and `null` or a blank string give `None`.
///
/// # Errors
///
/// As [`i64()`].
pub fn option_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_any(Optional(I64Visitor))
}

/// A `bool` from a JSON boolean, `0`/`1`, or a string `true`/`false` (any case) or `0`/`1`.
///
/// # Errors
///
/// The value is of another type, or another number or string.
pub fn bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    deserializer.deserialize_any(BoolVisitor)
}

/// Like [`bool()`], and `null` or a blank string give `None`.
///
/// # Errors
///
/// As [`bool()`].
pub fn option_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    deserializer.deserialize_any(Optional(BoolVisitor))
}

/// An `f64` from a JSON number or a string such as `"1.5"`; the result is always finite.
///
/// # Errors
///
/// The value is of another type, or a string that is not a finite number.
pub fn f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    deserializer.deserialize_any(F64Visitor)
}

/// Like [`f64()`], and `null` or a blank string give `None`.
///
/// # Errors
///
/// As [`f64()`].
pub fn option_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    deserializer.deserialize_any(Optional(F64Visitor))
}

#[derive(Clone, Copy)]
struct I64Visitor;

impl Visitor<'_> for I64Visitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // `i64::MAX as f64` rounds up to 2^63, hence the strict upper bound.
        if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[derive(Clone, Copy)]
struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, 0 or 1, or a string holding one")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        let text = v.trim();
        if text.eq_ignore_ascii_case("true") || text == "1" {
            Ok(true)
        } else if text.eq_ignore_ascii_case("false") || text == "0" {
            Ok(false)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
}

#[derive(Clone, Copy)]
struct F64Visitor;

impl Visitor<'_> for F64Visitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        // `f64::from_str` also reads "NaN" and "inf", which no JSON number can be.
        match v.trim().parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(number),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// Wraps a scalar visitor to also accept `null` and blank strings as `None`.
#[derive(Clone, Copy)]
struct Optional<V>(V);

impl<'de, V: Visitor<'de> + Copy> Visitor<'de> for Optional<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(", or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.0.visit_bool(v).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.visit_i64(v).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.visit_u64(v).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.visit_f64(v).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            Ok(None)
        } else {
            self.0.visit_str(v).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        #[serde(deserialize_with = "super::i64")]
        int: i64,
        #[serde(default, deserialize_with = "super::option_i64")]
        opt_int: Option<i64>,
        #[serde(deserialize_with = "super::bool")]
        flag: bool,
        #[serde(default, deserialize_with = "super::option_bool")]
        opt_flag: Option<bool>,
        #[serde(deserialize_with = "super::f64")]
        float: f64,
        #[serde(default, deserialize_with = "super::option_f64")]
        opt_float: Option<f64>,
    }

    fn row(json: &str) -> Result<Row, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn native_types_are_accepted() -> Result<(), serde_json::Error> {
        let parsed = row(r#"{"int":12,"opt_int":-3,"flag":true,"opt_flag":false,"float":1.5,"opt_float":2}"#)?;
        assert_eq!(
            parsed,
            Row {
                int: 12,
                opt_int: Some(-3),
                flag: true,
                opt_flag: Some(false),
                float: 1.5,
                opt_float: Some(2.0),
            }
        );
        Ok(())
    }

    #[test]
    fn strings_holding_the_type_are_accepted() -> Result<(), serde_json::Error> {
        let parsed =
            row(r#"{"int":" 12 ","opt_int":"3","flag":"True","opt_flag":"0","float":"1.5","opt_float":" -2.25"}"#)?;
        assert_eq!(
            parsed,
            Row {
                int: 12,
                opt_int: Some(3),
                flag: true,
                opt_flag: Some(false),
                float: 1.5,
                opt_float: Some(-2.25),
            }
        );
        Ok(())
    }

    #[test]
    fn booleans_accept_every_documented_spelling() -> Result<(), serde_json::Error> {
        for (json, expected) in [
            ("true", true),
            ("false", false),
            ("1", true),
            ("0", false),
            (r#""true""#, true),
            (r#""TRUE""#, true),
            (r#""False""#, false),
            (r#""1""#, true),
            (r#""0""#, false),
        ] {
            let parsed = super::bool(&mut serde_json::Deserializer::from_str(json))?;
            assert_eq!(parsed, expected, "{json}");
        }
        Ok(())
    }

    #[test]
    fn null_absent_and_blank_are_none_for_options() -> Result<(), serde_json::Error> {
        let parsed = row(r#"{"int":1,"opt_int":null,"flag":"1","opt_flag":" ","float":0,"opt_float":null}"#)?;
        assert_eq!((parsed.opt_int, parsed.opt_flag, parsed.opt_float), (None, None, None));
        let parsed = row(r#"{"int":1,"flag":1,"float":0}"#)?;
        assert_eq!((parsed.opt_int, parsed.opt_flag, parsed.opt_float), (None, None, None));
        Ok(())
    }

    #[test]
    fn integral_floats_are_integers_but_fractions_are_not() {
        assert_eq!(
            super::i64(&mut serde_json::Deserializer::from_str("12.0")).ok(),
            Some(12)
        );
        assert!(super::i64(&mut serde_json::Deserializer::from_str("12.5")).is_err());
    }

    #[test]
    fn wrong_values_are_errors_not_defaults() {
        for json in [
            r#"{"int":"twelve","flag":true,"float":1}"#,
            r#"{"int":"","flag":true,"float":1}"#,
            r#"{"int":null,"flag":true,"float":1}"#,
            r#"{"int":18446744073709551615,"flag":true,"float":1}"#,
            r#"{"int":1,"flag":"yes","float":1}"#,
            r#"{"int":1,"flag":2,"float":1}"#,
            r#"{"int":1,"flag":true,"float":"NaN"}"#,
            r#"{"int":1,"flag":true,"float":[1]}"#,
            r#"{"int":1,"flag":true,"float":1,"opt_int":"x"}"#,
            r#"{"int":1,"flag":true,"float":1,"opt_flag":{}}"#,
        ] {
            assert!(row(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        let message = row(r#"{"int":"twelve","flag":true,"float":1}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("an integer or a string holding one"), "{message}");
    }
}

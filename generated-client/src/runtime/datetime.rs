//! LeadSquared's date-times: UTC, to the second, written `YYYY-MM-DD HH:MM:SS`.
//!
//! Every LeadSquared API takes date-times in one format, UTC with no offset on the wire
//! (<https://apidocs.leadsquared.com/overview/>): 26 March 2016, 2:15 PM UTC is
//! `"2016-03-26 14:15:00"`. The spec's `datetime` type becomes [`DateTime`], an instant (a
//! [`jiff::Timestamp`]) that writes itself in that format, so a caller never formats one by
//! hand, and a value read from an answer can be compared, converted to a time zone or used in
//! arithmetic through `jiff`.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil;
use jiff::tz::Offset;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// A date and time as LeadSquared sends and takes it: an instant, in UTC, to the second.
///
/// On the wire it is the text `YYYY-MM-DD HH:MM:SS` in UTC ([`Display`](fmt::Display) and
/// serialization write exactly that). Reading also takes the fractional seconds some answers
/// carry (`2017-11-30 07:38:00.000`); the fraction is dropped, since the API counts whole
/// seconds. Nothing else is read: an offset, a `T` or a date alone are errors that name the value.
///
/// It wraps a [`jiff::Timestamp`] (re-exported as [`crate::jiff`]), the instant the wire's UTC
/// text stands for, rather than a civil date-time: a civil value would leave "which zone?" to
/// each caller, and one built from local time would be sent as if it were UTC.
///
/// ```
/// use leadsquared::DateTime;
///
/// let due = DateTime::parse("2021-06-08 10:30:00")?;
/// assert_eq!(due.to_string(), "2021-06-08 10:30:00");
/// assert_eq!(serde_json::to_string(&due)?, r#""2021-06-08 10:30:00""#);
///
/// // From any instant, e.g. one hour later, or now:
/// let later = DateTime::from(due.timestamp() + leadsquared::jiff::SignedDuration::from_hours(1));
/// assert_eq!(later.to_string(), "2021-06-08 11:30:00");
/// assert!(DateTime::now() > due);
///
/// // What answers carry is read too; anything else is refused, naming the value.
/// assert_eq!("2021-06-08 10:30:00.000".parse::<DateTime>()?, due);
/// let error = "2021-06-08T10:30:00Z".parse::<DateTime>().unwrap_err();
/// assert!(error.to_string().contains("2021-06-08T10:30:00Z"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(Timestamp);

impl DateTime {
    /// Reads `YYYY-MM-DD HH:MM:SS` (UTC), as [`FromStr`] does: `DateTime::parse("2021-06-08 10:30:00")?`.
    ///
    /// # Errors
    ///
    /// The text is not a date-time in that format, or not a real one (`2021-02-30 …`); the
    /// error names the text.
    pub fn parse(text: &str) -> Result<Self, DateTimeError> {
        text.parse()
    }

    /// The current time, to the second.
    pub fn now() -> Self {
        DateTime::from(Timestamp::now())
    }

    /// The date-time at `civil` in UTC, e.g. `jiff::civil::date(2021, 6, 8).at(10, 30, 0, 0)`;
    /// a fraction of a second is dropped.
    ///
    /// # Errors
    ///
    /// The date-time is outside the range a [`jiff::Timestamp`] holds.
    pub fn from_utc(civil: civil::DateTime) -> Result<Self, DateTimeError> {
        Offset::UTC
            .to_timestamp(civil)
            .map(DateTime::from)
            .map_err(|error| DateTimeError {
                text: civil.to_string(),
                reason: error.to_string(),
            })
    }

    /// The instant, as a [`jiff::Timestamp`] (always a whole second).
    pub fn timestamp(self) -> Timestamp {
        self.0
    }

    /// The date and time in UTC, as written on the wire.
    pub fn to_utc(self) -> civil::DateTime {
        Offset::UTC.to_datetime(self.0)
    }
}

impl From<Timestamp> for DateTime {
    /// The instant, to the second: a fraction of a second is dropped (rounding towards the
    /// past), as the wire format has none.
    fn from(timestamp: Timestamp) -> Self {
        let seconds = timestamp.as_second() - i64::from(timestamp.subsec_nanosecond() < 0);
        // Whole seconds of a valid timestamp, floored, are a valid timestamp.
        DateTime(Timestamp::from_second(seconds).unwrap_or(timestamp))
    }
}

impl From<DateTime> for Timestamp {
    fn from(value: DateTime) -> Self {
        value.0
    }
}

impl fmt::Display for DateTime {
    /// `YYYY-MM-DD HH:MM:SS`, in UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.to_utc();
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl FromStr for DateTime {
    type Err = DateTimeError;

    /// Reads `YYYY-MM-DD HH:MM:SS`, optionally followed by a fraction of a second (`.000`),
    /// which is dropped; surrounding whitespace is ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason: &str| DateTimeError {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let trimmed = text.trim();
        let (whole, fraction) = match trimmed.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (trimmed, None),
        };
        if fraction.is_some_and(|digits| digits.is_empty() || digits.len() > 9 || !all_digits(digits)) {
            return Err(error("a fraction of a second is 1 to 9 digits after the `.`"));
        }
        let bytes = whole.as_bytes();
        let shape = bytes.len() == 19
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes[10] == b' '
            && bytes[13] == b':'
            && bytes[16] == b':';
        let number = |range: std::ops::Range<usize>| {
            let digits = whole.get(range)?;
            if all_digits(digits) {
                digits.parse::<i16>().ok()
            } else {
                None
            }
        };
        let parts = shape
            .then(|| {
                Some((
                    number(0..4)?,
                    number(5..7)?,
                    number(8..10)?,
                    number(11..13)?,
                    number(14..16)?,
                    number(17..19)?,
                ))
            })
            .flatten();
        let Some((year, month, day, hour, minute, second)) = parts else {
            return Err(error("expected UTC `YYYY-MM-DD HH:MM:SS`"));
        };
        let small = |value: i16| i8::try_from(value).unwrap_or(i8::MAX);
        let civil = civil::DateTime::new(
            year,
            small(month),
            small(day),
            small(hour),
            small(minute),
            small(second),
            0,
        )
        .map_err(|cause| error(&format!("not a date-time: {cause}")))?;
        DateTime::from_utc(civil).map_err(|cause| error(&cause.reason))
    }
}

fn all_digits(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit())
}

/// A text that is not a LeadSquared date-time; it names the text and says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeError {
    text: String,
    reason: String,
}

impl DateTimeError {
    /// The text that was read.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid date-time {:?}: {}", self.text, self.reason)
    }
}

impl std::error::Error for DateTimeError {}

impl serde::Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(DateTimeVisitor)
    }
}

impl super::QueryValue for DateTime {
    fn to_query(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }
}

struct DateTimeVisitor;

impl Visitor<'_> for DateTimeVisitor {
    type Value = DateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UTC date-time `YYYY-MM-DD HH:MM:SS`")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<DateTime, E> {
        text.parse().map_err(E::custom)
    }
}

/// For optional attributes: `null`, an absent attribute and a blank string are `None` (a
/// form-backed system's way of saying "no date"); generated code uses it with
/// `#[serde(deserialize_with = "crate::runtime::datetime::option")]`.
///
/// # Errors
///
/// Any other value that is not a date-time.
pub fn option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime>, D::Error> {
    struct OptionVisitor;

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<DateTime>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a UTC date-time `YYYY-MM-DD HH:MM:SS`, an empty string or null")
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

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                text.parse().map(Some).map_err(E::custom)
            }
        }
    }

    deserializer.deserialize_option(OptionVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DateTime, DateTimeError> {
        text.parse()
    }

    #[test]
    fn the_wire_format_round_trips_in_utc() {
        let value = parse("2016-03-26 14:15:00").unwrap();
        assert_eq!(value.to_string(), "2016-03-26 14:15:00");
        assert_eq!(value.timestamp().to_string(), "2016-03-26T14:15:00Z");
        assert_eq!(serde_json::to_string(&value).unwrap(), "\"2016-03-26 14:15:00\"");
        assert_eq!(
            serde_json::from_str::<DateTime>("\"2016-03-26 14:15:00\"").unwrap(),
            value
        );
        assert_eq!(format!("{value:?}"), "DateTime(2016-03-26 14:15:00)");
    }

    #[test]
    fn fractions_of_answers_are_read_and_dropped() {
        let whole = parse("2017-11-30 07:38:00").unwrap();
        assert_eq!(parse("2017-11-30 07:38:00.000").unwrap(), whole);
        assert_eq!(parse(" 2017-11-30 07:38:00.999999999 ").unwrap(), whole);
        let from_instant = DateTime::from("2017-11-30T07:38:00.75Z".parse::<Timestamp>().unwrap());
        assert_eq!(from_instant, whole);
        // Before 1970 a fraction still rounds towards the past.
        let early = DateTime::from("1969-12-31T23:59:59.5Z".parse::<Timestamp>().unwrap());
        assert_eq!(early.to_string(), "1969-12-31 23:59:59");
    }

    #[test]
    fn other_shapes_are_refused_naming_the_value() {
        for text in [
            "2021-06-08T10:30:00Z",
            "2021-06-08",
            "2021-06-08 10:30",
            "2021-6-8 10:30:00",
            "2021-06-08 10:30:00+05:30",
            "2021-06-08 10:30:00.",
            "2021-06-08 10:30:00.1234567890",
            "2021-02-30 10:30:00",
            "2021-06-08 24:00:00",
            "+2021-06-08 10:30:0",
            "",
            "2021-06-08 10:30:0é",
        ] {
            let error = parse(text).unwrap_err();
            assert_eq!(error.text(), text);
            assert!(error.to_string().contains(&format!("{text:?}")), "{error}");
        }
        let error = serde_json::from_str::<DateTime>("\"2021-02-30 10:30:00\"").unwrap_err();
        assert!(error.to_string().contains("2021-02-30 10:30:00"), "{error}");
        assert!(serde_json::from_str::<DateTime>("1623148200").is_err());
    }

    #[test]
    fn optional_attributes_read_blank_and_null_as_none() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(default, deserialize_with = "super::option")]
            at: Option<DateTime>,
        }
        for json in [r#"{}"#, r#"{"at":null}"#, r#"{"at":""}"#, r#"{"at":" "}"#] {
            assert_eq!(serde_json::from_str::<Row>(json).unwrap().at, None, "{json}");
        }
        let row: Row = serde_json::from_str(r#"{"at":"2020-11-11 10:30:00"}"#).unwrap();
        assert_eq!(row.at.map(|at| at.to_string()).as_deref(), Some("2020-11-11 10:30:00"));
        assert!(serde_json::from_str::<Row>(r#"{"at":"soon"}"#).is_err());
    }

    #[test]
    fn civil_times_are_read_as_utc() {
        let civil = civil::date(2021, 6, 8).at(10, 30, 0, 500);
        assert_eq!(DateTime::from_utc(civil).unwrap().to_string(), "2021-06-08 10:30:00");
        assert_eq!(
            parse("2021-06-08 10:30:00").unwrap().to_utc(),
            civil::date(2021, 6, 8).at(10, 30, 0, 0)
        );
    }
}

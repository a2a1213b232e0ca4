//! Turning typed query parameters into the strings LeadSquared expects.
//!
//! Generated methods pass their query arguments as typed values (`&SearchBy`, `bool`, `i64`…)
//! and [`super::Request::query`] stores their text form. The text is borrowed whenever the value
//! already is text, so a call allocates nothing for enum or string parameters. Percent-encoding
//! is not done here: the client hands the pairs to `url`'s form encoder, the one place that
//! knows the encoding rules.

use std::borrow::Cow;

/// A value that can be sent as one query parameter.
pub trait QueryValue {
    /// The value's text form, before percent-encoding.
    fn to_query(&self) -> Cow<'_, str>;
}

impl QueryValue for str {
    fn to_query(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl QueryValue for String {
    fn to_query(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl QueryValue for bool {
    /// `true` or `false`, the spelling LeadSquared's examples use.
    fn to_query(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! display_query_value {
    ($($ty:ty),*) => {
        $(impl QueryValue for $ty {
            fn to_query(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        })*
    };
}

// `f64`'s `Display` is the shortest text that reads back as the same number (`1.5`, `2`), with no
// exponent, which is what a query parameter wants.
display_query_value!(i32, i64, u32, u64, f64);

impl<T: QueryValue + ?Sized> QueryValue for &T {
    fn to_query(&self) -> Cow<'_, str> {
        (**self).to_query()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_their_wire_text() {
        assert_eq!("EmailAddress".to_query(), "EmailAddress");
        assert_eq!(String::from("mx_Unique").to_query(), "mx_Unique");
        assert_eq!(true.to_query(), "true");
        assert_eq!(false.to_query(), "false");
        assert_eq!((-12_i64).to_query(), "-12");
        assert_eq!(7_i32.to_query(), "7");
        assert_eq!(25_u32.to_query(), "25");
        assert_eq!(1.5_f64.to_query(), "1.5");
        assert_eq!(2.0_f64.to_query(), "2");
        assert_eq!((&&"x").to_query(), "x");
    }

    #[test]
    fn text_is_borrowed_not_copied() {
        let owned = String::from("abc");
        assert!(matches!(owned.to_query(), Cow::Borrowed(_)));
        assert!(matches!(true.to_query(), Cow::Borrowed(_)));
    }
}

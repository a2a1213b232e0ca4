//! Cross-field rules that the spec states and LeadSquared enforces only after a round trip.
//!
//! The generator emits one `impl Validate` per type: it checks the type's own rules (today only
//! "at most one of these fields may be set") and then validates nested values. The runtime calls
//! `validate` on every body before serializing it, so a call LeadSquared would reject is never
//! sent: the caller gets a typed error at once instead of an `MXInvalidInputException` after a
//! network round trip that may already count against the rate limit.

use std::fmt;

/// A value that can check the spec's rules before it is sent.
pub trait Validate {
    /// Checks the value's rules and those of every value nested in it.
    ///
    /// # Errors
    ///
    /// The first rule found broken.
    fn validate(&self) -> Result<(), RuleViolation>;
}

/// A boxed value (the generator boxes directly recursive fields) validates as its content.
impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate(&self) -> Result<(), RuleViolation> {
        (**self).validate()
    }
}

/// A broken rule: which type, which rule, which fields, and why the rule exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleViolation {
    /// The type whose rule is broken, e.g. `OpportunityByLeadField`.
    pub type_name: &'static str,
    /// The kind of rule.
    pub rule: Rule,
    /// The wire names of the fields the rule is about.
    pub fields: &'static [&'static str],
    /// Why the rule exists, from the spec.
    pub description: &'static str,
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ", self.type_name, self.rule)?;
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{field}`")?;
        }
        match self.rule {
            Rule::AtMostOneOf => f.write_str(" may be set")?,
        }
        if !self.description.is_empty() {
            write!(f, " ({})", self.description.trim_end_matches('.'))?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleViolation {}

/// The kinds of cross-field rule the spec can state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// At most one of the fields may be set (see [`is_set`]).
    AtMostOneOf,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::AtMostOneOf => "at most one of",
        })
    }
}

/// Whether an optional field counts as set for a rule: it is `Some`, and, for a flag, `true`.
///
/// A flag sent as `false` asks for the default behaviour, so `OverwriteFields: false` together
/// with `UpdateEmptyFields: true` does not break "at most one of".
pub fn is_set<T: IsSet>(value: &Option<T>) -> bool {
    value.as_ref().is_some_and(IsSet::is_set)
}

/// How a present value decides whether it counts as set; see [`is_set`].
///
/// The default is "present means set". Only `bool` overrides it. The generator emits an empty
/// `impl IsSet for T {}` for generated types that appear in a rule.
pub trait IsSet {
    /// Whether this present value counts as set.
    fn is_set(&self) -> bool {
        true
    }
}

impl IsSet for bool {
    fn is_set(&self) -> bool {
        *self
    }
}

impl IsSet for String {}
impl IsSet for str {}
impl IsSet for i32 {}
impl IsSet for i64 {}
impl IsSet for u32 {}
impl IsSet for u64 {}
impl IsSet for f64 {}
impl<T> IsSet for Vec<T> {}
impl IsSet for serde_json::Value {}
impl<T: IsSet + ?Sized> IsSet for &T {
    fn is_set(&self) -> bool {
        (**self).is_set()
    }
}
impl<T: IsSet + ?Sized> IsSet for Box<T> {
    fn is_set(&self) -> bool {
        (**self).is_set()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_is_set_only_when_true() {
        assert!(is_set(&Some(true)));
        assert!(!is_set(&Some(false)));
        assert!(!is_set::<bool>(&None));
    }

    #[test]
    fn other_values_are_set_when_present() {
        assert!(is_set(&Some(String::new())));
        assert!(is_set(&Some(0_i64)));
        assert!(is_set(&Some(0.0_f64)));
        assert!(is_set(&Some(Vec::<u8>::new())));
        assert!(is_set(&Some(&false)) == is_set(&Some(false)));
        assert!(!is_set::<String>(&None));
        assert!(!is_set::<Vec<u8>>(&None));
    }

    #[test]
    fn a_violation_names_the_type_the_fields_and_the_reason() {
        let violation = RuleViolation {
            type_name: "OpportunityByLeadField",
            rule: Rule::AtMostOneOf,
            fields: &["OverwriteFields", "UpdateEmptyFields"],
            description: "LeadSquared rejects a row where both are true.",
        };
        assert_eq!(
            violation.to_string(),
            "OpportunityByLeadField: at most one of `OverwriteFields`, `UpdateEmptyFields` may be \
             set (LeadSquared rejects a row where both are true)"
        );
    }
}

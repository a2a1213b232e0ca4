//! Cross-field rules that the spec states and LeadSquared enforces only after a round trip.
//!
//! The generator emits `impl Validate` for each type that has rules, or fields whose types have
//! some: it checks the type's own rules (today only "at most one of these fields may be set")
//! and then validates nested values. The runtime calls `validate` on such a body before
//! serializing it, so a call LeadSquared would reject is never
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
    /// At most one of the fields may be set; a flag counts as set only when `true`, since
    /// `false` asks for the default behaviour.
    AtMostOneOf,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::AtMostOneOf => "at most one of",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

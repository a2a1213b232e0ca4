//! Cross-field rules that the spec states and LeadSquared enforces only after a round trip.
//!
//! The generator emits `impl Validate` for each type that has rules, or fields whose types have
//! some: it checks the type's own rules (at most, at least or exactly one of some fields set, and
//! the item limits of array fields) and then validates nested values. The runtime calls `validate` on such a body before
//! serializing it, so a call LeadSquared would reject is never
//! sent: the caller gets a typed error at once instead of an `MXInvalidInputException` after a
//! network round trip that may already count against the rate limit.

use std::fmt;

use super::ItemLimit;

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
        if let Rule::ItemCount { count, limit } = self.rule {
            let field = self.fields.first().copied().unwrap_or_default();
            let takes = match (limit.min, limit.max) {
                (0, Some(max)) => format!("at most {max}"),
                (min, Some(max)) => format!("{min} to {max}"),
                (min, None) => format!("at least {min}"),
            };
            let items = if count == 1 { "item" } else { "items" };
            return write!(
                f,
                "{}: `{field}` holds {count} {items}; it takes {takes}",
                self.type_name
            );
        }
        write!(f, "{}: {} ", self.type_name, self.rule)?;
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{field}`")?;
        }
        match self.rule {
            Rule::AtMostOneOf => f.write_str(" may be set")?,
            Rule::AtLeastOneOf | Rule::ExactlyOneOf => f.write_str(" must be set")?,
            Rule::ItemCount { .. } => {}
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
    /// At least one of the fields must be set (a flag only when `true`).
    AtLeastOneOf,
    /// Exactly one of the fields must be set (a flag only when `true`).
    ExactlyOneOf,
    /// The array field (the violation's one field) holds `count` items, outside its limit.
    ItemCount {
        /// How many items it holds.
        count: usize,
        /// How many it takes.
        limit: ItemLimit,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::AtMostOneOf => "at most one of",
            Rule::AtLeastOneOf => "at least one of",
            Rule::ExactlyOneOf => "exactly one of",
            Rule::ItemCount { .. } => "the item limit of",
        })
    }
}

/// `Ok` when an array field's `count` items are within `limit`; otherwise the violation of that
/// limit, naming the type and the field. Generated `Validate` impls call it for fields with
/// `min_items` or `max_items`.
///
/// # Errors
///
/// The count is outside the limit.
pub fn check_item_count(
    type_name: &'static str,
    field: &'static [&'static str],
    count: usize,
    limit: ItemLimit,
) -> Result<(), RuleViolation> {
    if limit.allows(count) {
        return Ok(());
    }
    Err(RuleViolation {
        type_name,
        rule: Rule::ItemCount { count, limit },
        fields: field,
        description: "",
    })
}

/// An attribute a type does not know, found in JSON read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownAttribute {
    /// The attribute as written.
    pub name: String,
    /// The known attribute it differs from only by case, if any.
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for UnknownAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown attribute `{}`", self.name)?;
        match self.suggestion {
            Some(known) => write!(f, "; attribute names are case-sensitive: did you mean `{known}`?"),
            None => f.write_str("; check its spelling against the API's documentation"),
        }
    }
}

impl std::error::Error for UnknownAttribute {}

/// The attributes of a JSON object that are not in `known` (a type's `ATTRIBUTES`), each with
/// the known name it matches but for case. Non-objects have none.
///
/// Generated request types already refuse unknown attributes when deserialized; this says which,
/// and suggests the right spelling, before decoding rows read from a file:
///
/// ```
/// use leadsquared::opportunities::OpportunityByLeadField;
/// use leadsquared::rules::unknown_attributes;
///
/// let row = serde_json::json!({ "SearchByValue": "ana@example.com", "OpportunityEventCode": 1, "doNotChangeOwner": true });
/// let unknown = unknown_attributes(&row, OpportunityByLeadField::ATTRIBUTES);
/// assert_eq!(unknown[0].suggestion, Some("DoNotChangeOwner"));
/// assert!(serde_json::from_value::<OpportunityByLeadField>(row).is_err());
/// ```
pub fn unknown_attributes(value: &serde_json::Value, known: &'static [&'static str]) -> Vec<UnknownAttribute> {
    let Some(object) = value.as_object() else {
        return Vec::new();
    };
    object
        .keys()
        .filter(|name| !known.contains(&name.as_str()))
        .map(|name| UnknownAttribute {
            name: name.clone(),
            suggestion: known.iter().copied().find(|known| known.eq_ignore_ascii_case(name)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_rules_say_what_must_hold() {
        let violation = |rule| RuleViolation {
            type_name: "LeadActivityPost",
            rule,
            fields: &["RelatedProspectId", "EmailAddress"],
            description: "",
        };
        assert_eq!(
            violation(Rule::AtLeastOneOf).to_string(),
            "LeadActivityPost: at least one of `RelatedProspectId`, `EmailAddress` must be set"
        );
        assert_eq!(
            violation(Rule::ExactlyOneOf).to_string(),
            "LeadActivityPost: exactly one of `RelatedProspectId`, `EmailAddress` must be set"
        );
    }

    #[test]
    fn an_item_count_names_the_type_the_field_and_the_limit() {
        let limit = ItemLimit { min: 0, max: Some(50) };
        assert_eq!(check_item_count("LeadBulkUpdate", &["LeadIds"], 50, limit), Ok(()));
        let violation = check_item_count("LeadBulkUpdate", &["LeadIds"], 51, limit).unwrap_err();
        assert_eq!(violation.rule, Rule::ItemCount { count: 51, limit });
        assert_eq!(
            violation.to_string(),
            "LeadBulkUpdate: `LeadIds` holds 51 items; it takes at most 50"
        );
        let few = ItemLimit { min: 2, max: None };
        let violation = check_item_count("Pair", &["Items"], 1, few).unwrap_err();
        assert_eq!(violation.to_string(), "Pair: `Items` holds 1 item; it takes at least 2");
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

//! Names: identifiers, reserved names, groups, and keys that do not belong.

use super::*;

impl Lowerer<'_> {
    /// Reports `name` when the generator uses it at `place` (see `reserved::RESERVED`).
    pub(super) fn check_reserved(&mut self, at: &At<'_>, place: Place, name: &str, help: &str) -> bool {
        self.check_reserved_derived(at, place, (name, None), help)
    }

    /// Like `check_reserved`, for a Rust name that may be derived from a wire name (given).
    pub(super) fn check_reserved_derived(
        &mut self,
        at: &At<'_>,
        place: Place,
        (name, derived_from): (&str, Option<&str>),
        help: &str,
    ) -> bool {
        let Some(entry) = reserved::reserved(place, name) else {
            return true;
        };
        let origin = derived_from
            .map(|wire| format!(" (derived from `{wire}`)"))
            .unwrap_or_default();
        let message = format!(
            "{} `{name}`{origin} collides with {}",
            place.describe(),
            entry.collides_with
        );
        let help = format!(
            "{help}; reserved {}s: {}",
            place.describe(),
            one_of(reserved::names_at(place))
        );
        at.error(message).help(help).push(self.diags);
        false
    }

    /// Checks an UpperCamelCase Rust name (types, regions, variants).
    pub(super) fn check_type_like_name(&mut self, at: &At<'_>, name: &str, what: &str) -> bool {
        if let Some(problem) = ident_problem(name) {
            let help =
                format!("a {what} name becomes a Rust type or variant name; use UpperCamelCase letters and digits");
            at.error(format!("{what} name `{name}` {problem}"))
                .help(help)
                .push(self.diags);
            return false;
        }
        if name.to_upper_camel_case() != name {
            let message = format!("{what} name `{name}` is not UpperCamelCase");
            let help = format!("write it `{}`", name.to_upper_camel_case());
            at.error(message).help(help).push(self.diags);
            return false;
        }
        true
    }

    /// Checks a snake_case Rust name (methods, fields).
    pub(super) fn check_snake_name(&mut self, at: &At<'_>, name: &str, what: &str, derived_from: Option<&str>) -> bool {
        let origin = derived_from
            .map(|wire| format!(" (derived from `{wire}`)"))
            .unwrap_or_default();
        if let Some(problem) = ident_problem(name) {
            let help = match derived_from {
                Some(_) => "set `rust:` to a name that is not a keyword, e.g. `kind` or `value_type`".to_string(),
                None => "use a snake_case name of letters, digits and `_` that is not a Rust keyword".to_string(),
            };
            at.error(format!("{what} name `{name}`{origin} {problem}"))
                .help(help)
                .push(self.diags);
            return false;
        }
        if name.to_snake_case() != name {
            let message = format!("{what} name `{name}`{origin} is not snake_case");
            let help = format!("write it `{}`", name.to_snake_case());
            at.error(message).help(help).push(self.diags);
            return false;
        }
        true
    }

    /// The module the type or endpoint at `at` belongs to: its own `group:`, else its file's.
    /// Checks the name it is given; `Err(())` after reporting a bad one.
    pub(super) fn group(&mut self, at: &At<'_>, own: Option<&String>) -> Result<Option<String>, ()> {
        let (name, at) = match (own, &at.file().value.group) {
            (Some(own), _) => (own, at.child("group")),
            (None, Some(group)) => (group, At::root(at.file()).child("group")),
            (None, None) => return Ok(None),
        };
        // A group becomes a module of the client crate.
        let ok = self.check_snake_name(&at, name, "group", None)
            && self.check_reserved(&at, Place::Group, name, "rename the group");
        if ok { Ok(Some(name.clone())) } else { Err(()) }
    }

    /// Reports the key `key` of `at` when it is `present` but not valid on `what`.
    pub(super) fn forbid(&mut self, at: &At<'_>, key: &str, present: bool, what: &str) -> bool {
        if present {
            let message = format!("`{key}` is not valid on {what}");
            at.child(key)
                .error(message)
                .help(format!("remove `{key}`"))
                .at_key()
                .push(self.diags);
        }
        !present
    }
}

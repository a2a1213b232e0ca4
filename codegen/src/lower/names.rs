//! Names: identifiers, reserved names, groups, and keys that do not belong.

use super::*;

impl Lowerer<'_> {
    /// Reports `name` when the generator uses it at `place` (see `reserved::RESERVED`).
    pub(super) fn check_reserved(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        place: Place,
        name: &str,
        help: &str,
    ) -> bool {
        self.check_reserved_derived(file, path, place, (name, None), help)
    }

    /// Like `check_reserved`, for a Rust name that may be derived from a wire name (given).
    pub(super) fn check_reserved_derived(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
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
        self.diags.push(file.error_at(path, message, Some(help)));
        false
    }

    /// Checks an UpperCamelCase Rust name (types, regions, variants).
    pub(super) fn check_type_like_name(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        name: &str,
        what: &str,
    ) -> bool {
        if let Some(problem) = ident_problem(name) {
            let help =
                format!("a {what} name becomes a Rust type or variant name; use UpperCamelCase letters and digits");
            self.diags
                .push(file.error_at(path, format!("{what} name `{name}` {problem}"), Some(help)));
            return false;
        }
        if name.to_upper_camel_case() != name {
            let message = format!("{what} name `{name}` is not UpperCamelCase");
            let help = format!("write it `{}`", name.to_upper_camel_case());
            self.diags.push(file.error_at(path, message, Some(help)));
            return false;
        }
        true
    }

    /// Checks a snake_case Rust name (methods, fields).
    pub(super) fn check_snake_name(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        name: &str,
        what: &str,
        derived_from: Option<&str>,
    ) -> bool {
        let origin = derived_from
            .map(|wire| format!(" (derived from `{wire}`)"))
            .unwrap_or_default();
        if let Some(problem) = ident_problem(name) {
            let help = match derived_from {
                Some(_) => "set `rust:` to a name that is not a keyword, e.g. `kind` or `value_type`".to_string(),
                None => "use a snake_case name of letters, digits and `_` that is not a Rust keyword".to_string(),
            };
            self.diags
                .push(file.error_at(path, format!("{what} name `{name}`{origin} {problem}"), Some(help)));
            return false;
        }
        if name.to_snake_case() != name {
            let message = format!("{what} name `{name}`{origin} is not snake_case");
            let help = format!("write it `{}`", name.to_snake_case());
            self.diags.push(file.error_at(path, message, Some(help)));
            return false;
        }
        true
    }

    /// The module a type or endpoint belongs to: its own `group:`, else its file's. Checks the
    /// name it is given; `Err(())` after reporting a bad one.
    pub(super) fn group(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        own: Option<&String>,
    ) -> Result<Option<String>, ()> {
        let (name, path) = match (own, &file.value.group) {
            (Some(own), _) => (own, child(path, "group")),
            (None, Some(group)) => (group, p!["group"].to_vec()),
            (None, None) => return Ok(None),
        };
        // A group becomes a module of the client crate.
        let ok = self.check_snake_name(file, &path, name, "group", None)
            && self.check_reserved(file, &path, Place::Group, name, "rename the group");
        if ok { Ok(Some(name.clone())) } else { Err(()) }
    }

    pub(super) fn forbid(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        key: &str,
        present: bool,
        what: &str,
    ) -> bool {
        if present {
            let message = format!("`{key}` is not valid on {what}");
            self.diags
                .push(file.error_at_key(&child(path, key), message, Some(format!("remove `{key}`"))));
        }
        !present
    }
}

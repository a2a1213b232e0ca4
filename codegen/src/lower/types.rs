//! Types: objects and their fields and rules, enums and their values, exceptions, type expressions.

use super::*;

/// The methods every attribute list has beside its setters.
pub(crate) const ATTRIBUTE_METHODS: &[&str] = &["new", "set", "set_with_fields", "get", "iter", "len", "is_empty"];

impl Lowerer<'_> {
    pub(super) fn lower_type(&mut self, at: &At<'_>, raw: &raw::Type) -> Option<TypeDef> {
        let mut ok = self.check_type_like_name(&at.child("name"), &raw.name, "type");
        let group = self.group(at, raw.group.as_ref());
        ok &= group.is_ok();
        let group = group.unwrap_or_default();
        ok &= self.check_reserved(&at.child("name"), Place::Type, &raw.name, "choose another name");
        if raw.kind != "attributes" {
            ok &= self.forbid(at, "pair", raw.pair.is_some(), "a type that is not `kind: attributes`");
        }
        match raw.kind.as_str() {
            "attributes" => {
                let what = "an attribute list";
                ok &= self.forbid(at, "values", !raw.values.is_empty(), what);
                ok &= self.forbid(at, "open", raw.open.is_some(), what);
                ok &= self.forbid(at, "rules", !raw.rules.is_empty(), what);
                ok &= self.forbid(at, "additional_fields", raw.additional_fields, what);
                let Some(pair) = &raw.pair else {
                    let help =
                        "name the wire attributes of each entry, e.g. `pair: { attribute: Attribute, value: Value }`"
                            .to_string();
                    at.child("name")
                        .error(format!("attribute list `{}` has no `pair`", raw.name))
                        .help(help)
                        .push(self.diags);
                    return None;
                };
                let fields = self.lower_fields(&at.child("fields"), &raw.fields, false)?;
                for (i, (field, raw_field)) in fields.iter().zip(&raw.fields).enumerate() {
                    let field_at = at.child("fields").child(i);
                    if field.ty != TypeRef::String || field.encoding != model::Encoding::Plain {
                        let help = "an attribute's value travels as a string: declare it `type: string`".to_string();
                        field_at
                            .child("type")
                            .error(format!(
                                "attribute `{}` of `{}` is not a plain string",
                                field.wire, raw.name
                            ))
                            .help(help)
                            .push(self.diags);
                        ok = false;
                    }
                    if field.required {
                        let help = "every attribute of a list is optional; say in the description which ones the endpoint needs".to_string();
                        field_at
                            .child("required")
                            .error(format!("attribute `{}` of `{}` is required", field.wire, raw.name))
                            .help(help)
                            .at_key()
                            .push(self.diags);
                        ok = false;
                    }
                    if ATTRIBUTE_METHODS.contains(&field.rust.as_str()) {
                        let key = if raw_field.rust.is_some() { "rust" } else { "wire" };
                        let help = format!(
                            "set `rust:` to another name (the wire name stays `{}`); an attribute list already has {}",
                            field.wire,
                            one_of(ATTRIBUTE_METHODS.iter().copied())
                        );
                        field_at
                            .child(key)
                            .error(format!(
                                "the setter `{}` collides with a method of every attribute list",
                                field.rust
                            ))
                            .help(help)
                            .push(self.diags);
                        ok = false;
                    }
                }
                let pair_at = at.child("pair");
                let mut names = vec![("attribute", &pair.attribute), ("value", &pair.value)];
                names.extend(pair.fields.as_ref().map(|fields| ("fields", fields)));
                let mut seen = BTreeSet::new();
                for (key, wire) in names {
                    if wire.is_empty() || !seen.insert(wire.as_str()) {
                        let help = "name three different, non-empty wire attributes".to_string();
                        pair_at
                            .child(key)
                            .error(format!("`{key}: {wire}` is empty or repeats another name of the pair"))
                            .help(help)
                            .push(self.diags);
                        ok = false;
                    }
                }
                ok.then(|| {
                    TypeDef::Attributes(model::AttributesDef {
                        name: raw.name.clone(),
                        group,
                        description: raw.description.clone(),
                        attribute: pair.attribute.clone(),
                        value: pair.value.clone(),
                        fields: pair.fields.clone(),
                        attributes: fields,
                        site: at.site(),
                    })
                })
            }
            "object" => {
                ok &= self.forbid(at, "values", !raw.values.is_empty(), "an object type");
                ok &= self.forbid(at, "open", raw.open.is_some(), "an object type");
                ok &= self.forbid(at, "integer", raw.integer, "an object type");
                if raw.additional_fields {
                    for (i, field) in raw.fields.iter().enumerate() {
                        let rust = field.rust.clone().unwrap_or_else(|| field.wire.to_snake_case());
                        let name_at =
                            at.child("fields")
                                .child(i)
                                .child(if field.rust.is_some() { "rust" } else { "wire" });
                        let help = "rename the field with `rust:`, or drop `additional_fields: true`";
                        let derived = field.rust.is_none().then_some(field.wire.as_str());
                        ok &= self.check_reserved_derived(&name_at, Place::OpenObjectField, (&rust, derived), help);
                    }
                }
                let fields = self.lower_fields(&at.child("fields"), &raw.fields, false);
                let rules = self.lower_rules(&at.child("rules"), &raw.rules, &fields);
                let (fields, mut rules) = (fields?, rules?);
                rules.extend(self.lower_item_counts(&at.child("fields"), &raw.fields, &fields)?);
                ok.then(|| {
                    TypeDef::Object(ObjectDef {
                        name: raw.name.clone(),
                        group,
                        description: raw.description.clone(),
                        fields,
                        rules,
                        needs_validation: false,
                        additional_fields: raw.additional_fields,
                        site: at.site(),
                    })
                })
            }
            "enum" => {
                ok &= self.forbid(at, "fields", !raw.fields.is_empty(), "an enum type");
                ok &= self.forbid(at, "rules", !raw.rules.is_empty(), "an enum type");
                if raw.values.is_empty() {
                    let help = "list the known values under `values:`, each with `wire:`".to_string();
                    at.child("name")
                        .error(format!("enum `{}` has no values", raw.name))
                        .help(help)
                        .push(self.diags);
                    ok = false;
                }
                let open = raw.open.unwrap_or(true);
                let mut values = self.lower_enum_values(&at.child("values"), &raw.values, open, false);
                if raw.integer {
                    ok &= self.integer_values(&at.child("values"), &raw.values, &mut values);
                }
                ok.then(|| {
                    TypeDef::Enum(EnumDef {
                        name: raw.name.clone(),
                        group,
                        description: raw.description.clone(),
                        open,
                        integer: raw.integer,
                        values,
                        site: at.site(),
                    })
                })
            }
            other => {
                let message = format!("unknown type kind `{other}`");
                let help = format!("valid kinds: {}", one_of(["object", "enum", "attributes"]));
                at.child("kind").error(message).help(help).push(self.diags);
                None
            }
        }
    }

    /// The values of an enum of integers: each wire value must be an integer (kept as its
    /// canonical text, so `01` and `1` are one value), and no two may be equal.
    fn integer_values(&mut self, at: &At<'_>, raw: &[raw::EnumValue], values: &mut [EnumValue]) -> bool {
        let mut ok = true;
        let mut seen = BTreeSet::new();
        for (i, value) in raw.iter().enumerate() {
            let wire_at = at.child(i).child("wire");
            let Ok(number) = value.wire.trim().parse::<i64>() else {
                let message = format!("`{}` is not an integer", value.wire);
                let help = "an enum with `integer: true` lists integers, e.g. `wire: 1`; drop `integer: true` for string values"
                    .to_string();
                wire_at.error(message).help(help).push(self.diags);
                ok = false;
                continue;
            };
            if !seen.insert(number) {
                wire_at.error(format!("duplicate value `{number}`")).push(self.diags);
                ok = false;
                continue;
            }
            if let Some(lowered) = values.iter_mut().find(|lowered| lowered.wire == value.wire) {
                lowered.wire = number.to_string();
            }
        }
        ok
    }

    pub(super) fn lower_enum_values(
        &mut self,
        at: &At<'_>,
        raw: &[raw::EnumValue],
        open: bool,
        exceptions: bool,
    ) -> Vec<EnumValue> {
        let mut values = Vec::new();
        let mut wires = BTreeSet::new();
        let mut rusts = BTreeSet::new();
        for (i, value) in raw.iter().enumerate() {
            let value_at = at.child(i);
            let rust = value.rust.clone().unwrap_or_else(|| value.wire.to_upper_camel_case());
            let name_at = value_at.child(if value.rust.is_some() { "rust" } else { "wire" });
            if value.rust.is_none() && ident_problem(&rust).is_some() {
                let message = format!("cannot derive a variant name from `{}`", value.wire);
                let help = "set `rust:` to an UpperCamelCase name for this value, e.g. `Eq` for `=`".to_string();
                name_at.error(message).help(help).push(self.diags);
                continue;
            }
            if !self.check_type_like_name(&name_at, &rust, "variant") {
                continue;
            }
            let derived = value.rust.is_none().then_some(value.wire.as_str());
            let help = "set `rust:` to another name, or make the enum `open: false`";
            if open && !self.check_reserved_derived(&name_at, Place::OpenEnumVariant, (&rust, derived), help) {
                continue;
            }
            if !wires.insert(value.wire.clone()) {
                value_at
                    .child("wire")
                    .error(format!("duplicate value `{}`", value.wire))
                    .push(self.diags);
                continue;
            }
            if !rusts.insert(rust.clone()) {
                let help = "set `rust:` so that each value has its own variant name".to_string();
                name_at
                    .error(format!("duplicate variant name `{rust}`"))
                    .help(help)
                    .push(self.diags);
                continue;
            }
            let Ok(processed) = self.lower_exception_processed(&value_at, value, exceptions) else {
                continue;
            };
            values.push(EnumValue {
                wire: value.wire.clone(),
                rust,
                description: value.description.clone(),
                rate_limited: value.rate_limited,
                processed,
                site: value_at.site(),
            });
        }
        values
    }

    /// An exception's `processed:`: only exceptions have one, and a rate-limit exception means
    /// the call was refused before anything was done (`never`, declared or not: the emitter
    /// reads an undeclared one as `never`).
    pub(super) fn lower_exception_processed(
        &mut self,
        at: &At<'_>,
        value: &raw::EnumValue,
        exceptions: bool,
    ) -> Result<Option<Processed>, ()> {
        let at = at.child("processed");
        let declared = match value.processed.as_deref() {
            None => None,
            Some(_) if !exceptions => {
                let help =
                    "`processed:` belongs to the API's `exceptions:`; a type's enum values have none".to_string();
                at.error("`processed` on a value that is not an exception")
                    .help(help)
                    .at_key()
                    .push(self.diags);
                return Err(());
            }
            Some("always") => Some(Processed::Always),
            Some("never") => Some(Processed::Never),
            Some("unknown") => Some(Processed::Unknown),
            Some(other) => {
                let message = format!("unknown `processed` value `{other}`");
                let help = format!(
                    "valid values: {} (whether a call answered with this exception took effect, whatever the status)",
                    one_of(["always", "never", "unknown"])
                );
                at.error(message).help(help).push(self.diags);
                return Err(());
            }
        };
        match declared {
            Some(processed) if value.rate_limited && processed != Processed::Never => {
                let help =
                    "a rate-limit refusal means nothing was done: write `processed: never`, or drop it".to_string();
                let message = "a rate-limited exception that may have been processed".to_string();
                at.error(message).help(help).push(self.diags);
                Err(())
            }
            declared => Ok(declared),
        }
    }

    /// Lowers object fields or query parameters (`params`: scalars and enums only).
    pub(super) fn lower_fields(&mut self, at: &At<'_>, raw: &[raw::Field], params: bool) -> Option<Vec<Field>> {
        let mut ok = true;
        let mut fields = Vec::new();
        let mut wires = BTreeSet::new();
        let mut rusts = BTreeSet::new();
        for (i, field) in raw.iter().enumerate() {
            let field_at = at.child(i);
            let rust = field.rust.clone().unwrap_or_else(|| field.wire.to_snake_case());
            let name_at = field_at.child(if field.rust.is_some() { "rust" } else { "wire" });
            let what = if params { "parameter" } else { "field" };
            if field.wire.is_empty() {
                field_at
                    .child("wire")
                    .error(format!("empty {what} wire name"))
                    .push(self.diags);
                ok = false;
                continue;
            }
            if !self.check_snake_name(
                &name_at,
                &rust,
                what,
                field.rust.is_none().then_some(field.wire.as_str()),
            ) {
                ok = false;
                continue;
            }
            if params {
                let help = format!("set `rust:` to another name (the wire name stays `{}`)", field.wire);
                let derived = field.rust.is_none().then_some(field.wire.as_str());
                if !self.check_reserved_derived(&name_at, Place::QueryParameter, (&rust, derived), &help) {
                    ok = false;
                    continue;
                }
            }
            if !wires.insert(field.wire.clone()) {
                field_at
                    .child("wire")
                    .error(format!("duplicate {what} `{}`", field.wire))
                    .push(self.diags);
                ok = false;
            }
            if !rusts.insert(rust.clone()) {
                let help = "set `rust:` so that each has its own name".to_string();
                name_at
                    .error(format!("duplicate Rust {what} name `{rust}`"))
                    .help(help)
                    .push(self.diags);
                ok = false;
            }
            let Some(ty) = self.resolve_type(&field_at.child("type"), &field.ty) else {
                ok = false;
                continue;
            };
            if params
                && !matches!(
                    &ty,
                    TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean | TypeRef::DateTime
                )
                && !matches!(&ty, TypeRef::Named(name) if self.type_kinds.get(name) == Some(&Kind::Enum))
            {
                let message = format!("query parameter `{}` has type `{}`", field.wire, field.ty);
                let help = "a query parameter is a string, integer, number, boolean, datetime or enum".to_string();
                field_at.child("type").error(message).help(help).push(self.diags);
                ok = false;
            }
            if field.lenient && (params || !matches!(ty, TypeRef::Integer | TypeRef::Number | TypeRef::Boolean)) {
                let message = format!("`lenient` is not valid on `{}` of type `{}`", field.wire, field.ty);
                let help = "`lenient: true` is for integer, number and boolean fields that the API may send as strings"
                    .to_string();
                field_at
                    .child("lenient")
                    .error(message)
                    .help(help)
                    .at_key()
                    .push(self.diags);
                ok = false;
            }
            if field.json_string && (params || field.lenient) {
                let message = format!("`json_string` is not valid on `{}` here", field.wire);
                let help = "`json_string: true` is for body and response attributes whose value is JSON inside a string; it does not combine with `lenient`".to_string();
                field_at
                    .child("json_string")
                    .error(message)
                    .help(help)
                    .at_key()
                    .push(self.diags);
                ok = false;
            }
            if params && (field.min_items.is_some() || field.max_items.is_some()) {
                let key = if field.max_items.is_some() {
                    "max_items"
                } else {
                    "min_items"
                };
                let message = format!("`{key}` on the query parameter `{}`", field.wire);
                let help = "a query parameter is one value; item limits are for array fields of objects".to_string();
                field_at.child(key).error(message).help(help).at_key().push(self.diags);
                ok = false;
            }
            let mut inner = &ty;
            while let TypeRef::Array(item) = inner {
                inner = item;
            }
            if *inner == TypeRef::JsonText && !params && (!field.json_string || ty != TypeRef::JsonText) {
                let message = if field.json_string {
                    format!("`{}` of type `{}`", field.wire, field.ty)
                } else {
                    format!("`{}` of type `{}` without `json_string: true`", field.wire, field.ty)
                };
                let help = "`json_text` is a string attribute's whole JSON text, kept as written: write `type: json_text` with `json_string: true`, or use `json` for JSON decoded".to_string();
                field_at.child("type").error(message).help(help).push(self.diags);
                ok = false;
            }
            if field.as_string
                && (params || field.lenient || field.json_string || !matches!(ty, TypeRef::Integer | TypeRef::Number))
            {
                let wire = &field.wire;
                let (message, help) = if params {
                    (
                        format!("`as_string` on the query parameter `{wire}`"),
                        "a query parameter is text already: drop `as_string`",
                    )
                } else if field.lenient || field.json_string {
                    let other = if field.lenient { "lenient" } else { "json_string" };
                    (
                        format!("`as_string` and `{other}` on `{wire}`"),
                        "`as_string` reads a number in either form already: keep one of the two",
                    )
                } else {
                    (
                        format!("`as_string` is not valid on `{wire}` of type `{}`", field.ty),
                        "`as_string: true` is for an integer or number attribute the API takes as a string (`\"12003\"`)",
                    )
                };
                let help = help.to_string();
                field_at
                    .child("as_string")
                    .error(message)
                    .help(help)
                    .at_key()
                    .push(self.diags);
                ok = false;
            }
            fields.push(Field {
                wire: field.wire.clone(),
                rust,
                ty,
                required: field.required,
                encoding: match (field.lenient, field.json_string, field.as_string) {
                    (true, _, _) => model::Encoding::Lenient,
                    (false, true, _) => model::Encoding::JsonString,
                    (false, false, true) => model::Encoding::AsString,
                    (false, false, false) => model::Encoding::Plain,
                },
                boxed: false,
                description: field.description.clone(),
                site: field_at.site(),
            });
        }
        ok.then_some(fields)
    }

    /// The item limits of array fields (`min_items`, `max_items`), as rules of their object.
    fn lower_item_counts(&mut self, at: &At<'_>, raw: &[raw::Field], fields: &[Field]) -> Option<Vec<Rule>> {
        let mut ok = true;
        let mut rules = Vec::new();
        for (index, (raw, field)) in raw.iter().zip(fields).enumerate() {
            let (min, max) = (raw.min_items, raw.max_items);
            if min.is_none() && max.is_none() {
                continue;
            }
            let field_at = at.child(index);
            let key = if max.is_some() { "max_items" } else { "min_items" };
            let problem = if !matches!(field.ty, TypeRef::Array(_)) {
                Some((
                    format!("`{key}` on `{}` of type `{}`", field.wire, field.ty),
                    "item limits are for array fields; remove it, or give the field an `array<…>` type".to_string(),
                ))
            } else if max == Some(0) {
                Some((
                    format!("`max_items: 0` on `{}`", field.wire),
                    "an array that may hold no item is not a field to send: remove the field or raise the limit"
                        .to_string(),
                ))
            } else if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                Some((
                    format!("`min_items: {min}` is above `max_items: {max}` on `{}`", field.wire),
                    "the fewest items cannot exceed the most".to_string(),
                ))
            } else {
                None
            };
            match problem {
                Some((message, help)) => {
                    field_at.child(key).error(message).help(help).at_key().push(self.diags);
                    ok = false;
                }
                None => rules.push(Rule::ItemCount {
                    field: index,
                    min: min.unwrap_or(0),
                    max,
                }),
            }
        }
        ok.then_some(rules)
    }

    pub(super) fn lower_rules(
        &mut self,
        at: &At<'_>,
        raw: &[raw::Rule],
        fields: &Option<Vec<Field>>,
    ) -> Option<Vec<Rule>> {
        let mut ok = true;
        let mut rules = Vec::new();
        for (i, rule) in raw.iter().enumerate() {
            let rule_at = at.child(i);
            let kinds: Vec<(&str, &Vec<String>)> = [
                ("at_most_one_of", &rule.at_most_one_of),
                ("at_least_one_of", &rule.at_least_one_of),
                ("exactly_one_of", &rule.exactly_one_of),
            ]
            .into_iter()
            .filter_map(|(kind, names)| Some((kind, names.as_ref()?)))
            .collect();
            let (kind, names) = match kinds.as_slice() {
                [one] => *one,
                [] => {
                    let help = format!(
                        "valid rules: {}",
                        one_of(["at_most_one_of", "at_least_one_of", "exactly_one_of"])
                    );
                    rule_at.error("rule names no kind").help(help).push(self.diags);
                    ok = false;
                    continue;
                }
                [_, (second, _), ..] => {
                    let help = "write each rule as its own entry under `rules:`".to_string();
                    let message = format!("a rule of two kinds: `{}` and `{second}`", kinds[0].0);
                    rule_at
                        .child(*second)
                        .error(message)
                        .help(help)
                        .at_key()
                        .push(self.diags);
                    ok = false;
                    continue;
                }
            };
            let list_at = rule_at.child(kind);
            if names.len() < 2 {
                list_at
                    .error(format!("`{kind}` needs at least two fields"))
                    .push(self.diags);
                ok = false;
                continue;
            }
            let Some(fields) = fields else { continue };
            let mut indices = Vec::new();
            for (j, name) in names.iter().enumerate() {
                match fields.iter().position(|f| &f.wire == name) {
                    Some(index) if fields[index].required => {
                        let message = format!("rule names required field `{name}`");
                        let help =
                            format!("a required field is always set, so only optional fields can be in `{kind}`");
                        list_at.child(j).error(message).help(help).push(self.diags);
                        ok = false;
                    }
                    Some(index) => indices.push(index),
                    None => {
                        let wires = fields.iter().map(|f| f.wire.as_str());
                        let help = match did_you_mean(name, wires.clone()) {
                            Some(best) => format!("did you mean `{best}`? fields: {}", one_of(wires)),
                            None => format!("fields: {}", one_of(wires)),
                        };
                        list_at
                            .child(j)
                            .error(format!("rule names unknown field `{name}`"))
                            .help(help)
                            .push(self.diags);
                        ok = false;
                    }
                }
            }
            // Without a description the error says only what the rule says.
            let description = rule.description.clone().unwrap_or_default();
            let fields = indices;
            rules.push(match kind {
                "at_least_one_of" => Rule::AtLeastOneOf { fields, description },
                "exactly_one_of" => Rule::ExactlyOneOf { fields, description },
                _ => Rule::AtMostOneOf { fields, description },
            });
        }
        ok.then_some(rules)
    }

    /// Parses a type expression: a primitive, `array<T>`, or a type name.
    pub(super) fn resolve_type(&mut self, at: &At<'_>, text: &str) -> Option<TypeRef> {
        let whole = text.trim();
        let mut text = whole;
        let mut depth = 0;
        while let Some(inner) = text.strip_prefix("array<").and_then(|rest| rest.strip_suffix('>')) {
            depth += 1;
            text = inner.trim();
            if depth > MAX_TYPE_NESTING {
                let help = format!(
                    "a type expression nests `array<…>` at most {MAX_TYPE_NESTING} deep; name an object type for the inner levels"
                );
                let message = format!("the type `{}` nests arrays too deep", shorten(whole));
                at.error(message).help(help).push(self.diags);
                return None;
            }
        }
        let mut resolved = self.resolve_base_type(at, text)?;
        for _ in 0..depth {
            resolved = TypeRef::Array(Box::new(resolved));
        }
        Some(resolved)
    }

    /// Resolves a type expression without `array<…>`: a primitive or a type name.
    pub(super) fn resolve_base_type(&mut self, at: &At<'_>, text: &str) -> Option<TypeRef> {
        match text {
            "string" => return Some(TypeRef::String),
            "integer" => return Some(TypeRef::Integer),
            "number" => return Some(TypeRef::Number),
            "boolean" => return Some(TypeRef::Boolean),
            "json" => return Some(TypeRef::Json),
            "datetime" => return Some(TypeRef::DateTime),
            "json_text" => return Some(TypeRef::JsonText),
            _ => {}
        }
        if self.type_kinds.contains_key(text) {
            return Some(TypeRef::Named(text.to_string()));
        }
        let candidates: Vec<&str> = self
            .type_kinds
            .keys()
            .map(String::as_str)
            .chain(PRIMITIVES.iter().copied())
            .collect();
        let valid = "valid types: `string`, `integer`, `number`, `boolean`, `json`, `json_text`, `datetime`, `array<T>`, or a type defined under `types:`";
        let help = match did_you_mean(text, candidates.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? {valid}"),
            None => valid.to_string(),
        };
        at.error(format!("unknown type `{}`", shorten(text)))
            .help(help)
            .push(self.diags);
        None
    }
}

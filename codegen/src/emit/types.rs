//! Emits the type modules: `types.rs` for the types of no group (and the API's
//! `ExceptionType`), and one `<group>.rs` per group, one struct or enum per named type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Paths, doc, ident, inner_doc};
use crate::model::{AttributesDef, EnumDef, Field, ObjectDef, Processed, Rule, Spec, TypeDef, TypeRef};

/// The spec files a type module comes from: every file, since a type's group may be set by
/// the file it is in or by the type itself.
pub(super) fn sources(spec: &Spec) -> Vec<String> {
    spec.sources.clone()
}

pub(super) fn emit_types(spec: &Spec, group: Option<&str>, paths: &Paths) -> TokenStream {
    let module_doc = match group {
        None => inner_doc(
            "The types of no group, re-exported at the crate root: the API's exception types and the types the spec shares.",
        ),
        Some(group) => inner_doc(&format!(
            "The types of the `{group}` group: request and response bodies and enums."
        )),
    };
    let exceptions = group.is_none().then(|| emit_enum(&spec.api.exceptions, true));
    let here = Some(group.unwrap_or("types"));
    let cx = Cx { spec, paths, here };
    let defs = spec
        .types
        .iter()
        .filter(|def| def.group() == group)
        .map(|def| match def {
            TypeDef::Object(object) => cx.emit_object(object),
            TypeDef::Enum(def) => emit_enum(def, false),
            TypeDef::Attributes(def) => emit_attributes(def),
        });
    quote! {
        #module_doc
        #exceptions
        #(#defs)*
    }
}

/// What emitting one type module needs: the spec, the paths and the module's name.
struct Cx<'a> {
    spec: &'a Spec,
    paths: &'a Paths,
    here: Option<&'a str>,
}

impl Cx<'_> {
    fn rust_type(&self, ty: &TypeRef) -> TokenStream {
        self.paths.rust_type_in(ty, self.here)
    }

    /// The field's type as declared in the struct: boxed and optional as the model says.
    fn field_type(&self, field: &Field) -> TokenStream {
        let mut ty = self.rust_type(&field.ty);
        if field.boxed {
            ty = quote! { Box<#ty> };
        }
        if field.required {
            ty
        } else {
            quote! { Option<#ty> }
        }
    }

    /// What a constructor or setter takes for a field, and how to turn it into the field's type.
    fn argument(&self, field: &Field) -> (TokenStream, TokenStream) {
        let name = ident(&field.rust);
        match (&field.ty, field.boxed) {
            (TypeRef::String, _) => (quote! { impl Into<String> }, quote! { #name.into() }),
            (ty, true) => (self.rust_type(ty), quote! { Box::new(#name) }),
            (ty, false) => (self.rust_type(ty), quote! { #name }),
        }
    }

    fn emit_object(&self, object: &ObjectDef) -> TokenStream {
        let name = ident(&object.name);
        let type_doc = doc(object.description.as_deref().unwrap_or(&object.name));
        let fields = object.fields.iter().enumerate().map(|(index, field)| {
            let rust = ident(&field.rust);
            let wire = &field.wire;
            let ty = self.field_type(field);
            let limit = object.rules.iter().find_map(|rule| match rule {
                Rule::ItemCount { field, min, max } if *field == index => Some((*min, *max)),
                _ => None,
            });
            let docs = field_doc(field, limit);
            let optional = (!field.required).then(|| quote! { default, skip_serializing_if = "Option::is_none", });
            let lenient = lenient_fn(field).map(|path| quote! { deserialize_with = #path, });
            // An optional date-time may arrive as a blank string, meaning none.
            let datetime = (field.ty == TypeRef::DateTime && !field.required && !field.json_string())
                .then(|| quote! { deserialize_with = "crate::runtime::datetime::option", });
            let as_string = as_string_module(field).map(|path| quote! { with = #path, });
            let json_string = field.json_string().then(|| {
                let path = if field.required {
                    "crate::runtime::json_string"
                } else {
                    "crate::runtime::json_string::option"
                };
                quote! { with = #path, }
            });
            quote! {
                #docs
                #[serde(rename = #wire, #optional #lenient #datetime #json_string #as_string)]
                pub #rust: #ty,
            }
        });
        let additional = object.additional_fields.then(|| {
            quote! {
                /// Attributes the spec does not name (e.g. an account's custom fields), as sent.
                #[serde(flatten)]
                pub additional_fields: ::std::collections::BTreeMap<String, ::serde_json::Value>,
            }
        });
        let required: Vec<&Field> = object.fields.iter().filter(|f| f.required).collect();
        let constructor = if required.is_empty() {
            None
        } else {
            let params = required.iter().map(|field| {
                let name = ident(&field.rust);
                let (ty, _) = self.argument(field);
                quote! { #name: #ty }
            });
            let inits = object.fields.iter().map(|field| {
                let name = ident(&field.rust);
                if field.required && (field.boxed || field.ty == TypeRef::String) {
                    let (_, value) = self.argument(field);
                    quote! { #name: #value }
                } else if field.required {
                    quote! { #name }
                } else {
                    quote! { #name: None }
                }
            });
            let inits = inits.chain(
                object
                    .additional_fields
                    .then(|| quote! { additional_fields: Default::default() }),
            );
            let many = (required.len() > 7).then(|| quote! { #[allow(clippy::too_many_arguments)] });
            Some(quote! {
                /// Creates a value from its required fields; the optional ones start unset.
                #many
                pub fn new(#(#params),*) -> Self {
                    Self { #(#inits),* }
                }
            })
        };
        let setters = object.fields.iter().filter(|f| !f.required).map(|field| {
            let name = ident(&field.rust);
            let setter = format_ident!("with_{}", field.rust);
            let (ty, value) = self.argument(field);
            let docs = doc(&format!("Sets `{}`.", field.wire));
            quote! {
                #docs
                #[must_use]
                pub fn #setter(mut self, #name: #ty) -> Self {
                    self.#name = Some(#value);
                    self
                }
            }
        });
        let default = required.is_empty().then(|| quote! { Default, });
        let wires = object.fields.iter().map(|field| field.wire.as_str());
        let validate = self.emit_validate(object);
        // A type only ever sent is read from the caller's files (rows to import), where a
        // misspelt attribute must be refused rather than dropped; a type the server sends may
        // gain attributes, which are ignored.
        let strict = !object.additional_fields && self.spec.request_only_types().contains(&object.name);
        let strict_doc = strict.then(|| {
            quote! {
                #[doc = ""]
                #[doc = " Read from JSON, it refuses attributes it does not know: a misspelt one would otherwise be dropped without a word."]
            }
        });
        let strict = strict.then(|| quote! { #[serde(deny_unknown_fields)] });
        quote! {
            #type_doc
            #strict_doc
            #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]
            #strict
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
                #additional
            }

            impl #name {
                /// The attributes this type reads and writes, by wire name, in spec order.
                pub const ATTRIBUTES: &'static [&'static str] = &[#(#wires),*];

                #constructor
                #(#setters)*
            }

            #validate
        }
    }

    /// `Validate`, for an object with rules or with fields whose types have some: the object's
    /// rules, then the fields whose types need validation.
    fn emit_validate(&self, object: &ObjectDef) -> Option<TokenStream> {
        if !object.needs_validation {
            return None;
        }
        let spec = self.spec;
        let name = ident(&object.name);
        let type_name = &object.name;
        let rules = object.rules.iter().map(|rule| match rule {
            Rule::AtMostOneOf { .. } | Rule::AtLeastOneOf { .. } | Rule::ExactlyOneOf { .. } => {
                let Some((_, fields, description)) = rule.group() else {
                    return TokenStream::new();
                };
                // A flag sent as `false` asks for the default behaviour, so it does not count as set.
                let checks = fields.iter().map(|&i| {
                    let field = &object.fields[i];
                    let name = ident(&field.rust);
                    match (&field.ty, field.required) {
                        (TypeRef::Boolean, false) => quote! { self.#name == Some(true) },
                        (TypeRef::Boolean, true) => quote! { self.#name },
                        (_, false) => quote! { self.#name.is_some() },
                        (_, true) => quote! { true },
                    }
                });
                let wires = fields.iter().map(|&i| object.fields[i].wire.as_str());
                let (kind, broken) = match rule {
                    Rule::AtLeastOneOf { .. } => (quote! { AtLeastOneOf }, quote! { set == 0 }),
                    Rule::ExactlyOneOf { .. } => (quote! { ExactlyOneOf }, quote! { set != 1 }),
                    _ => (quote! { AtMostOneOf }, quote! { set > 1 }),
                };
                quote! {
                    let set = [#(#checks),*].into_iter().filter(|is_set| *is_set).count();
                    if #broken {
                        return Err(crate::runtime::RuleViolation {
                            type_name: #type_name,
                            rule: crate::runtime::Rule::#kind,
                            fields: &[#(#wires),*],
                            description: #description,
                        });
                    }
                }
            }
            Rule::ItemCount { field, min, max } => {
                let field = &object.fields[*field];
                let (name, wire) = (ident(&field.rust), &field.wire);
                let min = super::lit(*min as u64);
                let max = match max {
                    Some(max) => {
                        let max = super::lit(*max as u64);
                        quote! { Some(#max) }
                    }
                    None => quote! { None },
                };
                let check = |count: TokenStream| {
                    quote! {
                        crate::runtime::check_item_count(
                            #type_name,
                            &[#wire],
                            #count,
                            crate::runtime::ItemLimit { min: #min, max: #max },
                        )?;
                    }
                };
                if field.required {
                    check(quote! { self.#name.len() })
                } else {
                    let check = check(quote! { items.len() });
                    quote! { if let Some(items) = &self.#name { #check } }
                }
            }
        });
        let nested = object.fields.iter().filter_map(|field| {
            if !needs_validation(&field.ty, spec) {
                return None;
            }
            let name = ident(&field.rust);
            let check = validate_value(&field.ty, quote! { value });
            Some(if field.required {
                quote! { { let value = &self.#name; #check } }
            } else {
                quote! { if let Some(value) = &self.#name { #check } }
            })
        });
        Some(quote! {
            impl crate::runtime::Validate for #name {
                fn validate(&self) -> Result<(), crate::runtime::RuleViolation> {
                    #(#rules)*
                    #(#nested)*
                    Ok(())
                }
            }
        })
    }
}

fn lenient_fn(field: &Field) -> Option<String> {
    if !field.lenient() {
        return None;
    }
    let base = match field.ty {
        TypeRef::Integer => "i64",
        TypeRef::Number => "f64",
        TypeRef::Boolean => "bool",
        _ => return None,
    };
    let prefix = if field.required { "" } else { "option_" };
    Some(format!("crate::runtime::lenient::{prefix}{base}"))
}

/// The `with` module of an `as_string` field.
fn as_string_module(field: &Field) -> Option<String> {
    if !field.as_string() {
        return None;
    }
    let base = match field.ty {
        TypeRef::Integer => "integer",
        TypeRef::Number => "number",
        _ => return None,
    };
    let prefix = if field.required { "" } else { "option_" };
    Some(format!("crate::runtime::as_string::{prefix}{base}"))
}

/// A field's rustdoc, with its item limit when it has one.
fn field_doc(field: &Field, limit: Option<(usize, Option<usize>)>) -> TokenStream {
    let required = if field.required { "Required." } else { "Optional." };
    let lenient = if field.lenient() {
        " Accepted as a number or as a string holding one."
    } else if field.json_string() && field.ty == TypeRef::JsonText {
        " Sent and received as a string holding this JSON, exactly as written."
    } else if field.json_string() {
        " Sent and received as a string holding this value's JSON."
    } else if field.as_string() {
        " Sent as a string holding the number; read from a number or such a string."
    } else if field.ty == TypeRef::JsonText {
        " Kept as written: key order and spacing as sent or read."
    } else if field.ty == TypeRef::DateTime {
        " UTC, `YYYY-MM-DD HH:MM:SS` on the wire."
    } else {
        ""
    };
    let limit = match limit {
        Some((0, Some(max))) => format!(" At most {max} items, checked before sending."),
        Some((min, Some(max))) => format!(" {min} to {max} items, checked before sending."),
        Some((min, None)) => format!(" At least {min} items, checked before sending."),
        None => String::new(),
    };
    let text = format!(
        "`{}`: {} {required}{lenient}{limit}",
        field.wire,
        field.description.as_deref().unwrap_or("").trim()
    );
    doc(&text)
}

/// Whether values of `ty` have rules to check before sending (their type implements `Validate`).
pub(super) fn needs_validation(ty: &TypeRef, spec: &Spec) -> bool {
    match ty {
        TypeRef::Named(name) => spec
            .types
            .iter()
            .any(|def| matches!(def, TypeDef::Object(o) if &o.name == name && o.needs_validation)),
        TypeRef::Array(inner) => needs_validation(inner, spec),
        _ => false,
    }
}

/// Statements validating `value` (a reference) of type `ty`.
fn validate_value(ty: &TypeRef, value: TokenStream) -> TokenStream {
    match ty {
        TypeRef::Array(inner) => {
            let check = validate_value(inner, quote! { item });
            quote! { for item in #value.iter() { #check } }
        }
        _ => quote! { crate::runtime::Validate::validate(#value)?; },
    }
}

fn emit_enum(def: &EnumDef, exceptions: bool) -> TokenStream {
    if def.integer {
        return emit_integer_enum(def);
    }
    let name = ident(&def.name);
    let type_doc = doc(def.description.as_deref().unwrap_or(&def.name));
    let open_doc = def.open.then(|| {
        quote! {
            ///
            /// The set is open: a value this version does not list is kept in `Other`, so a new
            /// value from the server never fails deserialization.
        }
    });
    let variants = def.values.iter().map(|value| {
        let variant = ident(&value.rust);
        let docs = doc(&format!(
            "`{}`{}",
            value.wire,
            value
                .description
                .as_deref()
                .map(|d| format!(": {}", d.trim()))
                .unwrap_or_default()
        ));
        let rename = (!def.open).then(|| {
            let wire = &value.wire;
            quote! { #[serde(rename = #wire)] }
        });
        quote! { #docs #rename #variant, }
    });
    let other = def.open.then(|| {
        quote! {
            /// A value this version of the spec does not list, kept as sent.
            Other(::std::string::String),
        }
    });
    let as_str_arms = def.values.iter().map(|value| {
        let variant = ident(&value.rust);
        let wire = &value.wire;
        quote! { #name::#variant => #wire, }
    });
    let other_arm = def.open.then(|| quote! { #name::Other(other) => other, });
    let known = def.values.iter().map(|value| {
        let variant = ident(&value.rust);
        quote! { #name::#variant }
    });
    let rate_limit = exceptions.then(|| {
        let limited: Vec<TokenStream> = def
            .values
            .iter()
            .filter(|v| v.rate_limited)
            .map(|v| {
                let variant = ident(&v.rust);
                quote! { #name::#variant }
            })
            .collect();
        let body = if limited.is_empty() {
            quote! { false }
        } else {
            quote! { matches!(self, #(#limited)|*) }
        };
        let processed_arms = def.values.iter().filter_map(|value| {
            let variant = ident(&value.rust);
            let declared = value.processed.or(value.rate_limited.then_some(Processed::Never));
            let processed = match declared? {
                Processed::Always => quote! { Always },
                Processed::Never => quote! { Never },
                Processed::Unknown => quote! { Unknown },
            };
            Some(quote! { #name::#variant => Some(crate::Processed::#processed), })
        });
        quote! {
            /// Whether this exception means the account's rate limit was hit.
            pub fn is_rate_limit(&self) -> bool {
                #body
            }

            /// Whether a call answered with this exception took effect, when the spec says so
            /// whatever the status (a rate-limit refusal: never); `None` when the status decides.
            pub fn processed(&self) -> Option<crate::Processed> {
                match self {
                    #(#processed_arms)*
                    _ => None,
                }
            }
        }
    });
    let derives = if def.open {
        quote! { #[derive(Debug, Clone, PartialEq, Eq, Hash)] }
    } else {
        quote! { #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)] }
    };
    // Without known values every string is `Other`, and a match would have an unreachable arm.
    let from_string = if def.values.is_empty() {
        quote! { #name::Other(value) }
    } else {
        quote! {
            match #name::from(value.as_str()) {
                #name::Other(_) => #name::Other(value),
                known => known,
            }
        }
    };
    let open_impls = def.open.then(|| {
        let from_arms = def.values.iter().map(|value| {
            let variant = ident(&value.rust);
            let wire = &value.wire;
            quote! { #wire => #name::#variant, }
        });
        quote! {
            impl ::core::convert::From<&str> for #name {
                fn from(value: &str) -> Self {
                    match value {
                        #(#from_arms)*
                        other => #name::Other(::std::string::String::from(other)),
                    }
                }
            }

            impl ::core::convert::From<::std::string::String> for #name {
                fn from(value: ::std::string::String) -> Self {
                    #from_string
                }
            }

            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    crate::runtime::open_enum::deserialize(deserializer)
                }
            }
        }
    });
    quote! {
        #type_doc
        #open_doc
        #derives
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #other
        }

        impl #name {
            /// The values the spec lists, in spec order.
            pub const KNOWN: &'static [#name] = &[#(#known),*];

            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str_arms)*
                    #other_arm
                }
            }

            #rate_limit
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::runtime::QueryValue for #name {
            fn to_query(&self) -> ::std::borrow::Cow<'_, str> {
                ::std::borrow::Cow::Borrowed(self.as_str())
            }
        }

        #open_impls
    }
}

/// An attribute list: a struct around the runtime's `Entries`, with a setter per well-known
/// attribute, `set` for any other, and its own wire names.
fn emit_attributes(def: &AttributesDef) -> TokenStream {
    let name = ident(&def.name);
    let (attribute, value) = (&def.attribute, &def.value);
    let type_doc = doc(def.description.as_deref().unwrap_or(&def.name));
    let wire_doc = doc(&format!(
        "Sent as a list of `{{\"{attribute}\": …, \"{value}\": …}}` pairs, in the order set. A setter per well-known attribute, and [`{}::set`] for any other (an account's custom `mx_` fields); setting an attribute again replaces its value.",
        def.name
    ));
    let fields = match &def.fields {
        Some(fields) => quote! { Some(#fields) },
        None => quote! { None },
    };
    let setters = def.attributes.iter().map(|field| {
        let setter = ident(&field.rust);
        let wire = &field.wire;
        let description = field.description.as_deref().unwrap_or("").trim();
        let docs = doc(format!("Sets `{wire}`. {description}").trim_end());
        quote! {
            #docs
            #[must_use]
            pub fn #setter(self, value: impl Into<String>) -> Self {
                self.set(#wire, value)
            }
        }
    });
    let nested = def.fields.as_ref().map(|fields| {
        let docs = doc(&format!(
            "Sets `attribute` with its own attributes, sent in its `{fields}`: a custom field set (its value is usually empty)."
        ));
        quote! {
            #docs
            #[must_use]
            pub fn set_with_fields(mut self, attribute: impl Into<String>, value: impl Into<String>, fields: Self) -> Self {
                self.entries.set(attribute.into(), value.into(), Some(fields.entries));
                self
            }
        }
    });
    let wires = def.attributes.iter().map(|field| field.wire.as_str());
    quote! {
        #type_doc
        #[doc = ""]
        #wire_doc
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            entries: crate::runtime::Entries,
        }

        impl #name {
            /// The well-known attributes, by wire name, in spec order.
            pub const ATTRIBUTES: &'static [&'static str] = &[#(#wires),*];

            const PAIR: crate::runtime::PairNames = crate::runtime::PairNames {
                attribute: #attribute,
                value: #value,
                fields: #fields,
            };

            /// An empty list.
            pub fn new() -> Self {
                Self::default()
            }

            #(#setters)*

            /// Sets any attribute by its schema name, e.g. a custom field `mx_City`.
            #[must_use]
            pub fn set(mut self, attribute: impl Into<String>, value: impl Into<String>) -> Self {
                self.entries.set(attribute.into(), value.into(), None);
                self
            }

            #nested

            /// The value of `attribute`, if it is set.
            pub fn get(&self, attribute: &str) -> Option<&str> {
                self.entries.get(attribute)
            }

            /// Each attribute and its value, in the order set.
            pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
                self.entries.iter()
            }

            /// How many attributes are set.
            pub fn len(&self) -> usize {
                self.entries.len()
            }

            /// Whether no attribute is set.
            pub fn is_empty(&self) -> bool {
                self.entries.is_empty()
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.entries.serialize_as(&Self::PAIR, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::runtime::Entries::deserialize_as(&Self::PAIR, deserializer).map(|entries| Self { entries })
            }
        }
    }
}

/// An enum whose wire values are JSON integers (`"Direction": 1`): sent as the integer, read
/// from it or from a string holding it, as LeadSquared quotes numbers in some answers.
fn emit_integer_enum(def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let type_name = &def.name;
    let type_doc = doc(def.description.as_deref().unwrap_or(&def.name));
    let wire_doc = if def.open {
        "On the wire it is a JSON integer, and is read from one or from a string holding one. The set is open: a value this version does not list is kept in `Other`, so a new value from the server never fails deserialization."
    } else {
        "On the wire it is a JSON integer, and is read from one or from a string holding one."
    };
    let wire_doc = doc(wire_doc);
    let number = |value: &crate::model::EnumValue| {
        let number: i64 = value.wire.parse().unwrap_or_default();
        proc_macro2::Literal::i64_unsuffixed(number)
    };
    let variants = def.values.iter().map(|value| {
        let variant = ident(&value.rust);
        let docs = doc(&format!(
            "`{}`{}",
            value.wire,
            value
                .description
                .as_deref()
                .map(|d| format!(": {}", d.trim()))
                .unwrap_or_default()
        ));
        quote! { #docs #variant, }
    });
    let other = def.open.then(|| {
        quote! {
            /// A value this version of the spec does not list, kept as sent.
            Other(i64),
        }
    });
    let as_i64_arms = def.values.iter().map(|value| {
        let variant = ident(&value.rust);
        let number = number(value);
        quote! { #name::#variant => #number, }
    });
    let other_arm = def.open.then(|| quote! { #name::Other(other) => *other, });
    let known = def.values.iter().map(|value| {
        let variant = ident(&value.rust);
        quote! { #name::#variant }
    });
    let from_arms: Vec<TokenStream> = def
        .values
        .iter()
        .map(|value| {
            let variant = ident(&value.rust);
            let number = number(value);
            quote! { #number => #name::#variant, }
        })
        .collect();
    let listed = def
        .values
        .iter()
        .map(|value| value.wire.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let (conversion, decode) = if def.open {
        (
            Some(quote! {
                impl ::core::convert::From<i64> for #name {
                    fn from(value: i64) -> Self {
                        match value {
                            #(#from_arms)*
                            other => #name::Other(other),
                        }
                    }
                }
            }),
            quote! { Ok(#name::from(value)) },
        )
    } else {
        let expected = format!("a {type_name}: one of {listed}");
        (
            None,
            quote! {
                Ok(match value {
                    #(#from_arms)*
                    other => return Err(crate::runtime::integer_enum::unknown(other, #expected)),
                })
            },
        )
    };
    quote! {
        #type_doc
        ///
        #wire_doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #other
        }

        impl #name {
            /// The values the spec lists, in spec order.
            pub const KNOWN: &'static [#name] = &[#(#known),*];

            /// The value as the API writes it.
            pub fn as_i64(&self) -> i64 {
                match self {
                    #(#as_i64_arms)*
                    #other_arm
                }
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, "{}", self.as_i64())
            }
        }

        impl crate::runtime::QueryValue for #name {
            fn to_query(&self) -> ::std::borrow::Cow<'_, str> {
                ::std::borrow::Cow::Owned(self.as_i64().to_string())
            }
        }

        #conversion

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.as_i64())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                let value = crate::runtime::integer_enum::deserialize(deserializer)?;
                #decode
            }
        }
    }
}

//! Usage examples for endpoint docs, written from the spec's documented examples.
//!
//! The request example (JSON) is turned into the Rust that builds the same request with the
//! generated constructors and setters, e.g. `Row::new("first", 1).with_note("x")`. The example
//! runs as a doctest against the sandbox, so each endpoint's documented request is checked end
//! to end: the client builds it, the sandbox validates it against the wire schema, and the
//! documented response decodes.
//!
//! Every part of a doctest is tokens: the hidden set-up, the shown code and the hidden checks
//! (a [`Doctest`]). It is formatted once, as a whole program, and only then marked up for
//! rustdoc: set-up and checks become hidden (`# `) lines, and the shown statements lose the one
//! level of indentation the program's `main` gives them (no literal spans lines, so that removes
//! whitespace only; a test checks the round trip for every endpoint of the spec).
//!
//! A value the generated API cannot write (a value a closed enum does not list, text where the
//! type wants a number, a required field the example lacks) is an [`Inexpressible`]: where in
//! the example it is and what to do, reported by the loader at that line and column.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::{Paths, ident};
use crate::model::{AttributesDef, Body, Endpoint, EnumDef, Field, ObjectDef, Spec, TypeDef, TypeRef};
use crate::yaml::Seg;

/// Why an endpoint's documented example cannot be written as calls of the generated API, and
/// where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inexpressible {
    /// The example it is in, a key of the endpoint's `examples` (`request` or `query`); `None`
    /// when the problem is the endpoint's examples as a whole (a body without a request example).
    pub example: Option<&'static str>,
    /// Where in that example, from its root: `[0, "Fields", 2, "Value"]`.
    pub at: Vec<Seg>,
    /// Whether the problem is the key of the entry at `at` (a key the type does not have)
    /// rather than its value.
    pub key: bool,
    /// What is wrong, in a short lowercase sentence.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// A problem found while writing a value: `at` is collected from the innermost value out.
#[derive(Debug)]
struct Miss {
    at_reversed: Vec<Seg>,
    key: bool,
    message: String,
    help: String,
}

impl Miss {
    fn new(message: String, help: impl Into<String>) -> Miss {
        Miss {
            at_reversed: Vec::new(),
            key: false,
            message,
            help: help.into(),
        }
    }

    /// The same problem, seen from the value that holds this one at `seg`.
    fn inside(mut self, seg: Seg) -> Miss {
        self.at_reversed.push(seg);
        self
    }

    /// The same problem, about the key of the entry this one is at.
    fn at_key(mut self) -> Miss {
        self.key = true;
        self
    }

    fn in_example(self, example: &'static str) -> Inexpressible {
        let mut at = self.at_reversed;
        at.reverse();
        Inexpressible {
            example: Some(example),
            at,
            key: self.key,
            message: self.message,
            help: self.help,
        }
    }
}

type Written<T = TokenStream> = Result<T, Miss>;

/// The `# Example` section of an endpoint method: `Ok(None)` when the spec documents no
/// request for an endpoint that needs one (there is nothing to show), an [`Inexpressible`]
/// when what it documents cannot be written.
pub(super) fn method_example(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Result<Option<String>, Inexpressible> {
    method_doctest(endpoint, spec, paths)?
        .map(|doctest| section(endpoint, &doctest))
        .transpose()
}

/// The example of a paged endpoint's `…_pages` method (`Ok(None)` as for [`method_example`]).
pub(super) fn pages_example(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Result<Option<String>, Inexpressible> {
    pages_doctest(endpoint, spec, paths)?
        .map(|doctest| section(endpoint, &doctest))
        .transpose()
}

/// What keeps the endpoint's doc examples (its method's, and its page walk's) from being
/// written, if anything: the checks of [`method_example`] and [`pages_example`] without
/// formatting the code.
pub(super) fn problem(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Option<Inexpressible> {
    let check = |doctest: Result<Option<Doctest>, Inexpressible>| match doctest {
        Ok(Some(doctest)) => syn::parse2::<syn::File>(doctest.program(true))
            .err()
            .map(|error| not_rust(endpoint, &error)),
        Ok(None) => None,
        Err(problem) => Some(problem),
    };
    check(method_doctest(endpoint, spec, paths)).or_else(|| {
        endpoint
            .pagination
            .as_ref()
            .and_then(|_| check(pages_doctest(endpoint, spec, paths)))
    })
}

/// A doctest whose tokens are not a program: a generator bug, reported rather than emitted.
fn not_rust(endpoint: &Endpoint, error: &syn::Error) -> Inexpressible {
    Inexpressible {
        example: None,
        at: Vec::new(),
        key: true,
        message: format!("the doc example of `{}` is not valid Rust: {error}", endpoint.name),
        help: "this is a bug in the generator: please report it with the spec".to_string(),
    }
}

/// The doctest of an endpoint method: the documented call, then checks of what it sent.
fn method_doctest(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Result<Option<Doctest>, Inexpressible> {
    let mut builder = Builder::new(spec, paths);
    let Some(call) = builder.call(endpoint)? else {
        return Ok(None);
    };
    let Call { lets, args, setters } = call;
    let method = ident(&endpoint.name);
    let shown = quote! {
        #(#lets)*
        let result = client.#method(#(#args),*) #(#setters)* .await?;
        println!("{result:?}");
    };
    let checks = wire_checks(endpoint);
    Ok(Some(builder.doctest(spec, shown, Some(checks))))
}

/// The doctest of a paged endpoint's `…_pages` method: the documented call, walked page by page.
fn pages_doctest(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Result<Option<Doctest>, Inexpressible> {
    let mut builder = Builder::new(spec, paths);
    let Some(call) = builder.call(endpoint)? else {
        return Ok(None);
    };
    let Call { lets, args, setters } = call;
    let walk = if setters.is_empty() {
        let pages = format_ident!("{}_pages", endpoint.name);
        quote! { client.#pages(#(#args),*) }
    } else {
        let method = ident(&endpoint.name);
        quote! { client.#method(#(#args),*) #(#setters)* .pages() }
    };
    let shown = quote! {
        #(#lets)*
        let mut pages = #walk;
        while let Some(page) = pages.next().await {
            let page = page?;
            println!("page {}: {} items", page.index, page.items.len());
        }
    };
    Ok(Some(builder.doctest(spec, shown, None)))
}

/// The hidden check after a method's example: what reached the sandbox is the documented
/// body and query.
fn wire_checks(endpoint: &Endpoint) -> TokenStream {
    let name = &endpoint.name;
    quote! { sandbox.check_documented_request(#name)?; }
}

struct Builder<'s> {
    spec: &'s Spec,
    paths: &'s Paths,
    /// Types the example names, for its `use` line.
    uses: BTreeSet<String>,
}

/// An example call: `let` statements for the values, the method's arguments, and the builder
/// calls (optional query parameters, an optional body) the example sets.
struct Call {
    lets: Vec<TokenStream>,
    args: Vec<TokenStream>,
    setters: Vec<TokenStream>,
}

impl<'s> Builder<'s> {
    fn new(spec: &'s Spec, paths: &'s Paths) -> Builder<'s> {
        Builder {
            spec,
            paths,
            uses: BTreeSet::new(),
        }
    }

    /// The call the endpoint's examples describe; `Ok(None)` when the endpoint documents no
    /// example at all and needs a body.
    fn call(&mut self, endpoint: &Endpoint) -> Result<Option<Call>, Inexpressible> {
        let mut call = Call {
            lets: Vec::new(),
            args: Vec::new(),
            setters: Vec::new(),
        };
        let example = |wire: &str| {
            endpoint
                .query_example
                .iter()
                .find(|(name, _)| name == wire)
                .map(|(_, text)| text.as_str())
        };
        let in_query = |field: &Field| {
            let wire = Seg::Key(field.wire.clone());
            move |miss: Miss| miss.inside(wire).in_example("query")
        };
        for field in endpoint.query.iter().filter(|field| field.required) {
            let value = self.query_value(field, example(&field.wire)).map_err(in_query(field))?;
            call.args.push(value);
        }
        for field in endpoint.query.iter().filter(|field| !field.required) {
            let Some(text) = example(&field.wire) else { continue };
            let value = self.query_value(field, Some(text)).map_err(in_query(field))?;
            let setter = ident(&field.rust);
            call.setters.push(quote! { .#setter(#value) });
        }
        let request = match &endpoint.request_example {
            Some(text) => Some(serde_json::from_str::<Value>(text).map_err(|error| {
                Miss::new(
                    format!("the request example is not JSON: {error}"),
                    "paste the documentation page's request example as JSON",
                )
                .in_example("request")
            })?),
            None => None,
        };
        let in_request = |miss: Miss| miss.in_example("request");
        match (&endpoint.body, request) {
            (Body::None, _) => {}
            (Body::Object { ty, required }, Some(request)) => {
                let body = self.value(ty, &request, false).map_err(in_request)?;
                call.lets.push(quote! { let body = #body; });
                if *required {
                    call.args.push(quote! { body });
                } else {
                    call.setters.push(quote! { .body(body) });
                }
            }
            // An optional body without an example: the call is shown without one.
            (Body::Object { required: false, .. }, None) => {}
            (Body::Array { items, .. }, Some(Value::Array(rows))) => {
                let mut written = Vec::with_capacity(rows.len());
                for (i, row) in rows.iter().enumerate() {
                    let row = self
                        .value(items, row, false)
                        .map_err(|miss| miss.inside(Seg::Index(i)).in_example("request"))?;
                    written.push(row);
                }
                call.lets.push(quote! { let items = [#(#written),*]; });
                call.args.push(quote! { items });
            }
            (Body::Array { .. }, Some(other)) => {
                let message = format!(
                    "the request example is {} where an array of rows is expected",
                    shown(&other)
                );
                let help =
                    "the endpoint's body is an array: write the example as `[ {...}, {...} ]`, as the page shows it";
                return Err(Miss::new(message, help).in_example("request"));
            }
            // A required body and no request example: nothing honest to show, and nothing to
            // report unless the endpoint documents other examples and left this one out.
            (Body::Object { required: true, .. } | Body::Array { .. }, None) => {
                if endpoint.query_example.is_empty() && endpoint.response_example.is_none() {
                    return Ok(None);
                }
                return Err(Inexpressible {
                    example: None,
                    at: Vec::new(),
                    key: true,
                    message: format!(
                        "`{}` takes a body, but its examples have no `request`",
                        endpoint.name
                    ),
                    help: "paste the documentation page's request example under `examples.request`: the method's doc example sends it".to_string(),
                });
            }
        }
        Ok(Some(call))
    }

    /// A query argument: the example's value, or a placeholder of the parameter's type.
    fn query_value(&mut self, field: &Field, text: Option<&str>) -> Written {
        let not_a = |what: &str, text: &str| {
            Miss::new(
                format!("the query example `{text}` is not {what}"),
                format!(
                    "`{}` is {what}: write the example's value as the page shows it, or correct the parameter's `type`",
                    field.wire
                ),
            )
        };
        let value = match (&field.ty, text) {
            (TypeRef::Integer, Some(text)) => Value::from(text.parse::<i64>().map_err(|_| not_a("an integer", text))?),
            (TypeRef::Number, Some(text)) => Value::from(text.parse::<f64>().map_err(|_| not_a("a number", text))?),
            (TypeRef::Boolean, Some(text)) => {
                Value::from(text.parse::<bool>().map_err(|_| not_a("`true` or `false`", text))?)
            }
            (_, Some(text)) => Value::from(text),
            (TypeRef::Integer, None) => Value::from(1),
            (TypeRef::Number, None) => Value::from(1.0),
            (TypeRef::Boolean, None) => Value::from(true),
            (TypeRef::DateTime, None) => Value::from("2021-01-01 00:00:00"),
            (TypeRef::Named(name), None) => match self.type_def(name) {
                Some(TypeDef::Enum(def)) if !def.values.is_empty() => Value::from(def.values[0].wire.as_str()),
                _ => {
                    return Err(Miss::new(
                        format!("the required query parameter `{}` has no example value", field.wire),
                        format!(
                            "add `{}` to `examples.query`, as the documentation page shows it",
                            field.wire
                        ),
                    ));
                }
            },
            (_, None) => Value::from(field.wire.as_str()),
        };
        self.value(&field.ty, &value, true)
    }

    fn type_def(&self, name: &str) -> Option<&'s TypeDef> {
        self.spec.types.iter().find(|def| def.name() == name)
    }

    /// What a value of `ty` looks like, for messages: "an integer", "an object (`Row`)".
    fn expected(&self, ty: &TypeRef) -> String {
        match ty {
            TypeRef::String => "a string".into(),
            TypeRef::Integer => "an integer".into(),
            TypeRef::Number => "a number".into(),
            TypeRef::Boolean => "`true` or `false`".into(),
            TypeRef::DateTime => "a date-time `YYYY-MM-DD HH:MM:SS`".into(),
            TypeRef::Json | TypeRef::JsonText => "JSON".into(),
            TypeRef::Array(_) => "an array".into(),
            TypeRef::Named(name) => match self.type_def(name) {
                Some(TypeDef::Enum(_)) => format!("a value of `{name}`"),
                Some(TypeDef::Attributes(_)) => format!("a list of attribute entries (`{name}`)"),
                Some(TypeDef::Object(_)) | None => format!("an object (`{name}`)"),
            },
        }
    }

    /// The example holds something else than `ty` wants.
    fn mismatch(&self, ty: &TypeRef, value: &Value) -> Miss {
        Miss::new(
            format!(
                "the example has {} where {} is expected",
                shown(value),
                self.expected(ty)
            ),
            "write the value as the type expects; if the API writes this field another way (a number as text), give the field the encoding that says so (`lenient`, `as_string`) or correct its `type`",
        )
    }

    /// An expression of type `ty` equal to `value`; `into_string` when a `&str` literal will do
    /// (the parameter takes `impl Into<String>` or `&str`).
    fn value(&mut self, ty: &TypeRef, value: &Value, into_string: bool) -> Written {
        Ok(match (ty, value) {
            (TypeRef::String, Value::String(text)) if into_string => quote! { #text },
            (TypeRef::String, Value::String(text)) => quote! { #text.to_owned() },
            (TypeRef::Integer, Value::Number(number)) => {
                let number = number.as_i64().ok_or_else(|| self.mismatch(ty, value))?;
                let literal = Literal::i64_unsuffixed(number);
                quote! { #literal }
            }
            (TypeRef::Number, Value::Number(number)) => {
                let number = number.as_f64().ok_or_else(|| self.mismatch(ty, value))?;
                let literal = Literal::f64_unsuffixed(number);
                quote! { #literal }
            }
            (TypeRef::Boolean, Value::Bool(flag)) => quote! { #flag },
            // Written as the page shows it.
            (TypeRef::DateTime, Value::String(text)) => {
                if !is_datetime(text) {
                    return Err(Miss::new(
                        format!("`{text}` is not a date-time `YYYY-MM-DD HH:MM:SS`"),
                        "write the example as the page shows it; a field the page documents in another format stays a `string`",
                    ));
                }
                self.uses.insert("DateTime".to_owned());
                quote! { DateTime::parse(#text)? }
            }
            (TypeRef::Json, value) => {
                let tokens: TokenStream = value.to_string().parse().map_err(|_| {
                    Miss::new(
                        "the value cannot be written as a `serde_json::json!` literal".to_string(),
                        "JSON string escapes such as `\\u0001` are not Rust's; write such characters out, or type the field `json_text`",
                    )
                })?;
                quote! { serde_json::json!(#tokens) }
            }
            (TypeRef::JsonText, value) => {
                self.uses.insert("JsonText".to_owned());
                let text = raw_string(&value.to_string());
                quote! { JsonText::new(#text)? }
            }
            (TypeRef::Array(inner), Value::Array(items)) => {
                let mut written = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    written.push(
                        self.value(inner, item, false)
                            .map_err(|miss| miss.inside(Seg::Index(i)))?,
                    );
                }
                // The formatter leaves a macro's tokens as they are, so items that end in `?`
                // (date-times) go in an array expression, which it formats.
                if written.iter().any(has_try) {
                    quote! { Vec::from([#(#written),*]) }
                } else {
                    quote! { vec![#(#written),*] }
                }
            }
            (TypeRef::Named(name), value) => match self.type_def(name) {
                Some(TypeDef::Enum(def)) => self.enum_value(def, value)?,
                Some(TypeDef::Object(object)) => self.object(object, value)?,
                Some(TypeDef::Attributes(def)) => self.attributes(def, value)?,
                None => return Err(self.mismatch(ty, value)),
            },
            _ => return Err(self.mismatch(ty, value)),
        })
    }

    fn enum_value(&mut self, def: &EnumDef, value: &Value) -> Written {
        let ty = TypeRef::Named(def.name.clone());
        // An enum of integers is written as the integer; a query example holds its text.
        let number = match value {
            Value::Number(number) if def.integer => Some(number.as_i64().ok_or_else(|| self.mismatch(&ty, value))?),
            Value::String(text) if def.integer => {
                Some(text.trim().parse::<i64>().map_err(|_| self.mismatch(&ty, value))?)
            }
            _ => None,
        };
        let text = match (number, value) {
            (Some(number), _) => number.to_string(),
            (None, Value::String(text)) => text.clone(),
            (None, _) => return Err(self.mismatch(&ty, value)),
        };
        let name = ident(&def.name);
        self.uses.insert(def.name.clone());
        match (def.values.iter().find(|known| known.wire == text), number) {
            (Some(known), _) => {
                let variant = ident(&known.rust);
                Ok(quote! { #name::#variant })
            }
            (None, Some(number)) if def.open => {
                let number = Literal::i64_unsuffixed(number);
                Ok(quote! { #name::from(#number) })
            }
            (None, None) if def.open => Ok(quote! { #name::from(#text) }),
            (None, _) => Err(Miss::new(
                format!("`{}` does not list `{text}`", def.name),
                format!(
                    "add `{text}` to the `values` of `{}`, or make it `open: true` when the API sends values its documentation does not list",
                    def.name
                ),
            )),
        }
    }

    /// `Type::new(required…)` (or `Type::default()`) followed by a setter per optional value.
    fn object(&mut self, object: &ObjectDef, value: &Value) -> Written {
        let Some(map) = value.as_object() else {
            return Err(self.mismatch(&TypeRef::Named(object.name.clone()), value));
        };
        if let Some(unknown) = map
            .keys()
            .find(|key| !object.fields.iter().any(|field| &field.wire == *key))
        {
            let help = if object.additional_fields {
                format!(
                    "a setter exists only for the fields `{}` declares; declare `{unknown}` in its `fields`, as the page documents it",
                    object.name
                )
            } else {
                format!(
                    "declare `{unknown}` in the `fields` of `{}` (the page documents it), or remove it from the example",
                    object.name
                )
            };
            return Err(Miss::new(format!("`{}` has no field `{unknown}`", object.name), help)
                .at_key()
                .inside(Seg::Key(unknown.clone())));
        }
        let name = ident(&object.name);
        self.uses.insert(object.name.clone());
        let mut required = Vec::new();
        for field in object.fields.iter().filter(|field| field.required) {
            let Some(value) = map.get(&field.wire) else {
                return Err(Miss::new(
                    format!(
                        "the example has no `{}`, which `{}::new` requires",
                        field.wire, object.name
                    ),
                    format!(
                        "add `{}` to the example as the documentation page shows it, or make the field `required: false` when the API accepts it absent",
                        field.wire
                    ),
                ));
            };
            let argument = self
                .field_argument(field, value)
                .map_err(|miss| miss.inside(Seg::Key(field.wire.clone())))?;
            required.push(argument);
        }
        let mut setters = Vec::new();
        for field in object.fields.iter().filter(|field| !field.required) {
            let Some(value) = map.get(&field.wire).filter(|value| !value.is_null()) else {
                continue;
            };
            let argument = self
                .field_argument(field, value)
                .map_err(|miss| miss.inside(Seg::Key(field.wire.clone())))?;
            let setter = format_ident!("with_{}", field.rust);
            setters.push(quote! { .#setter(#argument) });
        }
        let start = if object.fields.iter().any(|field| field.required) {
            quote! { #name::new(#(#required),*) }
        } else {
            quote! { #name::default() }
        };
        Ok(quote! { #start #(#setters)* })
    }

    /// `Type::new()` followed by the documented pairs, in order: the setter of a well-known
    /// attribute, `set` for any other, and `set_with_fields` for an entry with nested fields.
    /// Only string values can be written as they were documented.
    fn attributes(&mut self, def: &AttributesDef, value: &Value) -> Written {
        let Some(entries) = value.as_array() else {
            return Err(self.mismatch(&TypeRef::Named(def.name.clone()), value));
        };
        let name = ident(&def.name);
        self.uses.insert(def.name.clone());
        let mut calls = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, entry) in entries.iter().enumerate() {
            let call = self
                .attribute_entry(def, entry, &mut seen)
                .map_err(|miss| miss.inside(Seg::Index(i)))?;
            calls.push(call);
        }
        Ok(quote! { #name::new() #(#calls)* })
    }

    /// One entry of an attribute list, as its builder call.
    fn attribute_entry<'v>(&mut self, def: &AttributesDef, entry: &'v Value, seen: &mut BTreeSet<&'v str>) -> Written {
        let pair = format!("an object with `{}` and `{}`", def.attribute, def.value);
        let Some(map) = entry.as_object() else {
            return Err(Miss::new(
                format!("the entry is {} where {pair} is expected", shown(entry)),
                format!("an entry of `{}` is {pair}", def.name),
            ));
        };
        let text_of = |key: &str| match map.get(key) {
            Some(Value::String(text)) => Ok(text.as_str()),
            Some(other) => Err(Miss::new(
                format!("`{key}` is {}; only text can be written as documented", shown(other)),
                "attribute lists carry their values as text: write the value in quotes, as LeadSquared sends it",
            )
            .inside(Seg::Key(key.to_owned()))),
            None => Err(Miss::new(
                format!("the entry has no `{key}`"),
                format!("an entry of `{}` is {pair}", def.name),
            )),
        };
        let attribute = text_of(&def.attribute)?;
        let text = text_of(&def.value)?;
        let nested = def
            .fields
            .as_ref()
            .and_then(|key| map.get(key).map(|value| (key, value)));
        let known = [Some(&def.attribute), Some(&def.value), def.fields.as_ref()];
        if let Some(other) = map.keys().find(|key| !known.contains(&Some(*key))) {
            return Err(Miss::new(
                format!("the entry has `{other}`, which entries of `{}` do not carry", def.name),
                format!("an entry of `{}` is {pair} only; remove `{other}`", def.name),
            )
            .at_key()
            .inside(Seg::Key(other.clone())));
        }
        if !seen.insert(attribute) {
            return Err(Miss::new(
                format!("`{attribute}` is given twice"),
                "an attribute list sets each attribute once: remove one of the entries",
            )
            .inside(Seg::Key(def.attribute.clone())));
        }
        Ok(
            match (nested, def.attributes.iter().find(|field| field.wire == attribute)) {
                (Some((key, nested)), _) => {
                    let fields = self
                        .attributes(def, nested)
                        .map_err(|miss| miss.inside(Seg::Key(key.clone())))?;
                    quote! { .set_with_fields(#attribute, #text, #fields) }
                }
                (None, Some(field)) => {
                    let setter = ident(&field.rust);
                    quote! { .#setter(#text) }
                }
                (None, None) => quote! { .set(#attribute, #text) },
            },
        )
    }

    /// The argument a constructor or setter takes for `value`, decoding what the wire encodes.
    fn field_argument(&mut self, field: &Field, value: &Value) -> Written {
        // JSON text inside a string is passed as the page writes it, byte for byte.
        if let (Value::String(text), true, TypeRef::JsonText) = (value, field.json_string(), &field.ty) {
            self.uses.insert("JsonText".to_owned());
            let text = raw_string(text);
            return Ok(quote! { JsonText::new(#text)? });
        }
        let decoded;
        let value = match value {
            Value::String(text) if field.json_string() => {
                decoded = serde_json::from_str::<Value>(text).map_err(|_| {
                    Miss::new(
                        format!("{} is not JSON text", shown(value)),
                        format!(
                            "`{}` travels as a string holding JSON: write the example's JSON in the string",
                            field.wire
                        ),
                    )
                })?;
                &decoded
            }
            Value::String(text) if field.lenient() || field.as_string() => {
                let number = |parsed: Option<Value>| parsed.ok_or_else(|| self.mismatch(&field.ty, value));
                decoded = match field.ty {
                    TypeRef::Boolean => Value::from(text.trim().eq_ignore_ascii_case("true") || text.trim() == "1"),
                    TypeRef::Integer => number(text.trim().parse::<i64>().ok().map(Value::from))?,
                    _ => number(text.trim().parse::<f64>().ok().map(Value::from))?,
                };
                &decoded
            }
            value => value,
        };
        self.value(&field.ty, value, field.ty == TypeRef::String)
    }

    /// `use` items for the types the example names: one per module, sorted.
    fn use_items(&self, krate: &str) -> TokenStream {
        let mut by_module: std::collections::BTreeMap<Option<String>, Vec<proc_macro2::Ident>> = Default::default();
        for name in &self.uses {
            let module = self
                .paths
                .public_path(name)
                .rsplit_once("::")
                .map(|(module, _)| module.to_owned());
            by_module.entry(module).or_default().push(ident(name));
        }
        let krate = ident(krate);
        by_module
            .into_iter()
            .map(|(module, names)| {
                let module = module.map(|module| {
                    let module = ident(&module);
                    quote! { ::#module }
                });
                match names.as_slice() {
                    [one] => quote! { use #krate #module::#one; },
                    many => quote! { use #krate #module::{#(#many),*}; },
                }
            })
            .collect()
    }

    /// The doctest around `shown`: its hidden set-up starts a sandbox with the documented
    /// records, and `checks` run after the shown code.
    fn doctest(&self, spec: &Spec, shown: TokenStream, checks: Option<TokenStream>) -> Doctest {
        let krate = &spec.api.crate_name;
        let sandbox = format_ident!("{krate}_sandbox");
        Doctest {
            setup: quote! {
                let sandbox = #sandbox::Sandbox::with_documented_records().await?;
                let client = sandbox.client()?;
            },
            uses: self.use_items(krate),
            shown,
            checks: checks.unwrap_or_default(),
        }
    }
}

/// The whole `# Example` section: prose, then the doctest. A doctest that is not Rust would be
/// a generator bug; it is reported (through the loader) rather than emitted.
fn section(endpoint: &Endpoint, doctest: &Doctest) -> Result<String, Inexpressible> {
    let code = doctest.render().map_err(|error| not_rust(endpoint, &error))?;
    Ok(format!(
        "# Example\n\nThe request of the {} documentation, built with the generated types;\n`client` is a [`crate::Client`] (here, one of the `sandbox`).\n\n```\n{code}```",
        endpoint.title,
    ))
}

/// A doctest, as tokens: hidden set-up, the shown `use` items and statements, hidden checks.
struct Doctest {
    setup: TokenStream,
    uses: TokenStream,
    shown: TokenStream,
    checks: TokenStream,
}

/// Statements that mark where the shown code starts and ends, and the blank line after the
/// `use` items, in the formatted program; [`Doctest::render`] replaces them.
const SHOWN_BEGIN: &str = "__doctest_shown_begin!();";
const SHOWN_END: &str = "__doctest_shown_end!();";
const BLANK: &str = "__doctest_blank!();";

impl Doctest {
    /// The program rustdoc runs; with `markers`, with the statements that delimit the shown code.
    fn program(&self, markers: bool) -> TokenStream {
        let Doctest {
            setup,
            uses,
            shown,
            checks,
        } = self;
        let (begin, blank, end) = if markers {
            let blank = (!uses.is_empty()).then(|| quote! { __doctest_blank!(); });
            (
                Some(quote! { __doctest_shown_begin!(); }),
                blank,
                Some(quote! { __doctest_shown_end!(); }),
            )
        } else {
            (None, None, None)
        };
        quote! {
            #[tokio::main(flavor = "current_thread")]
            async fn main() -> Result<(), Box<dyn std::error::Error>> {
                #setup
                #begin
                #uses
                #blank
                #shown
                #end
                #checks
                Ok(())
            }
        }
    }

    /// The doctest's text: the program formatted once, its set-up and checks hidden (`# `), the
    /// shown statements moved out of `main`'s indentation; the parse error when the tokens are
    /// not a program.
    fn render(&self) -> Result<String, syn::Error> {
        let formatted = prettyplease::unparse(&syn::parse2::<syn::File>(self.program(true))?);
        let mut out = String::new();
        let mut in_shown = false;
        for line in formatted.lines() {
            match line.trim() {
                SHOWN_BEGIN => in_shown = true,
                SHOWN_END => in_shown = false,
                BLANK => out.push('\n'),
                _ if in_shown => {
                    // `main`'s body is indented one level; no literal spans lines (see
                    // `raw_string`), so only whitespace goes.
                    out.push_str(line.strip_prefix("    ").unwrap_or(line));
                    out.push('\n');
                }
                "" => out.push_str("#\n"),
                _ => {
                    out.push_str("# ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        Ok(out)
    }
}

/// A short rendering of a JSON value for messages, in backticks.
fn shown(value: &Value) -> String {
    const LONGEST: usize = 40;
    let text = value.to_string();
    if text.chars().count() <= LONGEST {
        format!("`{text}`")
    } else {
        let cut: String = text.chars().take(LONGEST).collect();
        format!("`{cut}…`")
    }
}

/// A string literal of `text`, raw (`r#"…"#`) when it holds quotes or backslashes, so that JSON
/// reads as it is written. Text with a line break stays an escaped literal: a doctest's lines
/// are re-indented, and a literal spanning lines would change with them.
fn raw_string(text: &str) -> TokenStream {
    if !text.contains(['"', '\\']) || text.contains(['\n', '\r']) {
        return quote! { #text };
    }
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    match format!("r{hashes}\"{text}\"{hashes}").parse::<Literal>() {
        Ok(literal) => quote! { #literal },
        Err(_) => quote! { #text },
    }
}

/// Whether `tokens` hold a `?` operator, at any depth.
fn has_try(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Punct(punct) => punct.as_char() == '?',
        proc_macro2::TokenTree::Group(group) => has_try(&group.stream()),
        _ => false,
    })
}

/// Whether `text` has the shape of a LeadSquared date-time, `YYYY-MM-DD HH:MM:SS` with an
/// optional fraction of a second, with fields in range (the calendar itself is the client's
/// to check, and the sandbox's test of every example).
fn is_datetime(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let fields: Vec<&str> = whole.split(['-', ' ', ':']).collect();
    let shape = whole.len() == 19
        && whole.is_ascii()
        && matches!(
            (
                &whole[4..5],
                &whole[7..8],
                &whole[10..11],
                &whole[13..14],
                &whole[16..17]
            ),
            ("-", "-", " ", ":", ":")
        );
    let numbers: Vec<u32> = fields.iter().filter_map(|field| field.parse().ok()).collect();
    shape
        && numbers.len() == 6
        && fields.iter().all(|field| field.bytes().all(|b| b.is_ascii_digit()))
        && (1..=12).contains(&numbers[1])
        && (1..=31).contains(&numbers[2])
        && numbers[3] < 24
        && numbers[4] < 60
        && numbers[5] < 60
        && (1..=9).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code rustdoc compiles from a doctest's text: hidden lines included.
    fn unhidden(text: &str) -> String {
        text.lines()
            .map(|line| match line {
                "#" => "",
                line => line.strip_prefix("# ").unwrap_or(line),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn same_program(rendered: &str, doctest: &Doctest) {
        let compiled = syn::parse_str::<syn::File>(&unhidden(rendered)).expect("the doctest parses");
        let program = syn::parse2::<syn::File>(doctest.program(false)).expect("the program parses");
        // Formatting both compares their tokens (the formatter adds trailing commas) and their
        // literals byte for byte.
        assert_eq!(
            prettyplease::unparse(&compiled),
            prettyplease::unparse(&program),
            "{rendered}"
        );
    }

    #[test]
    fn every_doctest_of_the_spec_compiles_to_its_program() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let sources = crate::read_spec_dir(&root.join("spec"), &root).expect("the spec reads");
        let spec = crate::load(&sources).expect("the spec loads");
        let paths = Paths::new(&spec);
        let mut checked = 0;
        for endpoint in &spec.endpoints {
            let method = method_doctest(endpoint, &spec, &paths).expect("expressible");
            let pages = endpoint
                .pagination
                .as_ref()
                .and_then(|_| pages_doctest(endpoint, &spec, &paths).expect("expressible"));
            for doctest in method.iter().chain(&pages) {
                let rendered = doctest.render().expect("the doctest is a program");
                same_program(&rendered, doctest);
                assert!(!rendered.contains("__doctest"), "{rendered}");
                checked += 1;
            }
        }
        assert!(checked >= spec.endpoints.len(), "{checked} doctests");
    }

    #[test]
    fn hidden_and_shown_lines_are_marked_and_literals_keep_their_text() {
        let doctest = Doctest {
            setup: quote! { let client = start().await?; },
            uses: quote! { use leadsquared::leads::Lead; },
            shown: quote! {
                let note = "two\nlines \"quoted\"";
                let json = r#"{"a": "b"}"#;
                client.send(Lead::new(note), json).await?;
            },
            checks: quote! { assert!(client.done()); },
        };
        let rendered = doctest.render().expect("the doctest is a program");
        assert_eq!(
            rendered,
            "# #[tokio::main(flavor = \"current_thread\")]\n\
             # async fn main() -> Result<(), Box<dyn std::error::Error>> {\n\
             #     let client = start().await?;\n\
             use leadsquared::leads::Lead;\n\
             \n\
             let note = \"two\\nlines \\\"quoted\\\"\";\n\
             let json = r#\"{\"a\": \"b\"}\"#;\n\
             client.send(Lead::new(note), json).await?;\n\
             #     assert!(client.done());\n\
             #     Ok(())\n\
             # }\n"
        );
        same_program(&rendered, &doctest);
    }

    #[test]
    fn tokens_that_are_not_a_program_are_an_error_not_an_empty_example() {
        let doctest = Doctest {
            setup: TokenStream::new(),
            uses: TokenStream::new(),
            shown: quote! { let = ; },
            checks: TokenStream::new(),
        };
        assert!(doctest.render().is_err());
    }

    #[test]
    fn text_with_a_line_break_is_an_escaped_literal() {
        assert_eq!(raw_string("a\"b").to_string(), "r#\"a\"b\"#");
        assert_eq!(raw_string("a\"\nb").to_string(), "\"a\\\"\\nb\"");
        assert_eq!(raw_string("plain").to_string(), "\"plain\"");
    }
}

//! Usage examples for endpoint docs, written from the spec's documented examples.
//!
//! The request example (JSON) is turned into the Rust that builds the same request with the
//! generated constructors and setters, e.g. `Row::new("first", 1).with_note("x")`. The
//! example runs as a doctest against the sandbox (hidden lines start it), so each endpoint's
//! documented request is checked end to end: the client builds it, the sandbox validates it
//! against the wire schema, and the documented response decodes.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::{Paths, ident};
use crate::model::{AttributesDef, Body, Endpoint, EnumDef, Field, ObjectDef, Spec, TypeDef, TypeRef};

/// The `# Example` section of an endpoint method, or `None` when the spec's examples cannot be
/// expressed (e.g. a value of a closed enum that the enum does not list).
pub(super) fn method_example(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Option<String> {
    let mut builder = Builder {
        spec,
        paths,
        uses: BTreeSet::new(),
    };
    let (lets, args, setters) = builder.arguments(endpoint)?;
    let method = ident(&endpoint.name);
    let statement = quote! {
        let result = client.#method(#(#args),*) #(#setters)* .await?;
        println!("{result:?}");
    };
    Some(builder.section(endpoint, spec, lets, statement, true))
}

/// The example of a paged endpoint's `…_pages` method.
pub(super) fn pages_example(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Option<String> {
    let mut builder = Builder {
        spec,
        paths,
        uses: BTreeSet::new(),
    };
    let (lets, args, setters) = builder.arguments(endpoint)?;
    let walk = if setters.is_empty() {
        let pages = format_ident!("{}_pages", endpoint.name);
        quote! { client.#pages(#(#args),*) }
    } else {
        let method = ident(&endpoint.name);
        quote! { client.#method(#(#args),*) #(#setters)* .pages() }
    };
    let statement = quote! {
        let mut pages = #walk;
        while let Some(page) = pages.next().await {
            let page = page?;
            println!("page {}: {} items", page.index, page.items.len());
        }
    };
    Some(builder.section(endpoint, spec, lets, statement, false))
}

struct Builder<'s> {
    spec: &'s Spec,
    paths: &'s Paths,
    /// Types the example names, for its `use` line.
    uses: BTreeSet<String>,
}

/// An example call: `let` statements for the values, the positional arguments, and the setters
/// of the optional query parameters the example sets.
type Call = (Vec<TokenStream>, Vec<TokenStream>, Vec<TokenStream>);

impl Builder<'_> {
    /// `let` statements for the values, the call's arguments and its setters.
    fn arguments(&mut self, endpoint: &Endpoint) -> Option<Call> {
        let mut lets = Vec::new();
        let mut args = Vec::new();
        let mut setters = Vec::new();
        let example = |wire: &str| {
            endpoint
                .query_example
                .iter()
                .find(|(name, _)| name == wire)
                .map(|(_, text)| text.as_str())
        };
        for field in endpoint.query.iter().filter(|field| field.required) {
            args.push(self.query_value(field, example(&field.wire))?);
        }
        for field in endpoint.query.iter().filter(|field| !field.required) {
            let Some(text) = example(&field.wire) else { continue };
            let value = self.query_value(field, Some(text))?;
            let setter = ident(&field.rust);
            setters.push(quote! { .#setter(#value) });
        }
        let request = match &endpoint.request_example {
            Some(text) => Some(serde_json::from_str::<Value>(text).ok()?),
            None => None,
        };
        match (&endpoint.body, request) {
            (Body::None, _) => {}
            (Body::Object { ty, required: true }, Some(request)) => {
                let body = self.value(ty, &request, false)?;
                lets.push(quote! { let body = #body; });
                args.push(quote! { body });
            }
            (Body::Object { ty, required: false }, Some(request)) => {
                let body = self.value(ty, &request, false)?;
                lets.push(quote! { let body = #body; });
                setters.push(quote! { .body(body) });
            }
            // An optional body without an example: the call is shown without one.
            (Body::Object { required: false, .. }, None) => {}
            (Body::Array { items, .. }, Some(Value::Array(rows))) => {
                let rows = rows
                    .iter()
                    .map(|row| self.value(items, row, false))
                    .collect::<Option<Vec<_>>>()?;
                lets.push(quote! { let items = [#(#rows),*]; });
                args.push(quote! { items });
            }
            // A body without an example: no honest example to show.
            _ => return None,
        }
        Some((lets, args, setters))
    }

    /// A query argument: the example's value, or a placeholder of the parameter's type.
    fn query_value(&mut self, field: &Field, text: Option<&str>) -> Option<TokenStream> {
        let value = match (&field.ty, text) {
            (TypeRef::Integer, Some(text)) => Value::from(text.parse::<i64>().ok()?),
            (TypeRef::Number, Some(text)) => Value::from(text.parse::<f64>().ok()?),
            (TypeRef::Boolean, Some(text)) => Value::from(text.parse::<bool>().ok()?),
            (_, Some(text)) => Value::from(text),
            (TypeRef::Integer, None) => Value::from(1),
            (TypeRef::Number, None) => Value::from(1.0),
            (TypeRef::Boolean, None) => Value::from(true),
            (TypeRef::DateTime, None) => Value::from("2021-01-01 00:00:00"),
            (TypeRef::Named(name), None) => match self.type_def(name)? {
                TypeDef::Enum(def) => Value::from(def.values.first()?.wire.as_str()),
                TypeDef::Object(_) | TypeDef::Attributes(_) => return None,
            },
            (_, None) => Value::from(field.wire.as_str()),
        };
        self.value(&field.ty, &value, true)
    }

    fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.spec.types.iter().find(|def| def.name() == name)
    }

    /// An expression of type `ty` equal to `value`; `into_string` when a `&str` literal will do
    /// (the parameter takes `impl Into<String>` or `&str`).
    fn value(&mut self, ty: &TypeRef, value: &Value, into_string: bool) -> Option<TokenStream> {
        Some(match (ty, value) {
            (TypeRef::String, Value::String(text)) if into_string => quote! { #text },
            (TypeRef::String, Value::String(text)) => quote! { #text.to_owned() },
            (TypeRef::Integer, Value::Number(number)) => {
                let literal = Literal::i64_unsuffixed(number.as_i64()?);
                quote! { #literal }
            }
            (TypeRef::Number, Value::Number(number)) => {
                let literal = Literal::f64_unsuffixed(number.as_f64()?);
                quote! { #literal }
            }
            (TypeRef::Boolean, Value::Bool(flag)) => quote! { #flag },
            // Written as the page shows it.
            (TypeRef::DateTime, Value::String(text)) if is_datetime(text) => {
                self.uses.insert("DateTime".to_owned());
                quote! { DateTime::parse(#text)? }
            }
            (TypeRef::Json, value) => {
                let tokens: TokenStream = value.to_string().parse().ok()?;
                quote! { serde_json::json!(#tokens) }
            }
            (TypeRef::JsonText, value) => {
                self.uses.insert("JsonText".to_owned());
                let text = raw_string(&value.to_string());
                quote! { JsonText::new(#text)? }
            }
            (TypeRef::Array(inner), Value::Array(items)) => {
                let items = items
                    .iter()
                    .map(|item| self.value(inner, item, false))
                    .collect::<Option<Vec<_>>>()?;
                // The formatter leaves a macro's tokens as they are, so items that end in `?`
                // (date-times) go in an array expression, which it formats.
                if items.iter().any(has_try) {
                    quote! { Vec::from([#(#items),*]) }
                } else {
                    quote! { vec![#(#items),*] }
                }
            }
            (TypeRef::Named(name), value) => match self.type_def(name)? {
                TypeDef::Enum(def) => self.enum_value(&def.clone(), value)?,
                TypeDef::Object(object) => self.object(&object.clone(), value)?,
                TypeDef::Attributes(def) => self.attributes(&def.clone(), value)?,
            },
            _ => return None,
        })
    }

    fn enum_value(&mut self, def: &EnumDef, value: &Value) -> Option<TokenStream> {
        // An enum of integers is written as the integer; a query example holds its text.
        let number = match value {
            Value::Number(number) if def.integer => Some(number.as_i64()?),
            Value::String(text) if def.integer => Some(text.trim().parse::<i64>().ok()?),
            _ => None,
        };
        let text = match number {
            Some(number) => number.to_string(),
            None => value.as_str()?.to_owned(),
        };
        let name = ident(&def.name);
        self.uses.insert(def.name.clone());
        match (def.values.iter().find(|known| known.wire == text), number) {
            (Some(known), _) => {
                let variant = ident(&known.rust);
                Some(quote! { #name::#variant })
            }
            (None, Some(number)) if def.open => {
                let number = Literal::i64_unsuffixed(number);
                Some(quote! { #name::from(#number) })
            }
            (None, None) if def.open => Some(quote! { #name::from(#text) }),
            (None, _) => None,
        }
    }

    /// `Type::new(required…)` (or `Type::default()`) followed by a setter per optional value.
    fn object(&mut self, object: &ObjectDef, value: &Value) -> Option<TokenStream> {
        let map = value.as_object()?;
        let name = ident(&object.name);
        self.uses.insert(object.name.clone());
        let mut required = Vec::new();
        for field in object.fields.iter().filter(|field| field.required) {
            required.push(self.field_argument(field, map.get(&field.wire)?)?);
        }
        let mut setters = Vec::new();
        for field in object.fields.iter().filter(|field| !field.required) {
            let Some(value) = map.get(&field.wire).filter(|value| !value.is_null()) else {
                continue;
            };
            let argument = self.field_argument(field, value)?;
            let setter = format_ident!("with_{}", field.rust);
            setters.push(quote! { .#setter(#argument) });
        }
        let start = if object.fields.iter().any(|field| field.required) {
            quote! { #name::new(#(#required),*) }
        } else {
            quote! { #name::default() }
        };
        Some(quote! { #start #(#setters)* })
    }

    /// `Type::new()` followed by the documented pairs, in order: the setter of a well-known
    /// attribute, `set` for any other, and `set_with_fields` for an entry with nested fields.
    /// Only string values can be written as they were documented.
    fn attributes(&mut self, def: &AttributesDef, value: &Value) -> Option<TokenStream> {
        let name = ident(&def.name);
        self.uses.insert(def.name.clone());
        let mut calls = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for entry in value.as_array()? {
            let map = entry.as_object()?;
            let attribute = map.get(&def.attribute)?.as_str()?;
            let text = map.get(&def.value)?.as_str()?;
            let nested = def.fields.as_ref().and_then(|key| map.get(key));
            let known = 2 + usize::from(nested.is_some());
            // An entry with other keys, or an attribute given twice, cannot be sent as written.
            if map.len() != known || !seen.insert(attribute) {
                return None;
            }
            let call = match (nested, def.attributes.iter().find(|field| field.wire == attribute)) {
                (Some(nested), _) => {
                    let fields = self.attributes(def, nested)?;
                    quote! { .set_with_fields(#attribute, #text, #fields) }
                }
                (None, Some(field)) => {
                    let setter = ident(&field.rust);
                    quote! { .#setter(#text) }
                }
                (None, None) => quote! { .set(#attribute, #text) },
            };
            calls.push(call);
        }
        Some(quote! { #name::new() #(#calls)* })
    }

    /// The argument a constructor or setter takes for `value`, decoding what the wire encodes.
    fn field_argument(&mut self, field: &Field, value: &Value) -> Option<TokenStream> {
        // JSON text inside a string is passed as the page writes it, byte for byte.
        if let (Value::String(text), true, TypeRef::JsonText) = (value, field.json_string(), &field.ty) {
            self.uses.insert("JsonText".to_owned());
            let text = raw_string(text);
            return Some(quote! { JsonText::new(#text)? });
        }
        let decoded;
        let value = match value {
            Value::String(text) if field.json_string() => {
                decoded = serde_json::from_str::<Value>(text).ok()?;
                &decoded
            }
            Value::String(text) if field.lenient() || field.as_string() => {
                decoded = match field.ty {
                    TypeRef::Boolean => Value::from(text.trim().eq_ignore_ascii_case("true") || text.trim() == "1"),
                    TypeRef::Integer => Value::from(text.trim().parse::<i64>().ok()?),
                    _ => Value::from(text.trim().parse::<f64>().ok()?),
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

    /// The whole `# Example` section: prose, then a doctest whose hidden lines start a sandbox
    /// with the documented records and, with `check_wire`, check that what was sent is the
    /// documented query and body (the sandbox then keeps request bodies).
    fn section(
        &self,
        endpoint: &Endpoint,
        spec: &Spec,
        lets: Vec<TokenStream>,
        statement: TokenStream,
        check_wire: bool,
    ) -> String {
        let krate = &spec.api.crate_name;
        let code = body_lines(quote! { #(#lets)* #statement });
        let mut out = String::from("# Example\n\n");
        out.push_str(&format!(
            "The request of the {} documentation, built with the generated types;\n`client` is a [`crate::Client`] (here, one of the `sandbox`).\n\n",
            endpoint.title
        ));
        out.push_str("```\n");
        out.push_str("# #[tokio::main(flavor = \"current_thread\")]\n");
        out.push_str("# async fn main() -> Result<(), Box<dyn std::error::Error>> {\n");
        // The sandbox keeps the bodies of processed calls only when asked, and holds the records
        // the documented requests name (a stateful endpoint refuses an unknown id) when asked.
        let sandbox = if check_wire {
            "Sandbox::builder().documented_records(true).keep_bodies(true).start()"
        } else {
            "Sandbox::builder().documented_records(true).start()"
        };
        out.push_str(&format!("# let sandbox = {krate}_sandbox::{sandbox}.await?;\n"));
        out.push_str("# let client = sandbox.client()?;\n");
        // One `use` per module, formatted like the code, so a long list wraps.
        let uses = self.use_items(krate);
        if !uses.is_empty() {
            out.push_str(&body_lines(uses));
            out.push('\n');
        }
        out.push_str(&code);
        if check_wire {
            let name = &endpoint.name;
            out.push_str(&format!(
                "# let documented = {krate}_sandbox::SCHEMA.endpoint_named(\"{name}\").unwrap();\n"
            ));
            out.push_str("# let sent = sandbox.requests().pop().unwrap();\n");
            out.push_str("# let body = documented.request_example.map(serde_json::from_str::<serde_json::Value>).transpose()?;\n");
            out.push_str("# assert_eq!(sent.body, body, \"the example sends the documented body\");\n");
            out.push_str("# for (name, value) in documented.query_example {\n");
            out.push_str("#     assert!(sent.query.contains(&(name.to_string(), value.to_string())), \"{name}\");\n");
            out.push_str("# }\n");
        }
        out.push_str("# Ok(())\n# }\n```");
        out
    }
}

/// A string literal of `text`, raw (`r#"…"#`) when it holds quotes or backslashes, so that JSON
/// reads as it is written.
fn raw_string(text: &str) -> TokenStream {
    if !text.contains(['"', '\\']) {
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

/// `tokens` formatted as the statements of a function body, one line each, unindented.
fn body_lines(tokens: TokenStream) -> String {
    let file = quote! { async fn example() { #tokens } };
    let formatted = syn::parse2::<syn::File>(file)
        .map(|file| prettyplease::unparse(&file))
        .unwrap_or_default();
    let lines: Vec<&str> = formatted.lines().collect();
    let inner = lines.get(1..lines.len().saturating_sub(1)).unwrap_or_default();
    let mut out = String::new();
    for line in inner {
        out.push_str(line.strip_prefix("    ").unwrap_or(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_formatted_and_unindented() {
        let text = body_lines(quote! { let a = Thing::new("x").with_b(1); call(&a).await?; });
        assert_eq!(text, "let a = Thing::new(\"x\").with_b(1);\ncall(&a).await?;\n");
    }
}

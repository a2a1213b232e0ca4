//! `schema.rs` of the sandbox crate: the spec's wire shapes as data (`crate::schema`), for
//! checkers that must not share the client's code, such as the sandbox's request validation.
//! Everything it holds is written from the model again (names, methods, paths, API facts),
//! so it refers to nothing in the client crate.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, inner_doc, lit};
use crate::model::{Body, Encoding, EnumDef, Field, Method, ObjectDef, Rule, Spec, TypeDef, TypeRef};

/// The `SCHEMA` static: every type (the API's exception types included) and every endpoint.
pub(super) fn emit_schema(spec: &Spec) -> TokenStream {
    let module_docs = inner_doc(
        "The spec's wire shapes as data: every type and endpoint by wire name, with the spec's examples. It is written independently of the serde types, so a checker that reads it (the sandbox) catches mistakes in them.",
    );
    let docs = doc(&format!(
        "Every type and endpoint of the {} API, by wire name, with the documented examples.",
        spec.api.name
    ));
    let mut types = vec![emit_enum(&spec.api.exceptions)];
    types.extend(spec.types.iter().map(|ty| match ty {
        TypeDef::Object(object) => emit_object(object),
        TypeDef::Enum(def) => emit_enum(def),
        TypeDef::Attributes(def) => {
            let (name, attribute, value) = (&def.name, &def.attribute, &def.value);
            let fields = option(def.fields.as_deref().map(|fields| quote! { #fields }));
            quote! {
                TypeSchema::Attributes(AttributesSchema {
                    name: #name,
                    attribute: #attribute,
                    value: #value,
                    fields: #fields,
                })
            }
        }
    }));
    let endpoints = spec.endpoints.iter().map(|endpoint| {
        let (name, path) = (&endpoint.name, &endpoint.path);
        let method = match endpoint.method {
            Method::Get => quote! { Method::Get },
            Method::Post => quote! { Method::Post },
        };
        let query = endpoint.query.iter().map(emit_field);
        let body = match &endpoint.body {
            Body::None => quote! { BodySchema::None },
            Body::Object { ty, required } => {
                let shape = shape(ty);
                quote! { BodySchema::Object { shape: #shape, required: #required } }
            }
            Body::Array {
                items,
                min_items,
                max_items,
            } => {
                let items = shape(items);
                let min_items = lit(*min_items as u64);
                let max = option(max_items.map(|max| {
                    let max = lit(max as u64);
                    quote! { #max }
                }));
                quote! { BodySchema::Array { items: #items, min_items: #min_items, max_items: #max } }
            }
        };
        let response = shape(&endpoint.response);
        let unwrap = option(endpoint.unwrap.as_deref().map(|field| quote! { #field }));
        let pages = option(endpoint.pagination.as_ref().map(|pagination| {
            let wire_path = |wire: &str| -> Vec<String> {
                wire.split('.')
                    .filter(|key| !key.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let (position, items) = (wire_path(&pagination.position.wire), wire_path(&pagination.items.wire));
            quote! { crate::schema::PagesSchema { position: &[#(#position),*], items: &[#(#items),*] } }
        }));
        let query_example = endpoint
            .query_example
            .iter()
            .map(|(name, value)| quote! { (#name, #value) });
        let rate_class = lit(spec.api.rate_class(&endpoint.rate_class).map_or(0, |(index, _)| index) as u64);
        let request_example = option(endpoint.request_example.as_deref().map(raw_string));
        let response_example = option(endpoint.response_example.as_deref().map(raw_string));
        quote! {
            EndpointSchema {
                name: #name,
                method: #method,
                path: #path,
                query: &[#(#query),*],
                body: #body,
                response: #response,
                unwrap: #unwrap,
                pages: #pages,
                rate_class: #rate_class,
                query_example: &[#(#query_example),*],
                request_example: #request_example,
                response_example: #response_example,
            }
        }
    });
    let api = emit_api(spec);
    let attributes_schema = spec
        .types
        .iter()
        .any(|def| matches!(def, TypeDef::Attributes(_)))
        .then(|| quote! { AttributesSchema, });
    quote! {
        #module_docs
        use crate::schema::{
            ApiSchema, #attributes_schema BodySchema, Encoding, EndpointSchema, EnumSchema, FieldSchema, Method, ObjectSchema,
            RateClassSchema, RateLimit, Schema, Shape, TypeSchema,
        };
        #docs
        pub static SCHEMA: Schema = Schema {
            api: #api,
            types: &[#(#types),*],
            endpoints: &[#(#endpoints),*],
        };
    }
}

/// What the API shares: base URL, key names, error envelope, plans and rate-limit classes.
fn emit_api(spec: &Spec) -> TokenStream {
    let api = &spec.api;
    let (name, base_url) = (&api.name, &api.base_url);
    let (header_access, header_secret) = (&api.auth.header.access_key, &api.auth.header.secret_key);
    let (query_access, query_secret) = (&api.auth.query.access_key, &api.auth.query.secret_key);
    let envelope = &api.error_envelope;
    let (status_field, error_value) = (&envelope.status_field, &envelope.error_value);
    let (type_field, message_field) = (&envelope.type_field, &envelope.message_field);
    let limit = |limit: crate::model::RateLimit| {
        let (calls, per_millis) = (lit(limit.calls.into()), lit(limit.per_millis));
        quote! { RateLimit { calls: #calls, per_millis: #per_millis } }
    };
    let plans = &api.plans;
    let classes = api.rate_classes.iter().map(|class| {
        let name = &class.name;
        let default = limit(class.default);
        let plans = (0..api.plans.len()).map(|plan| limit(class.on_plan(plan)));
        quote! { RateClassSchema { name: #name, default: #default, plans: &[#(#plans),*] } }
    });
    quote! {
        ApiSchema {
            name: #name,
            base_url: #base_url,
            header_access_key: #header_access,
            header_secret_key: #header_secret,
            query_access_key: #query_access,
            query_secret_key: #query_secret,
            status_field: #status_field,
            error_value: #error_value,
            type_field: #type_field,
            message_field: #message_field,
            plans: &[#(#plans),*],
            rate_classes: &[#(#classes),*],
        }
    }
}

fn emit_object(object: &ObjectDef) -> TokenStream {
    let (name, additional) = (&object.name, object.additional_fields);
    let fields = object.fields.iter().map(emit_field);
    // By path: a spec without rules must not import what it does not use, and a `use` line
    // that comes and goes with the first rule would be a change no API rule explains.
    let rules = object.rules.iter().map(|rule| match rule {
        Rule::AtMostOneOf { fields, .. } | Rule::AtLeastOneOf { fields, .. } | Rule::ExactlyOneOf { fields, .. } => {
            let wires = fields.iter().map(|&index| object.fields[index].wire.as_str());
            let kind = match rule {
                Rule::AtLeastOneOf { .. } => quote! { AtLeastOneOf },
                Rule::ExactlyOneOf { .. } => quote! { ExactlyOneOf },
                _ => quote! { AtMostOneOf },
            };
            quote! { crate::schema::RuleSchema::#kind(&[#(#wires),*]) }
        }
        Rule::ItemCount { field, min, max } => {
            let field = object.fields[*field].wire.as_str();
            let min = lit(*min as u64);
            let max = option(max.map(|max| {
                let max = lit(max as u64);
                quote! { #max }
            }));
            quote! { crate::schema::RuleSchema::ItemCount { field: #field, min: #min, max: #max } }
        }
    });
    quote! {
        TypeSchema::Object(ObjectSchema {
            name: #name,
            fields: &[#(#fields),*],
            rules: &[#(#rules),*],
            additional_fields: #additional,
        })
    }
}

fn emit_enum(def: &EnumDef) -> TokenStream {
    let (name, open, integer) = (&def.name, def.open, def.integer);
    let values = def.values.iter().map(|value| value.wire.as_str());
    quote! {
        TypeSchema::Enum(EnumSchema { name: #name, open: #open, integer: #integer, values: &[#(#values),*] })
    }
}

fn emit_field(field: &Field) -> TokenStream {
    let (wire, required) = (&field.wire, field.required);
    let shape = shape(&field.ty);
    let encoding = match field.encoding {
        Encoding::Plain => quote! { Plain },
        Encoding::Lenient => quote! { Lenient },
        Encoding::JsonString => quote! { JsonString },
        Encoding::AsString => quote! { AsString },
    };
    quote! {
        FieldSchema { wire: #wire, shape: #shape, required: #required, encoding: Encoding::#encoding }
    }
}

fn shape(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote! { Shape::String },
        TypeRef::Integer => quote! { Shape::Integer },
        TypeRef::Number => quote! { Shape::Number },
        TypeRef::Boolean => quote! { Shape::Boolean },
        // Any JSON: key order is not something a checked `Value` can see.
        TypeRef::Json | TypeRef::JsonText => quote! { Shape::Json },
        TypeRef::DateTime => quote! { Shape::DateTime },
        TypeRef::Named(name) => quote! { Shape::Named(#name) },
        TypeRef::Array(inner) => {
            let inner = shape(inner);
            quote! { Shape::Array(&#inner) }
        }
    }
}

/// A raw string literal, so that a multi-line JSON example reads as it is.
fn raw_string(text: &str) -> TokenStream {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    let literal: proc_macro2::Literal = format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(text));
    quote! { #literal }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote! { ::core::option::Option::Some(#value) },
        None => quote! { ::core::option::Option::None },
    }
}

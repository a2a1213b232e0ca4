//! Emits `dispatch.rs` for the command-line crate: what the command line knows of each endpoint.
//!
//! Three items, so that an endpoint added to the spec appears in the command line with no
//! hand-written change:
//!
//! - `ENDPOINTS`: per endpoint, its description (the client's constant), its query parameters
//!   and its body, and for a bulk endpoint the fields of its row type, each with the kind of
//!   value a cell of a file holds.
//! - `call`: one arm per endpoint, turning the text of query parameters and a JSON body into the
//!   endpoint's typed inputs, calling the client's method and returning the typed answer.
//! - `import`: one arm per endpoint that has a bulk job (`<name>_all`), starting the job over
//!   typed rows with the row type's rules as the check.
//!
//! The file refers to the client crate by the spec's `crate_name`, to its types by their public
//! paths, and to the command line's own support code by `crate::spec::…` and
//! `crate::import::…`: the generated arms only convert and call; parsing, checking, progress,
//! reports and journals are hand-written once for every endpoint.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::endpoints::const_name;
use super::types::needs_validation;
use super::{Paths, ident};
use crate::model::{Body, Endpoint, Field, ObjectDef, Spec, TypeDef, TypeRef};

pub(super) fn emit_dispatch(spec: &Spec, paths: &Paths) -> TokenStream {
    let krate = ident(&spec.api.crate_name);
    let types = CliTypes {
        krate: &krate,
        paths,
        spec,
    };
    let endpoints = spec.endpoints.iter().map(|endpoint| types.endpoint_info(endpoint));
    let calls = spec.endpoints.iter().map(|endpoint| types.call_arm(endpoint));
    let imports = spec.endpoints.iter().filter_map(|endpoint| types.import_arm(endpoint));
    quote! {
        #![doc = " What the command line knows of each endpoint of the spec: its inputs, how to call it,"]
        #![doc = " and how to run its bulk job over rows read from a file."]

        /// Every endpoint of the spec, in spec order.
        pub static ENDPOINTS: &[crate::spec::EndpointInfo] = &[#(#endpoints),*];

        /// Calls the endpoint named `name` (its method name) with `input`'s query parameters and
        /// body, converted to the endpoint's typed inputs, and returns its typed answer as JSON.
        #[allow(unused_variables)]
        pub async fn call(
            client: &::#krate::Client,
            name: &str,
            input: &crate::spec::Input,
        ) -> Result<::serde_json::Value, crate::Failure> {
            match name {
                #(#calls)*
                _ => Err(crate::spec::unknown_endpoint(name)),
            }
        }

        /// Runs the bulk job of the endpoint named `name` over the rows `run` reads, with
        /// `input`'s required query parameters.
        #[allow(unused_variables)]
        pub async fn import(
            name: &str,
            input: &crate::spec::Input,
            run: crate::import::Run,
        ) -> Result<crate::import::Finished, crate::Failure> {
            match name {
                #(#imports)*
                _ => Err(crate::spec::no_bulk_job(name)),
            }
        }
    }
}

/// Rust types and descriptions as the command-line crate names them.
struct CliTypes<'a> {
    krate: &'a proc_macro2::Ident,
    paths: &'a Paths,
    spec: &'a Spec,
}

impl CliTypes<'_> {
    /// The Rust type of `ty`, by its public path in the client crate.
    fn rust_type(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::String => quote! { String },
            TypeRef::Integer => quote! { i64 },
            TypeRef::Number => quote! { f64 },
            TypeRef::Boolean => quote! { bool },
            TypeRef::Json => quote! { ::serde_json::Value },
            TypeRef::DateTime => {
                let krate = self.krate;
                quote! { ::#krate::DateTime }
            }
            TypeRef::JsonText => {
                let krate = self.krate;
                quote! { ::#krate::JsonText }
            }
            TypeRef::Named(name) => {
                let krate = self.krate;
                let segments = self.paths.public_path(name);
                let segments = segments.split("::").map(ident);
                quote! { ::#krate #(::#segments)* }
            }
            TypeRef::Array(inner) => {
                let inner = self.rust_type(inner);
                quote! { Vec<#inner> }
            }
        }
    }

    /// What a value of `ty` is, as the command line reads it from text.
    fn kind(&self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::String => quote! { crate::spec::Kind::String },
            TypeRef::Integer => quote! { crate::spec::Kind::Integer },
            TypeRef::Number => quote! { crate::spec::Kind::Number },
            TypeRef::Boolean => quote! { crate::spec::Kind::Boolean },
            TypeRef::Json | TypeRef::JsonText => quote! { crate::spec::Kind::Json },
            TypeRef::DateTime => quote! { crate::spec::Kind::DateTime },
            TypeRef::Array(_) => quote! { crate::spec::Kind::Array },
            TypeRef::Named(name) => match self.type_def(name) {
                Some(TypeDef::Enum(def)) => {
                    let values = def.values.iter().map(|value| &value.wire);
                    let open = def.open;
                    quote! { crate::spec::Kind::Enum { values: &[#(#values),*], open: #open } }
                }
                _ if *name == self.spec.api.exceptions.name => {
                    let values = self.spec.api.exceptions.values.iter().map(|value| &value.wire);
                    let open = self.spec.api.exceptions.open;
                    quote! { crate::spec::Kind::Enum { values: &[#(#values),*], open: #open } }
                }
                _ => quote! { crate::spec::Kind::Object(#name) },
            },
        }
    }

    fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.spec.types.iter().find(|def| def.name() == name)
    }

    fn object(&self, ty: &TypeRef) -> Option<&ObjectDef> {
        match ty {
            TypeRef::Named(name) => match self.type_def(name) {
                Some(TypeDef::Object(object)) => Some(object),
                _ => None,
            },
            _ => None,
        }
    }

    /// A parameter or a column: wire name, Rust name, whether required, kind, description.
    fn field_info(&self, field: &Field) -> TokenStream {
        let (wire, rust, required) = (&field.wire, &field.rust, field.required);
        let kind = self.kind(&field.ty);
        let description = field.description.as_deref().unwrap_or_default().trim();
        quote! {
            crate::spec::FieldInfo {
                wire: #wire,
                rust: #rust,
                required: #required,
                kind: #kind,
                description: #description,
            }
        }
    }

    /// The rows of a bulk job: the row type's fields, and its list of name/value pairs if it has
    /// one (a field holding an array of objects whose only required fields are two strings: the
    /// name and the value, such as custom fields by schema name).
    fn rows_info(&self, items: &TypeRef) -> TokenStream {
        let name = items.to_string();
        let Some(object) = self.object(items) else {
            return quote! {
                crate::spec::RowsInfo { type_name: #name, fields: &[], pairs: None }
            };
        };
        let fields = object.fields.iter().map(|field| self.field_info(field));
        let pairs = object.fields.iter().find_map(|field| {
            let TypeRef::Array(inner) = &field.ty else { return None };
            let pair = self.object(inner)?;
            let required: Vec<&Field> = pair.fields.iter().filter(|f| f.required).collect();
            let [name, value] = required.as_slice() else {
                return None;
            };
            if name.ty != TypeRef::String || value.ty != TypeRef::String {
                return None;
            }
            let (list, name, value) = (&field.wire, &name.wire, &value.wire);
            Some(quote! { Some(crate::spec::PairsInfo { field: #list, name: #name, value: #value }) })
        });
        let pairs = pairs.unwrap_or_else(|| quote! { None });
        quote! {
            crate::spec::RowsInfo { type_name: #name, fields: &[#(#fields),*], pairs: #pairs }
        }
    }

    fn endpoint_info(&self, endpoint: &Endpoint) -> TokenStream {
        let krate = self.krate;
        let describe = const_name(endpoint);
        let params = endpoint.query.iter().map(|field| self.field_info(field));
        let body = match &endpoint.body {
            Body::None => quote! { crate::spec::BodyInfo::None },
            Body::Object { ty, required } => {
                let name = ty.to_string();
                quote! { crate::spec::BodyInfo::Object { type_name: #name, required: #required } }
            }
            Body::Array { items, max_items, .. } => {
                let name = items.to_string();
                let rows = match max_items {
                    Some(_) => {
                        let rows = self.rows_info(items);
                        quote! { Some(#rows) }
                    }
                    None => quote! { None },
                };
                quote! { crate::spec::BodyInfo::Array { items: #name, rows: #rows } }
            }
        };
        quote! {
            crate::spec::EndpointInfo {
                describe: &::#krate::endpoints::#describe,
                params: &[#(#params),*],
                body: #body,
            }
        }
    }

    fn call_arm(&self, endpoint: &Endpoint) -> TokenStream {
        let name = &endpoint.name;
        let method = ident(&endpoint.name);
        let mut args: Vec<TokenStream> = endpoint
            .query
            .iter()
            .filter(|field| field.required)
            .map(|field| {
                let (ty, wire) = (self.rust_type(&field.ty), &field.wire);
                quote! { input.required::<#ty>(#wire)? }
            })
            .collect();
        let mut body_setter = None;
        match &endpoint.body {
            Body::None => {}
            Body::Object { ty, required: true } => {
                let ty = self.rust_type(ty);
                args.push(quote! { input.body::<#ty>()? });
            }
            Body::Object { ty, required: false } => {
                let ty = self.rust_type(ty);
                body_setter = Some(quote! {
                    let call = match input.optional_body::<#ty>()? {
                        Some(body) => call.body(body),
                        None => call,
                    };
                });
            }
            Body::Array { items, .. } => {
                let ty = self.rust_type(items);
                args.push(quote! { input.body::<Vec<#ty>>()? });
            }
        }
        let optional = endpoint.query.iter().filter(|field| !field.required).map(|field| {
            let (ty, wire, setter) = (self.rust_type(&field.ty), &field.wire, ident(&field.rust));
            quote! {
                let call = match input.optional::<#ty>(#wire)? {
                    Some(value) => call.#setter(value),
                    None => call,
                };
            }
        });
        quote! {
            #name => {
                let call = client.#method(#(#args),*);
                #(#optional)*
                #body_setter
                crate::spec::answer(call.await)
            }
        }
    }

    fn import_arm(&self, endpoint: &Endpoint) -> Option<TokenStream> {
        let Body::Array {
            items,
            max_items: Some(_),
            ..
        } = &endpoint.body
        else {
            return None;
        };
        let krate = self.krate;
        let name = &endpoint.name;
        let all = format_ident!("{}_all", endpoint.name);
        let item = self.rust_type(items);
        let required: Vec<&Field> = endpoint.query.iter().filter(|field| field.required).collect();
        let values = required.iter().map(|field| ident(&field.rust));
        let reads = required.iter().map(|field| {
            let (rust, ty, wire) = (ident(&field.rust), self.rust_type(&field.ty), &field.wire);
            quote! { let #rust: #ty = input.required(#wire)?; }
        });
        let check = if needs_validation(items, self.spec) {
            quote! { ::#krate::rules::Validate::validate(row) }
        } else {
            quote! { Ok(()) }
        };
        Some(quote! {
            #name => {
                #(#reads)*
                run.start(
                    |row: &#item| #check,
                    move |client: &::#krate::Client, rows| client.#all(#(#values,)* rows),
                )
                .await
            }
        })
    }
}

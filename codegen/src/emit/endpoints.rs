//! Emits `endpoints.rs`: per endpoint, a description constant, an options struct when it has
//! optional query parameters, and one method on `Client` that builds a request for the
//! runtime. The method holds no transport logic: limits, validation, sending and error
//! decoding are the runtime's, so a fix there reaches every endpoint.

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::example::{method_example, pages_example};
use super::{doc, doc_lines, ident, lit, rust_type};
use crate::model::{Body, Endpoint, Field, Method, Processed, Spec, TypeRef};

pub(super) fn sources(spec: &Spec) -> Vec<String> {
    let mut sources: Vec<String> = spec.endpoints.iter().map(|e| e.source.clone()).collect();
    sources.sort();
    sources.dedup();
    sources
}

pub(super) fn emit_endpoints(spec: &Spec) -> TokenStream {
    let endpoints = spec.endpoints.iter().map(|endpoint| emit_endpoint(endpoint, spec));
    quote! {
        #![doc = " One description and one method per endpoint."]
        #(#endpoints)*
    }
}

pub(super) fn const_name(endpoint: &Endpoint) -> proc_macro2::Ident {
    ident(&endpoint.name.to_shouty_snake_case())
}

pub(super) fn options_name(endpoint: &Endpoint) -> proc_macro2::Ident {
    format_ident!("{}Options", endpoint.name.to_upper_camel_case())
}

fn emit_endpoint(endpoint: &Endpoint, spec: &Spec) -> TokenStream {
    let description = emit_description(endpoint);
    let options = emit_options(endpoint);
    let method = emit_method(endpoint, spec);
    let pages = emit_pages(endpoint, spec);
    quote! {
        #description
        #options
        #method
        #pages
    }
}

fn emit_description(endpoint: &Endpoint) -> TokenStream {
    let name_const = const_name(endpoint);
    let docs = doc(&format!(
        "Describes {}: method, path, item limits, rate limit and documented statuses.",
        endpoint.title
    ));
    let (name, title, group, path) = (&endpoint.name, &endpoint.title, &endpoint.group, &endpoint.path);
    let docs_url = match &endpoint.docs_url {
        Some(url) => quote! { ::core::option::Option::Some(#url) },
        None => quote! { ::core::option::Option::None },
    };
    let method = match endpoint.method {
        Method::Get => quote! { Get },
        Method::Post => quote! { Post },
    };
    let idempotent = endpoint.idempotent;
    let items = match &endpoint.body {
        Body::Array {
            min_items, max_items, ..
        } => {
            let min_items = lit(*min_items as u64);
            let max = match max_items {
                Some(max) => {
                    let max = lit(*max as u64);
                    quote! { ::core::option::Option::Some(#max) }
                }
                None => quote! { ::core::option::Option::None },
            };
            quote! { ::core::option::Option::Some(crate::runtime::ItemLimit { min: #min_items, max: #max }) }
        }
        _ => quote! { ::core::option::Option::None },
    };
    let (calls, per_millis) = (
        lit(endpoint.rate_limit.calls.into()),
        lit(endpoint.rate_limit.per_millis),
    );
    let statuses = endpoint.statuses.iter().map(|status| {
        let (code, meaning) = (lit(status.code.into()), &status.meaning);
        let processed = match status.processed {
            Processed::Always => quote! { Always },
            Processed::Never => quote! { Never },
            Processed::Unknown => quote! { Unknown },
        };
        quote! {
            crate::runtime::StatusSpec { code: #code, meaning: #meaning, processed: crate::runtime::Processed::#processed }
        }
    });
    quote! {
        #docs
        pub const #name_const: crate::runtime::Endpoint = crate::runtime::Endpoint {
            name: #name,
            title: #title,
            group: #group,
            docs_url: #docs_url,
            method: crate::runtime::Method::#method,
            path: #path,
            idempotent: #idempotent,
            items: #items,
            rate_limit: crate::runtime::RateLimit { calls: #calls, per_millis: #per_millis },
            statuses: &[#(#statuses),*],
        };
    }
}

fn optional_params(endpoint: &Endpoint) -> impl Iterator<Item = &Field> {
    endpoint.query.iter().filter(|f| !f.required)
}

fn emit_options(endpoint: &Endpoint) -> Option<TokenStream> {
    optional_params(endpoint).next()?;
    let name = options_name(endpoint);
    let docs = doc(&format!(
        "The optional query parameters of {}; unset ones are not sent.",
        endpoint.title
    ));
    let fields = optional_params(endpoint).map(|field| {
        let rust = ident(&field.rust);
        let ty = rust_type(&field.ty, false);
        let docs = doc(&format!(
            "`{}`: {}",
            field.wire,
            field.description.as_deref().unwrap_or("").trim()
        ));
        quote! { #docs pub #rust: ::core::option::Option<#ty>, }
    });
    let setters = optional_params(endpoint).map(|field| {
        let rust = ident(&field.rust);
        let setter = format_ident!("with_{}", field.rust);
        let ty = rust_type(&field.ty, false);
        let (arg, value) = match field.ty {
            TypeRef::String => (
                quote! { impl ::core::convert::Into<::std::string::String> },
                quote! { #rust.into() },
            ),
            _ => (ty, quote! { #rust }),
        };
        let docs = doc(&format!("Sets `{}`.", field.wire));
        quote! {
            #docs
            #[must_use]
            pub fn #setter(mut self, #rust: #arg) -> Self {
                self.#rust = ::core::option::Option::Some(#value);
                self
            }
        }
    });
    Some(quote! {
        #docs
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #(#setters)*
        }
    })
}

/// The argument type of a required query parameter, and how to pass it to `Request::query`.
fn param_argument(field: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&field.rust);
    match &field.ty {
        TypeRef::String => (quote! { &str }, quote! { #name }),
        TypeRef::Named(_) => {
            let ty = rust_type(&field.ty, false);
            (quote! { &#ty }, quote! { #name })
        }
        ty => (rust_type(ty, false), quote! { &#name }),
    }
}

/// For a paged endpoint, `<name>_pages`: the same arguments, and a `Pages` walker that calls the
/// single-page method with the page index set, page after page.
fn emit_pages(endpoint: &Endpoint, spec: &Spec) -> Option<TokenStream> {
    let pagination = endpoint.pagination.as_ref()?;
    let Body::Object(body_type) = &endpoint.body else {
        return None;
    };
    let method = ident(&endpoint.name);
    let pages = format_ident!("{}_pages", endpoint.name);
    let mut params = Vec::new();
    let mut args = Vec::new();
    for field in endpoint.query.iter().filter(|f| f.required) {
        let name = ident(&field.rust);
        let ty = match &field.ty {
            TypeRef::String => quote! { &'a str },
            TypeRef::Named(_) => {
                let ty = rust_type(&field.ty, false);
                quote! { &'a #ty }
            }
            ty => rust_type(ty, false),
        };
        params.push(quote! { #name: #ty });
        args.push(quote! { #name });
    }
    if optional_params(endpoint).next().is_some() {
        let options = options_name(endpoint);
        params.push(quote! { options: &'a #options });
        args.push(quote! { options });
    }
    let body_ty = rust_type(body_type, false);
    let item = rust_type(&pagination.item, false);
    let fields = |rust: &[String]| {
        let names = rust.iter().map(|name| ident(name));
        quote! { #(.#names)* }
    };
    let index = fields(&pagination.page_index.rust);
    let size = fields(&pagination.page_size.rust);
    let items = fields(&pagination.items.rust);
    let total = match &pagination.total {
        None => quote! { ::core::option::Option::None },
        Some(total) if total.optional => {
            let total = fields(&total.rust);
            quote! { page #total }
        }
        Some(total) => {
            let total = fields(&total.rust);
            quote! { ::core::option::Option::Some(page #total) }
        }
    };
    let stops = match &pagination.total {
        Some(total) => format!(
            "an empty page, a page shorter than `{}`, or when the items seen reach `{}`",
            pagination.page_size.wire, total.wire
        ),
        None => format!("an empty page or a page shorter than `{}`", pagination.page_size.wire),
    };
    let docs = doc(&format!(
        "Every page of {}, from the body's `{}` on.\n\nCalls [`Self::{}`] once per page, when the next page is asked for, and stops after {stops}, or after the first error. The result is a stream (`futures_core::Stream`) with an inherent `next()`; see [`crate::runtime::Pages`].",
        endpoint.title, pagination.page_index.wire, endpoint.name
    ));
    let example = pages_example(endpoint, spec).map(|text| {
        let lines = doc_lines(&text);
        quote! { #[doc = ""] #lines }
    });
    Some(quote! {
        impl crate::Client {
            #docs
            #example
            pub fn #pages<'a>(&'a self, #(#params,)* body: &#body_ty) -> crate::runtime::Pages<'a, #item> {
                let body = body.clone();
                let (first, size) = (body #index, body #size);
                crate::runtime::Pages::new(first, size, move |index| {
                    let mut body = body.clone();
                    body #index = index;
                    async move {
                        let page = self.#method(#(#args,)* &body).await?;
                        let total = #total;
                        ::core::result::Result::Ok(crate::runtime::Page::new(index, page #items, total))
                    }
                })
            }
        }
    })
}

fn method_doc(endpoint: &Endpoint) -> TokenStream {
    let mut text = format!("{}.", endpoint.title);
    if let Some(description) = &endpoint.description {
        text.push_str("\n\n");
        text.push_str(description.trim());
    }
    let method = match endpoint.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    text.push_str(&format!("\n\n`{method} {}`", endpoint.path));
    if let Some(url) = &endpoint.docs_url {
        text.push_str(&format!(" ([API documentation]({url}))"));
    }
    text.push_str("\n\n# Limits");
    if let Body::Array {
        min_items, max_items, ..
    } = &endpoint.body
    {
        let range = match max_items {
            Some(max) => format!("{min_items} to {max}"),
            None => format!("at least {min_items}"),
        };
        text.push_str(&format!(
            "\n\nEach call takes {range} items; other counts are refused with [`crate::Error::ItemCount`] before anything is sent."
        ));
    }
    let seconds = endpoint.rate_limit.per_millis as f64 / 1000.0;
    text.push_str(&format!(
        "\n\nThe documented rate limit is {} calls in {seconds} seconds.",
        endpoint.rate_limit.calls
    ));
    text.push_str(if endpoint.idempotent {
        " The call is idempotent: sending it twice has the effect of sending it once."
    } else {
        " The call is not idempotent: repeating a call whose outcome is unknown can apply it twice."
    });
    text.push_str("\n\n# Errors\n\nThe documented statuses:");
    for status in &endpoint.statuses {
        let processed = match status.processed {
            Processed::Always => "processed",
            Processed::Never => "not processed",
            Processed::Unknown => "may or may not have been processed",
        };
        text.push_str(&format!(
            "\n\n- {}: {} ({processed})",
            status.code,
            status.meaning.trim()
        ));
    }
    let lines: Vec<&str> = text.split('\n').collect();
    // Lists and code keep their own lines; paragraphs are wrapped.
    let mut out = TokenStream::new();
    for paragraph in lines.join("\n").split("\n\n") {
        if !out.is_empty() {
            out.extend(quote! { #[doc = ""] });
        }
        out.extend(doc(paragraph));
    }
    out
}

fn emit_method(endpoint: &Endpoint, spec: &Spec) -> TokenStream {
    let method = ident(&endpoint.name);
    let descriptor = const_name(endpoint);
    let docs = method_doc(endpoint);
    let example = method_example(endpoint, spec).map(|text| {
        let lines = doc_lines(&text);
        quote! { #[doc = ""] #lines }
    });
    let mut params = Vec::new();
    let mut steps = Vec::new();
    for field in endpoint.query.iter().filter(|f| f.required) {
        let name = ident(&field.rust);
        let wire = &field.wire;
        let (ty, value) = param_argument(field);
        params.push(quote! { #name: #ty });
        steps.push(quote! { let request = request.query(#wire, #value); });
    }
    if optional_params(endpoint).next().is_some() {
        let options = options_name(endpoint);
        params.push(quote! { options: &#options });
        for field in optional_params(endpoint) {
            let name = ident(&field.rust);
            let wire = &field.wire;
            steps.push(quote! {
                let request = match &options.#name {
                    ::core::option::Option::Some(value) => request.query(#wire, value),
                    ::core::option::Option::None => request,
                };
            });
        }
    }
    match &endpoint.body {
        Body::None => {}
        Body::Object(ty) => {
            let ty = rust_type(ty, false);
            params.push(quote! { body: &#ty });
            steps.push(quote! { let request = request.json_body(body)?; });
        }
        Body::Array { items, .. } => {
            let ty = rust_type(items, false);
            params.push(quote! { items: &[#ty] });
            steps.push(quote! { let request = request.array_body(items)?; });
        }
    }
    let response = rust_type(&endpoint.response, false);
    let send = match &endpoint.unwrap {
        None => quote! { self.execute(request).await },
        Some(field) => {
            let envelope_doc = doc(&format!(
                "The response body; the method returns its `{field}` attribute."
            ));
            quote! {
            #envelope_doc
            #[derive(::serde::Deserialize)]
            struct Envelope {
                #[serde(rename = #field)]
                value: #response,
            }
            self.execute::<Envelope>(request).await.map(|envelope| envelope.value)
            }
        }
    };
    quote! {
        impl crate::Client {
            #docs
            #example
            pub async fn #method(&self, #(#params),*) -> ::core::result::Result<#response, crate::Error> {
                let request = crate::runtime::Request::new(&#descriptor);
                #(#steps)*
                #send
            }
        }
    }
}

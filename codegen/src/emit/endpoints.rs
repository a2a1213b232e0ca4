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
    let bulk = emit_bulk(endpoint);
    let row_result = emit_row_result(endpoint);
    quote! {
        #description
        #options
        #method
        #pages
        #bulk
        #row_result
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
    let (params, args) = borrowed_params(endpoint);
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

/// For an endpoint with an array body and an item limit, `<name>_all`: a bulk job over any
/// number of rows, in calls of at most the limit, under the client's rate limiter.
fn emit_bulk(endpoint: &Endpoint) -> Option<TokenStream> {
    let Body::Array {
        items,
        max_items: Some(max),
        ..
    } = &endpoint.body
    else {
        return None;
    };
    let method = ident(&endpoint.name);
    let all = format_ident!("{}_all", endpoint.name);
    let descriptor = const_name(endpoint);
    let (params, args) = borrowed_params(endpoint);
    let item = rust_type(items, false);
    let (result, split) = match &endpoint.row_results {
        Some(results) => {
            let result = rust_type(&TypeRef::Named(results.type_name.clone()), false);
            (
                result,
                quote! { crate::runtime::bulk::per_row(#descriptor.name, answer, rows.len()) },
            )
        }
        None => (
            quote! { () },
            quote! { { let _ = answer; crate::runtime::bulk::whole_request(rows.len()) } },
        ),
    };
    let per_row = if endpoint.row_results.is_some() {
        "Each row's outcome comes from its own result in the answer, matched by row number."
    } else {
        "The endpoint does not answer per row, so a successful call makes each of its rows `Succeeded` without an id."
    };
    let docs = doc(&format!(
        "{} for any number of rows: a bulk job (see [`crate::runtime::bulk`]).\n\nReads `rows` lazily (use [`crate::runtime::bulk::from_iter`] for a slice, `Vec` or iterator), sends them in calls of at most {max} under the client's rate limit ([`crate::ClientBuilder::rate_limit`]), retries only what is safe, and yields one [`crate::runtime::RowReport`] per row, tied to its index. {per_row}",
        endpoint.title
    ));
    Some(quote! {
        impl crate::Client {
            #docs
            pub fn #all<'a, S>(&'a self, #(#params,)* rows: S, bulk: &crate::runtime::BulkOptions) -> crate::runtime::Bulk<'a, #result>
            where
                S: ::futures_core::Stream<Item = #item> + ::core::marker::Send + 'a,
            {
                let send = move |rows: ::std::sync::Arc<[#item]>| async move {
                    let answer = self.#method(#(#args,)* &rows).await?;
                    ::core::result::Result::Ok(#split)
                };
                crate::runtime::Bulk::new(self, &#descriptor, rows, bulk, send)
            }
        }
    })
}

/// `RowResult` for the per-row result type of a bulk endpoint.
fn emit_row_result(endpoint: &Endpoint) -> Option<TokenStream> {
    let results = endpoint.row_results.as_ref()?;
    let name = rust_type(&TypeRef::Named(results.type_name.clone()), false);
    let copied = |field: &Field| {
        let rust = ident(&field.rust);
        if field.required {
            quote! { ::core::option::Option::Some(self.#rust) }
        } else {
            quote! { self.#rust }
        }
    };
    let borrowed = |field: Option<&Field>, deref: TokenStream| match field {
        None => quote! { ::core::option::Option::None },
        Some(field) => {
            let rust = ident(&field.rust);
            if field.required {
                quote! { ::core::option::Option::Some(&self.#rust) }
            } else {
                quote! { self.#rust.#deref }
            }
        }
    };
    let row_number = copied(&results.row_number);
    let succeeded = copied(&results.succeeded);
    let id = borrowed(results.id.as_ref(), quote! { as_deref() });
    let exception_type = match &results.exception_type {
        None => quote! { ::core::option::Option::None },
        Some(field) => {
            let rust = ident(&field.rust);
            if field.required {
                quote! { ::core::option::Option::Some(self.#rust.as_str()) }
            } else {
                quote! { self.#rust.as_ref().map(|value| value.as_str()) }
            }
        }
    };
    let message = borrowed(results.message.as_ref(), quote! { as_deref() });
    Some(quote! {
        impl crate::runtime::RowResult for #name {
            fn row_number(&self) -> ::core::option::Option<i64> { #row_number }
            fn succeeded(&self) -> ::core::option::Option<bool> { #succeeded }
            fn id(&self) -> ::core::option::Option<&str> { #id }
            fn exception_type(&self) -> ::core::option::Option<&str> { #exception_type }
            fn message(&self) -> ::core::option::Option<&str> { #message }
        }
    })
}

/// The required query parameters and options of `endpoint` as parameters that borrow for `'a`,
/// and the argument list that passes them on.
fn borrowed_params(endpoint: &Endpoint) -> (Vec<TokenStream>, Vec<TokenStream>) {
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
    (params, args)
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

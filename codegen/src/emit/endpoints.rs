//! Emits `endpoints.rs` and `requests.rs`.
//!
//! Per endpoint, `endpoints.rs` holds a description constant and the methods on `Client`: one
//! that starts a call (`<name>`), and for paged and bulk endpoints `<name>_pages` and
//! `<name>_all`. `requests.rs` holds the call itself: a request builder that owns a clone of
//! the client and the call's inputs, with one setter per optional query parameter, and that is
//! sent by awaiting it (`IntoFuture`) or with `send`. The builder holds no transport logic:
//! limits, validation, sending and error decoding are the runtime's, so a fix there reaches
//! every endpoint.
//!
//! The shape is chosen so that the spec can grow without breaking callers: required inputs are
//! positional arguments (changing them is breaking, and `cargo xtask diff` says so), while an
//! optional query parameter only adds a builder method.

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::example::{method_example, pages_example};
use super::types::needs_validation;
use super::{Paths, doc, doc_lines, feature_cfg, gated, ident, lit};
use crate::model::{
    Body, Endpoint, Field, FieldPath, Make, Method, PageStyle, PageValue, Processed, Spec, Status, TypeRef,
};

pub(super) fn sources(spec: &Spec) -> Vec<String> {
    let mut sources: Vec<String> = spec.endpoints.iter().map(|e| e.site.file.clone()).collect();
    sources.sort();
    sources.dedup();
    sources
}

pub(super) fn emit_endpoints(spec: &Spec, paths: &Paths) -> TokenStream {
    let default_statuses = emit_default_statuses(&spec.api.statuses);
    let endpoints = spec.endpoints.iter().map(|endpoint| {
        let description = emit_description(endpoint, spec);
        let methods = emit_client_methods(endpoint, spec, paths);
        let row_result = emit_row_result(endpoint, paths);
        let cfg = feature_cfg(spec, &endpoint.group);
        gated(
            cfg.as_ref(),
            quote! {
                #description
                #methods
                #row_result
            },
        )
    });
    let all = spec.endpoints.iter().map(|endpoint| {
        let cfg = feature_cfg(spec, &endpoint.group);
        let name = const_name(endpoint);
        quote! { #cfg &#name }
    });
    quote! {
        #![doc = " One description per endpoint, and the methods of `Client` that call it."]
        #default_statuses
        /// Every endpoint's description, in spec order.
        pub const ALL: &[&crate::runtime::Endpoint] = &[#(#all),*];
        #(#endpoints)*
    }
}

pub(super) fn emit_requests(spec: &Spec, paths: &Paths) -> TokenStream {
    let builders = spec.endpoints.iter().map(|endpoint| {
        let cfg = feature_cfg(spec, &endpoint.group);
        gated(cfg.as_ref(), emit_builder(endpoint, spec, paths))
    });
    quote! {
        #![doc = " The calls, one request builder per endpoint: set optional parameters, then `.await` it."]
        #![doc = ""]
        #![doc = " Each builder is returned by the `Client` method of the same name in snake_case, owns a"]
        #![doc = " clone of the client and its inputs (so it can be stored, returned or spawned), and sends"]
        #![doc = " nothing until it is awaited or its `send` method is called."]
        #(#builders)*
    }
}

pub(super) fn const_name(endpoint: &Endpoint) -> Ident {
    ident(&endpoint.name.to_shouty_snake_case())
}

pub(super) fn builder_name(endpoint: &Endpoint) -> Ident {
    ident(&endpoint.name.to_upper_camel_case())
}

/// The statuses shared by every endpoint that does not list its own, emitted once.
fn emit_default_statuses(statuses: &[Status]) -> TokenStream {
    let statuses = statuses.iter().map(emit_status);
    quote! {
        /// The statuses every endpoint documents unless it lists its own (and calls to
        /// endpoints the spec does not describe, through `Client::call`).
        pub const DEFAULT_STATUSES: &[crate::runtime::StatusSpec] = &[#(#statuses),*];
    }
}

fn emit_status(status: &Status) -> TokenStream {
    let (code, meaning) = (lit(status.code.into()), &status.meaning);
    let processed = match status.processed {
        Processed::Always => quote! { Always },
        Processed::Never => quote! { Never },
        Processed::Unknown => quote! { Unknown },
    };
    quote! {
        crate::runtime::StatusSpec { code: #code, meaning: #meaning, processed: crate::runtime::Processed::#processed }
    }
}

fn emit_description(endpoint: &Endpoint, spec: &Spec) -> TokenStream {
    let name_const = const_name(endpoint);
    let docs = doc(&format!(
        "Describes {}: method, path, item limits, rate-limit class and documented statuses.",
        endpoint.title
    ));
    let (name, title, group, path) = (&endpoint.name, &endpoint.title, &endpoint.group, &endpoint.path);
    let docs_url = match &endpoint.docs_url {
        Some(url) => quote! { Some(#url) },
        None => quote! { None },
    };
    let method = match endpoint.method {
        Method::Get => quote! { Get },
        Method::Post => quote! { Post },
    };
    let idempotent = endpoint.idempotent;
    let changes_state = endpoint.changes_state;
    let items = match &endpoint.body {
        Body::Array {
            min_items, max_items, ..
        } => {
            let min_items = lit(*min_items as u64);
            let max = match max_items {
                Some(max) => {
                    let max = lit(*max as u64);
                    quote! { Some(#max) }
                }
                None => quote! { None },
            };
            quote! { Some(crate::runtime::ItemLimit { min: #min_items, max: #max }) }
        }
        _ => quote! { None },
    };
    // Validated: the class exists. The first class is the fallback an invalid model cannot reach.
    let class_index = lit(spec.api.rate_class(&endpoint.rate_class).map_or(0, |(index, _)| index) as u64);
    let statuses = if !spec.api.statuses.is_empty() && endpoint.statuses == spec.api.statuses {
        quote! { DEFAULT_STATUSES }
    } else {
        let statuses = endpoint.statuses.iter().map(emit_status);
        quote! { &[#(#statuses),*] }
    };
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
            changes_state: #changes_state,
            items: #items,
            rate_class: &super::api::API.rate_classes[#class_index],
            statuses: #statuses,
        };
    }
}

fn optional_params(endpoint: &Endpoint) -> impl Iterator<Item = &Field> {
    endpoint.query.iter().filter(|f| !f.required)
}

fn required_params(endpoint: &Endpoint) -> impl Iterator<Item = &Field> {
    endpoint.query.iter().filter(|f| f.required)
}

/// How a value is taken by a method: the parameter's type, and the expression that turns the
/// argument into the stored value (strings and arrays take `impl Into<…>`).
fn taken(name: &Ident, ty: &TypeRef, paths: &Paths) -> (TokenStream, TokenStream) {
    match ty {
        TypeRef::String => (quote! { impl Into<String> }, quote! { #name.into() }),
        TypeRef::Array(inner) => {
            let inner = paths.rust_type(inner);
            (quote! { impl Into<Vec<#inner>> }, quote! { #name.into() })
        }
        ty => (paths.rust_type(ty), quote! { #name }),
    }
}

/// The stored body: its field name and type, if the endpoint has a body.
fn body_field(endpoint: &Endpoint, paths: &Paths) -> Option<(Ident, TokenStream, TokenStream)> {
    match &endpoint.body {
        Body::None => None,
        Body::Object { ty, required: true } => Some((ident("body"), paths.rust_type(ty), paths.rust_type(ty))),
        Body::Object { ty, required: false } => {
            let ty = paths.rust_type(ty);
            Some((ident("body"), quote! { Option<#ty> }, ty))
        }
        Body::Array { items, .. } => {
            let item = paths.rust_type(items);
            Some((ident("items"), quote! { Vec<#item> }, quote! { [#item] }))
        }
    }
}

/// The method's positional inputs: required query parameters in spec order, then the body.
/// Returns parameters, and the expressions that store them.
fn positional(endpoint: &Endpoint, paths: &Paths) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut params = Vec::new();
    let mut values = Vec::new();
    for field in required_params(endpoint) {
        let name = ident(&field.rust);
        let (ty, value) = taken(&name, &field.ty, paths);
        params.push(quote! { #name: #ty });
        values.push(value);
    }
    match &endpoint.body {
        // An optional body is set on the builder with `body(…)`.
        Body::None | Body::Object { required: false, .. } => {}
        Body::Object { ty, required: true } => {
            let ty = paths.rust_type(ty);
            params.push(quote! { body: #ty });
            values.push(quote! { body });
        }
        Body::Array { items, .. } => {
            let (ty, value) = taken(&ident("items"), &TypeRef::Array(Box::new(items.clone())), paths);
            params.push(quote! { items: #ty });
            values.push(value);
        }
    }
    (params, values)
}

fn emit_client_methods(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> TokenStream {
    let method = ident(&endpoint.name);
    let builder = builder_name(endpoint);
    let docs = method_doc(endpoint, spec);
    // The loader reported an example that cannot be written; a valid spec has none.
    let example = method_example(endpoint, spec, paths).ok().flatten().map(|text| {
        let lines = doc_lines(&text);
        quote! { #[doc = ""] #lines }
    });
    let (params, values) = positional(endpoint, paths);
    let pages = emit_pages(endpoint, spec, paths);
    let bulk = emit_bulk(endpoint, spec, paths);
    quote! {
        impl crate::Client {
            #docs
            #example
            pub fn #method(&self, #(#params),*) -> super::requests::#builder {
                super::requests::#builder::new(self.clone(), #(#values),*)
            }
            #pages
            #bulk
        }
    }
}

/// The request builder of `endpoint`.
fn emit_builder(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> TokenStream {
    let name = builder_name(endpoint);
    let method = &endpoint.name;
    let descriptor = const_name(endpoint);
    let docs = doc(&format!(
        "A call to {}, made by [`crate::Client::{method}`]: set its optional parameters, then `.await` it (or call [`Self::send`]).",
        endpoint.title
    ));
    let response = paths.rust_type(&endpoint.response);

    let mut fields = Vec::new();
    let mut new_params = Vec::new();
    let mut inits = Vec::new();
    let mut steps = Vec::new();
    for field in required_params(endpoint) {
        let rust = ident(&field.rust);
        let ty = paths.rust_type(&field.ty);
        let wire = &field.wire;
        fields.push(quote! { #rust: #ty, });
        new_params.push(quote! { #rust: #ty });
        inits.push(quote! { #rust, });
        steps.push(quote! { .query(#wire, &self.#rust) });
    }
    for field in optional_params(endpoint) {
        let rust = ident(&field.rust);
        let ty = paths.rust_type(&field.ty);
        let wire = &field.wire;
        fields.push(quote! { #rust: Option<#ty>, });
        inits.push(quote! { #rust: None, });
        steps.push(quote! { .query_opt(#wire, self.#rust.as_ref()) });
    }
    let setters = optional_params(endpoint).map(|field| {
        let rust = ident(&field.rust);
        let (arg, value) = taken(&rust, &field.ty, paths);
        let description = field.description.as_deref().unwrap_or("").trim();
        let docs = doc(&format!("Sets the query parameter `{}`: {description}", field.wire));
        quote! {
            #docs
            pub fn #rust(mut self, #rust: #arg) -> Self {
                self.#rust = Some(#value);
                self
            }
        }
    });
    let body = body_field(endpoint, paths);
    let mut body_setter = None;
    let (call_param, call_body, send_arg) = match (&endpoint.body, &body) {
        (
            Body::Object {
                ty: body_type,
                required: true,
            },
            Some((field, ty, _)),
        ) => {
            let set_body = if needs_validation(body_type, spec) {
                quote! { .checked_json_body(body)? }
            } else {
                quote! { .json_body(body)? }
            };
            fields.push(quote! { #field: #ty, });
            new_params.push(quote! { #field: #ty });
            inits.push(quote! { #field, });
            (Some(quote! { body: &#ty }), set_body, quote! { &self.#field })
        }
        (
            Body::Object {
                ty: body_type,
                required: false,
            },
            Some((field, ty, borrowed)),
        ) => {
            let set_body = if needs_validation(body_type, spec) {
                quote! { .checked_json_body_opt(body)? }
            } else {
                quote! { .json_body_opt(body)? }
            };
            fields.push(quote! { #field: #ty, });
            inits.push(quote! { #field: None, });
            let docs = doc(
                "Sets the request body, which this endpoint does not require: without it, the call is sent with no body.",
            );
            body_setter = Some(quote! {
                #docs
                pub fn body(mut self, body: #borrowed) -> Self {
                    self.body = Some(body);
                    self
                }
            });
            (
                Some(quote! { body: Option<&#borrowed> }),
                set_body,
                quote! { self.#field.as_ref() },
            )
        }
        (Body::Array { items, .. }, Some((field, ty, slice))) => {
            let set_body = if needs_validation(items, spec) {
                quote! { .checked_array_body(items)? }
            } else {
                quote! { .array_body(items)? }
            };
            fields.push(quote! { #field: #ty, });
            new_params.push(quote! { #field: #ty });
            inits.push(quote! { #field, });
            (Some(quote! { items: &#slice }), set_body, quote! { &self.#field })
        }
        _ => (None, quote! {}, quote! {}),
    };
    let decode = match &endpoint.unwrap {
        None => quote! { self.client.execute(request).await },
        Some(field) => {
            let envelope_doc = doc(&format!("The response body; the call returns its `{field}` attribute."));
            quote! {
                #envelope_doc
                #[derive(::serde::Deserialize)]
                struct Envelope {
                    #[serde(rename = #field)]
                    value: #response,
                }
                self.client.execute::<Envelope>(request).await.map(|envelope| envelope.value)
            }
        }
    };
    let (call_vis, call_doc) = if matches!(endpoint.body, Body::Array { max_items: Some(_), .. }) {
        (
            quote! { pub(crate) },
            quote! { #[doc = " Sends the call with `items` as its body; bulk jobs send each batch this way."] },
        )
    } else {
        (
            quote! {},
            quote! { #[doc = " Sends the call with `body` as its body."] },
        )
    };
    let call_param = call_param.into_iter();
    let page_setters = emit_page_setters(endpoint, paths);
    let send_doc = doc(&format!(
        "Sends the call and decodes the answer.\n\nAwaiting the builder does the same. See [`crate::Client::{method}`] for the errors."
    ));
    quote! {
        #docs
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct #name {
            client: crate::Client,
            #(#fields)*
        }

        impl #name {
            pub(crate) fn new(client: crate::Client, #(#new_params),*) -> Self {
                Self { client, #(#inits)* }
            }

            #(#setters)*
            #body_setter
            #page_setters

            #send_doc
            pub async fn send(self) -> Result<#response, crate::Error> {
                self.call(#send_arg).await
            }

            #call_doc
            #call_vis async fn call(&self, #(#call_param)*) -> Result<#response, crate::Error> {
                let request = crate::runtime::Request::new(&super::endpoints::#descriptor)
                    #(#steps)*
                    #call_body;
                #decode
            }
        }

        impl ::core::future::IntoFuture for #name {
            type Output = Result<#response, crate::Error>;
            type IntoFuture = crate::runtime::ResponseFuture<#response>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    }
}

/// For a paged endpoint: the builder's page setters (`page`, and `page_index`/`page_size` when
/// the body always holds them; `window` for offset paging), the private `set_page` they and the
/// walker share, and `pages`.
fn emit_page_setters(endpoint: &Endpoint, paths: &Paths) -> Option<TokenStream> {
    let pagination = endpoint.pagination.as_ref()?;
    let descriptor = const_name(endpoint);
    let Body::Object { .. } = &endpoint.body else {
        return None;
    };
    let (position_wire, size_wire) = (&pagination.position.wire, &pagination.size.wire);
    let writer = &pagination.writer;
    let through_optional = writer.absent_body.is_some()
        || writer.steps.iter().any(|step| step.absent.is_some())
        || pagination.position.optional
        || pagination.size.optional;

    // `set_page`: write a page's position and size, making what the caller left out.
    let make = |make: &Make, ty: TokenStream| match make {
        Make::Default => quote! { #ty::default },
        Make::New(values) => {
            let args = values.iter().map(|value| match value {
                PageValue::Position => quote! { position },
                PageValue::Size => quote! { size },
            });
            quote! { || #ty::new(#(#args),*) }
        }
    };
    let mut walk = Vec::new();
    let mut holder = quote! { self.body };
    if let Some(absent) = &writer.absent_body {
        let Body::Object { ty, .. } = &endpoint.body else {
            return None;
        };
        let make = make(absent, paths.rust_type(ty));
        walk.push(quote! { let body = self.body.get_or_insert_with(#make); });
        holder = quote! { body };
    }
    for step in &writer.steps {
        let field = ident(&step.rust);
        if let Some(absent) = &step.absent {
            let make = make(absent, paths.rust_type(&TypeRef::Named(step.type_name.clone())));
            walk.push(quote! { let #field = #holder.#field.get_or_insert_with(#make); });
            holder = quote! { #field };
        } else {
            holder = quote! { #holder.#field };
        }
    }
    let leaf = |path: &FieldPath, value: TokenStream| {
        let field = ident(path.rust.last().map(String::as_str).unwrap_or_default());
        let value = if path.optional {
            quote! { Some(#value) }
        } else {
            value
        };
        quote! { #holder.#field = #value; }
    };
    let set_position = leaf(&pagination.position, quote! { position });
    let set_size = leaf(&pagination.size, quote! { size });
    let set_page_doc = doc(&format!(
        "Writes a page's `{position_wire}` and `{size_wire}` into the body{}.",
        if through_optional {
            ", making what was left out"
        } else {
            ""
        }
    ));
    let set_page = quote! {
        #set_page_doc
        fn set_page(&mut self, position: i64, size: i64) {
            #(#walk)*
            #set_position
            #set_size
        }
    };

    // What the caller's body says: the first page's position and the size, when given.
    let read = |path: &FieldPath| -> TokenStream {
        if !through_optional {
            let fields = path.rust.iter().map(|name| ident(name));
            return quote! { self.body #(.#fields)* };
        }
        // A place while every attribute so far is required (`self.body.paging`), then an
        // `Option` chain from the first one that may be absent.
        let mut place = quote! { self.body };
        let mut chain: Option<TokenStream> = writer.absent_body.is_some().then(|| quote! { self.body.as_ref() });
        let mut value = ident("body");
        for step in &writer.steps {
            let field = ident(&step.rust);
            chain = match (chain, step.absent.is_some()) {
                (None, false) => {
                    place = quote! { #place.#field };
                    None
                }
                (None, true) => Some(quote! { #place.#field.as_ref() }),
                (Some(chain), true) => Some(quote! { #chain.and_then(|#value| #value.#field.as_ref()) }),
                (Some(chain), false) => Some(quote! { #chain.map(|#value| &#value.#field) }),
            };
            value = field;
        }
        let field = ident(path.rust.last().map(String::as_str).unwrap_or_default());
        match (chain, path.optional) {
            (None, true) => quote! { #place.#field },
            (None, false) => quote! { Some(#place.#field) },
            (Some(chain), true) => quote! { #chain.and_then(|#value| #value.#field) },
            (Some(chain), false) => quote! { #chain.map(|#value| #value.#field) },
        }
    };
    let (first, size) = (read(&pagination.position), read(&pagination.size));
    let (first, size) = if through_optional {
        let first_value = lit(pagination.style.first() as u64);
        (quote! { #first.unwrap_or(#first_value) }, size)
    } else {
        (first, quote! { Some(#size) })
    };

    let items = {
        let names = pagination.items.rust.iter().map(|name| ident(name));
        quote! { #(.#names)* }
    };
    let item = paths.rust_type(&pagination.item);
    let total = match &pagination.total {
        None => quote! { None },
        Some(total) => {
            let names = total.rust.iter().map(|name| ident(name));
            if total.optional {
                quote! { page #(.#names)* }
            } else {
                quote! { Some(page #(.#names)*) }
            }
        }
    };
    let style = match pagination.style {
        PageStyle::Index => quote! { Index },
        PageStyle::Offset => quote! { Offset },
    };

    let setters = match pagination.style {
        PageStyle::Index => {
            let page_doc = doc(&format!(
                "Asks for one page: sets the body's `{position_wire}` (the first page is 1) and `{size_wire}` (how many items a page holds)."
            ));
            let page = quote! {
                #page_doc
                pub fn page(mut self, page_index: i64, page_size: i64) -> Self {
                    self.set_page(page_index, page_size);
                    self
                }
            };
            if through_optional {
                page
            } else {
                let index = pagination.position.rust.iter().map(|name| ident(name));
                let size = pagination.size.rust.iter().map(|name| ident(name));
                let index_doc = doc(&format!(
                    "Sets the body's `{position_wire}`: the page to fetch (the first is 1)."
                ));
                let size_doc = doc(&format!("Sets the body's `{size_wire}`: how many items a page holds."));
                quote! {
                    #page
                    #index_doc
                    pub fn page_index(mut self, page_index: i64) -> Self {
                        self.body #(.#index)* = page_index;
                        self
                    }
                    #size_doc
                    pub fn page_size(mut self, page_size: i64) -> Self {
                        self.body #(.#size)* = page_size;
                        self
                    }
                }
            }
        }
        PageStyle::Offset => {
            let window_doc = doc(&format!(
                "Asks for a window of items: sets the body's `{position_wire}` (how many items to skip) and `{size_wire}` (how many to return)."
            ));
            quote! {
                #window_doc
                pub fn window(mut self, offset: i64, row_count: i64) -> Self {
                    self.set_page(offset, row_count);
                    self
                }
            }
        }
    };
    let stops = match &pagination.total {
        Some(total) => format!(
            "an empty page, a page shorter than `{size_wire}`, or when the items seen reach `{}`",
            total.wire
        ),
        None => format!("an empty page or a page shorter than `{size_wire}`"),
    };
    let when_absent = if through_optional {
        format!(" ({} when absent)", pagination.style.first())
    } else {
        String::new()
    };
    let addressed = match pagination.style {
        PageStyle::Index => format!("from the body's `{position_wire}` on{when_absent}"),
        PageStyle::Offset => format!(
            "from the body's `{position_wire}` on{when_absent}, each page's offset being the items seen before it"
        ),
    };
    let unknown_size = if through_optional {
        format!(
            " When the body gives no `{size_wire}`, the first call is sent as it is and the server's own page size, learned from its answer, is asked for from then on."
        )
    } else {
        String::new()
    };
    let pages_doc = doc(&format!(
        "Every page {addressed}, as a stream ([`crate::pages::Pages`]).\n\nSends one call per page, when the next page is asked for and the limit of the endpoint's rate-limit class (`{}`) allows it, and stops after {stops}, or after the first error.{unknown_size} The stream owns the builder, so it can be returned or spawned.",
        endpoint.rate_class
    ));
    Some(quote! {
        #setters

        #set_page

        #pages_doc
        pub fn pages(mut self) -> crate::runtime::Pages<#item> {
            // The walk waits for the rate limit before each page; the calls themselves do not.
            let client = self.client.clone();
            let (first, size) = (#first, #size);
            self.client = client.for_job();
            crate::runtime::Pages::new(
                &client,
                &super::endpoints::#descriptor,
                crate::runtime::PageStyle::#style,
                first,
                size,
                move |at: crate::runtime::PageAt| {
                    let mut call = self.clone();
                    if let Some(size) = at.size {
                        call.set_page(at.position, size);
                    }
                    async move {
                        let page = call.send().await?;
                        let total = #total;
                        Ok(crate::runtime::Page::new(at.position, page #items, total))
                    }
                },
            )
        }
    })
}

/// For a paged endpoint, `<name>_pages`: the same arguments, and every page as a stream.
fn emit_pages(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Option<TokenStream> {
    let pagination = endpoint.pagination.as_ref()?;
    let Body::Object { .. } = &endpoint.body else {
        return None;
    };
    let method = ident(&endpoint.name);
    let pages = format_ident!("{}_pages", endpoint.name);
    let (params, _) = positional(endpoint, paths);
    let body_argument = matches!(endpoint.body, Body::Object { required: true, .. }).then(|| ident("body"));
    let args = required_params(endpoint)
        .map(|field| ident(&field.rust))
        .chain(body_argument);
    let item = paths.rust_type(&pagination.item);
    let docs = doc(&format!(
        "Every page of {}, from the body's `{}` on: `self.{}(…).pages()`.\n\nThe stream owns a clone of the client and the arguments, so it can be returned from a function, stored or spawned. See [`crate::pages::Pages`].",
        endpoint.title, pagination.position.wire, endpoint.name
    ));
    let example = pages_example(endpoint, spec, paths).ok().flatten().map(|text| {
        let lines = doc_lines(&text);
        quote! { #[doc = ""] #lines }
    });
    Some(quote! {
        #docs
        #example
        pub fn #pages(&self, #(#params),*) -> crate::runtime::Pages<#item> {
            self.#method(#(#args),*).pages()
        }
    })
}

/// For an endpoint with an array body and an item limit, `<name>_all`: a bulk job over any
/// number of rows, in calls of at most the limit, under the client's rate limiter.
fn emit_bulk(endpoint: &Endpoint, spec: &Spec, paths: &Paths) -> Option<TokenStream> {
    let Body::Array {
        items,
        max_items: Some(max),
        ..
    } = &endpoint.body
    else {
        return None;
    };
    let all = format_ident!("{}_all", endpoint.name);
    let builder = builder_name(endpoint);
    let descriptor = const_name(endpoint);
    let mut params = Vec::new();
    let mut values = Vec::new();
    for field in required_params(endpoint) {
        let name = ident(&field.rust);
        let (ty, value) = taken(&name, &field.ty, paths);
        params.push(quote! { #name: #ty });
        values.push(value);
    }
    let item = paths.rust_type(items);
    // Rows are checked one by one before they are gathered into calls.
    let check = if needs_validation(items, spec) {
        quote! { |row: &#item| crate::runtime::Validate::validate(row) }
    } else {
        quote! { |_: &#item| Ok(()) }
    };
    let (result, split) = match &endpoint.row_results {
        Some(results) => {
            let result = paths.rust_type(&TypeRef::Named(results.type_name.clone()));
            (
                result,
                quote! {
                    let answer = call.call(&rows).await?;
                    Ok(crate::runtime::bulk::per_row(#descriptor.name, answer, rows.len()))
                },
            )
        }
        None => (
            quote! { () },
            quote! {
                call.call(&rows).await?;
                Ok(crate::runtime::bulk::whole_request(rows.len()))
            },
        ),
    };
    let per_row = if endpoint.row_results.is_some() {
        "Each row's outcome comes from its own result in the answer, matched by row number."
    } else {
        "The endpoint does not answer per row, so a successful call makes each of its rows `Accepted`: the server took the call, and a row it refused inside a successful answer would not be seen."
    };
    let docs = doc(&format!(
        "{} for any number of rows: a bulk job (see [`crate::bulk`]).\n\n`rows` is anything iterable (a `Vec`, an array, an iterator) or a `futures` stream, read lazily. Each row is checked against the spec's rules first (a row that breaks one is reported `Invalid` and not sent); the job sends the rest in calls of at most {max}, each after waiting for the limit of the endpoint's rate-limit class (`{class}`; see [`crate::ClientBuilder::plan`] and [`crate::ClientBuilder::rate_limit_for`]), retries only what is safe, and yields one [`crate::bulk::RowReport`] per row, tied to its index. {per_row} The job owns a clone of the client and its arguments, so it can be returned from a function, stored or spawned; [`crate::bulk::Bulk::options`] tunes it before it starts.",
        endpoint.title,
        class = endpoint.rate_class,
    ));
    Some(quote! {
        #docs
        pub fn #all<R, M>(&self, #(#params,)* rows: R) -> crate::runtime::Bulk<#result>
        where
            R: crate::runtime::IntoRows<#item, M>,
        {
            // The job waits for the rate limit before each call; the calls themselves do not.
            let call = ::std::sync::Arc::new(super::requests::#builder::new(self.for_job(), #(#values,)* Vec::new()));
            let send = move |rows: ::std::sync::Arc<[#item]>| {
                let call = ::std::sync::Arc::clone(&call);
                async move { #split }
            };
            crate::runtime::Bulk::new(self, &#descriptor, rows.into_rows(), #check, send)
        }
    })
}

/// `RowResult` for the per-row result type of a bulk endpoint.
fn emit_row_result(endpoint: &Endpoint, paths: &Paths) -> Option<TokenStream> {
    let results = endpoint.row_results.as_ref()?;
    let name = paths.rust_type(&TypeRef::Named(results.type_name.clone()));
    let copied = |field: &Field| {
        let rust = ident(&field.rust);
        if field.required {
            quote! { Some(self.#rust) }
        } else {
            quote! { self.#rust }
        }
    };
    let borrowed = |field: Option<&Field>, deref: TokenStream| match field {
        None => quote! { None },
        Some(field) => {
            let rust = ident(&field.rust);
            if field.required {
                quote! { Some(&self.#rust) }
            } else {
                quote! { self.#rust.#deref }
            }
        }
    };
    let row_number = copied(&results.row_number);
    let succeeded = copied(&results.succeeded);
    let id = borrowed(results.id.as_ref(), quote! { as_deref() });
    let exception_type = match &results.exception_type {
        None => quote! { None },
        Some(field) => {
            let rust = ident(&field.rust);
            if field.required {
                quote! { Some(self.#rust.as_str()) }
            } else {
                quote! { self.#rust.as_ref().map(|value| value.as_str()) }
            }
        }
    };
    let message = borrowed(results.message.as_ref(), quote! { as_deref() });
    Some(quote! {
        impl crate::runtime::RowResult for #name {
            fn row_number(&self) -> Option<i64> { #row_number }
            fn succeeded(&self) -> Option<bool> { #succeeded }
            fn id(&self) -> Option<&str> { #id }
            fn exception_type(&self) -> Option<&str> { #exception_type }
            fn message(&self) -> Option<&str> { #message }
        }
    })
}

/// What the method's docs say of its rate-limit class.
fn class_text(endpoint: &Endpoint, spec: &Spec) -> String {
    let Some((_, class)) = spec.api.rate_class(&endpoint.rate_class) else {
        return String::new();
    };
    format!(
        "\n\nCalls count against the rate-limit class `{}` ([`crate::RateLimitClass::{}`]): {} without a plan ([`crate::ClientBuilder::plan`] sets the account's). A call does not wait for the limit unless the client is told to ([`crate::ClientBuilder::wait_for_rate_limit`]); past it, the server refuses the call and it fails with [`crate::Error::RateLimited`].",
        class.name,
        class.rust,
        super::api::limit_text(class.default)
    )
}

fn method_doc(endpoint: &Endpoint, spec: &Spec) -> TokenStream {
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
    let builder = builder_name(endpoint);
    let setters: Vec<String> = optional_params(endpoint)
        .map(|field| format!("`{}`", field.rust))
        .collect();
    text.push_str(&format!(
        "\n\nReturns a [`crate::requests::{builder}`]: await it to send the call{}.",
        if setters.is_empty() {
            String::new()
        } else {
            format!(
                ", after setting any of its optional query parameters ({})",
                setters.join(", ")
            )
        }
    ));
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
    text.push_str(&class_text(endpoint, spec));
    text.push_str(if endpoint.idempotent {
        " The call is idempotent: sending it twice has the effect of sending it once."
    } else {
        " The call is not idempotent: repeating a call whose outcome is unknown can apply it twice."
    });
    if endpoint.changes_state {
        text.push_str(
            "\n\n**This GET changes state.** Although it is a GET, it acts on the account: do not resend it when its outcome is unknown (the client never does), and do not put it where GETs are taken to be safe to repeat or prefetch (links, caches, crawlers).",
        );
    }
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
    // Lists and code keep their own lines; paragraphs are wrapped.
    let mut out = TokenStream::new();
    for paragraph in text.split("\n\n") {
        if !out.is_empty() {
            out.extend(quote! { #[doc = ""] });
        }
        out.extend(doc(paragraph));
    }
    out
}

//! Emission: from the validated model to formatted Rust files.
//!
//! One `emit_<kind>` function per kind of model node, each computing its locals first and
//! then writing one `quote!` shaped like the output. The emitter cannot fail on a valid
//! model; formatting parses the tokens with `syn` and prints them with `prettyplease`, so
//! the output does not depend on the rustfmt installed. Generated code refers to the
//! hand-written runtime by absolute `crate::runtime::...` paths and to sibling generated
//! modules by `super::...`, so the same output also compiles when included elsewhere (the
//! golden tests do that).

mod api;
mod endpoints;
mod example;
mod schema;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Spec, TypeRef};

/// One emitted file, before formatting: its name, the spec files it comes from, its tokens.
pub struct Emitted {
    /// File name inside the generated folder, e.g. `types.rs`.
    pub name: &'static str,
    /// Spec files this file is generated from.
    pub sources: Vec<String>,
    /// The file's items.
    pub tokens: TokenStream,
}

/// Emits every generated file of `spec`, in a fixed order.
pub fn emit(spec: &Spec) -> Vec<Emitted> {
    vec![
        Emitted {
            name: "mod.rs",
            sources: spec.sources.clone(),
            tokens: emit_mod(),
        },
        Emitted {
            name: "api.rs",
            sources: vec![spec.api.source.clone()],
            tokens: api::emit_api(&spec.api),
        },
        Emitted {
            name: "types.rs",
            sources: spec.sources.clone(),
            tokens: types::emit_types(spec),
        },
        Emitted {
            name: "endpoints.rs",
            sources: endpoints::sources(spec),
            tokens: endpoints::emit_endpoints(spec),
        },
        Emitted {
            name: "schema.rs",
            sources: spec.sources.clone(),
            tokens: schema::emit_schema(spec),
        },
    ]
}

fn emit_mod() -> TokenStream {
    let docs = inner_doc(
        "Code generated from the spec: API-level facts, the named types, one description and one method per endpoint, and the wire schema as data.",
    );
    quote! {
        #docs
        pub mod api;
        pub mod endpoints;
        pub mod schema;
        pub mod types;
    }
}

/// An unsuffixed integer literal, so that the output reads `25`, not `25u32`.
pub(crate) fn lit(value: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::u64_unsuffixed(value)
}

/// An identifier from a name the lowering has checked.
pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `#[doc]` attributes for prose, wrapped at 96 columns, one attribute per line.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = wrap(text, 96);
    quote! { #(#[doc = #lines])* }
}

/// `#[doc]` attributes for preformatted text (code, headings), one per line, not wrapped.
pub(crate) fn doc_lines(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    quote! { #(#[doc = #lines])* }
}

/// `#![doc]` attributes for a module's own docs.
pub(crate) fn inner_doc(text: &str) -> TokenStream {
    let lines = wrap(text, 96);
    quote! { #(#![doc = #lines])* }
}

/// Word-wraps `text`, keeping blank lines as paragraph breaks; each line starts with a space
/// so that it prints as `/// text`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (i, paragraph) in text.trim().split("\n\n").enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        // Continuation lines of a list item are indented, so Markdown keeps them in the item.
        let indent = if paragraph.trim_start().starts_with("- ") {
            "   "
        } else {
            " "
        };
        let mut line = String::new();
        let mut first_line = true;
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                out.push(std::mem::take(&mut line));
                first_line = false;
            }
            line.push_str(if !line.is_empty() || first_line { " " } else { indent });
            line.push_str(word);
        }
        if !line.is_empty() {
            out.push(line);
        }
    }
    out
}

/// Where a named type lives, as seen from a sibling generated module.
pub(crate) fn type_path(name: &str) -> TokenStream {
    let name = ident(name);
    quote! { super::types::#name }
}

/// The Rust type of a type expression, seen from a sibling generated module.
pub(crate) fn rust_type(ty: &TypeRef, local: bool) -> TokenStream {
    match ty {
        TypeRef::String => quote! { ::std::string::String },
        TypeRef::Integer => quote! { i64 },
        TypeRef::Number => quote! { f64 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::Json => quote! { ::serde_json::Value },
        TypeRef::Named(name) if local => {
            let name = ident(name);
            quote! { #name }
        }
        TypeRef::Named(name) => type_path(name),
        TypeRef::Array(inner) => {
            let inner = rust_type(inner, local);
            quote! { ::std::vec::Vec<#inner> }
        }
    }
}

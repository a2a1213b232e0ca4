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
mod cli;
mod endpoints;
mod example;
mod schema;
mod types;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Spec, TypeDef, TypeRef};

/// One emitted file, before formatting: its name, the spec files it comes from, its tokens.
pub struct Emitted {
    /// The crate the file belongs to.
    pub target: crate::Target,
    /// File name inside that crate's generated folder, e.g. `types.rs`.
    pub name: String,
    /// Spec files this file is generated from.
    pub sources: Vec<String>,
    /// The file's items.
    pub tokens: TokenStream,
}

/// Each endpoint whose documented examples cannot be written as calls of the generated API
/// (e.g. a value a closed enum does not list, a string where the type wants a number), with
/// where and why: its method would go without a doc example, so the loader reports them.
pub fn inexpressible_examples(spec: &Spec) -> Vec<(&crate::model::Endpoint, example::Inexpressible)> {
    let paths = Paths::new(spec);
    spec.endpoints
        .iter()
        .filter_map(|endpoint| example::problem(endpoint, spec, &paths).map(|problem| (endpoint, problem)))
        .collect()
}

/// Emits every generated file of `spec`, in a fixed order.
pub fn emit(spec: &Spec) -> Vec<Emitted> {
    let paths = Paths::new(spec);
    let groups = groups(spec);
    let mut files = vec![
        Emitted {
            target: crate::Target::Client,
            name: "mod.rs".into(),
            sources: spec.sources.clone(),
            tokens: emit_mod(spec, &groups),
        },
        Emitted {
            target: crate::Target::Client,
            name: "api.rs".into(),
            sources: vec![spec.api.site.file.clone()],
            tokens: api::emit_api(&spec.api),
        },
        Emitted {
            target: crate::Target::Client,
            name: "types.rs".into(),
            sources: types::sources(spec),
            tokens: types::emit_types(spec, None, &paths),
        },
    ];
    for group in &groups {
        files.push(Emitted {
            target: crate::Target::Client,
            name: format!("{group}.rs"),
            sources: types::sources(spec),
            tokens: types::emit_types(spec, Some(group), &paths),
        });
    }
    files.extend([
        Emitted {
            target: crate::Target::Client,
            name: "endpoints.rs".into(),
            sources: endpoints::sources(spec),
            tokens: endpoints::emit_endpoints(spec, &paths),
        },
        Emitted {
            target: crate::Target::Client,
            name: "requests.rs".into(),
            sources: endpoints::sources(spec),
            tokens: endpoints::emit_requests(spec, &paths),
        },
        Emitted {
            target: crate::Target::Sandbox,
            name: "schema.rs".into(),
            sources: spec.sources.clone(),
            tokens: schema::emit_schema(spec),
        },
        Emitted {
            target: crate::Target::Cli,
            name: "dispatch.rs".into(),
            sources: spec.sources.clone(),
            tokens: cli::emit_dispatch(spec, &paths),
        },
    ]);
    files
}

/// The groups that hold types, sorted; each becomes a module.
fn groups(spec: &Spec) -> Vec<String> {
    let groups: BTreeSet<&str> = spec.types.iter().filter_map(TypeDef::group).collect();
    groups.into_iter().map(str::to_owned).collect()
}

fn emit_mod(spec: &Spec, groups: &[String]) -> TokenStream {
    let docs = inner_doc(
        "Code generated from the spec: API-level facts, the types of each group (a module each, and `types` for those of no group), one description, one `Client` method and and one request builder per endpoint. The crate root re-exports what is public here; the wire schema the sandbox reads is generated into the sandbox crate.",
    );
    let groups = groups.iter().map(|group| {
        let cfg = feature_cfg(spec, group);
        let docs = if spec.api.group_features {
            doc(&format!(
                "The `{group}` group's types (cargo feature `{group}`, on by default)."
            ))
        } else {
            doc(&format!("The `{group}` group's types."))
        };
        let group = ident(group);
        quote! { #docs #cfg pub mod #group; }
    });
    quote! {
        #docs
        pub(crate) mod api;
        pub mod endpoints;
        pub mod requests;
        pub(crate) mod types;
        #(#groups)*
    }
}

/// `#[cfg(feature = "<group>")]` when the spec makes each group a cargo feature.
pub(crate) fn feature_cfg(spec: &Spec, group: &str) -> Option<TokenStream> {
    spec.api.group_features.then(|| quote! { #[cfg(feature = #group)] })
}

/// Puts `cfg` on every item of `items` (a group's feature gate on what an endpoint generates).
pub(crate) fn gated(cfg: Option<&TokenStream>, items: TokenStream) -> TokenStream {
    let Some(cfg) = cfg else { return items };
    match syn::parse2::<syn::File>(items.clone()) {
        Ok(file) => {
            let items = file.items.iter().map(|item| quote! { #cfg #item });
            quote! { #(#items)* }
        }
        // Not items: left as they are, and the formatter reports the emitter's mistake.
        Err(_) => items,
    }
}

/// The cargo features the client crate needs when the spec makes each group one: every group
/// with the groups its types and endpoints name, in `[features]` form; `None` otherwise.
pub fn cargo_features(spec: &Spec) -> Option<String> {
    if !spec.api.group_features {
        return None;
    }
    let deps = spec.group_dependencies();
    let quoted = |names: &mut dyn Iterator<Item = &String>| {
        names.map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ")
    };
    let mut out = format!("default = [{}]\n", quoted(&mut deps.keys()));
    for (group, needs) in &deps {
        out.push_str(&format!("{group} = [{}]\n", quoted(&mut needs.iter())));
    }
    Some(out)
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

/// Where each named type is emitted, and how generated modules refer to it.
///
/// A type lives in the module of its group, or in `types` (re-exported at the crate root) when
/// it has none. Code in one generated module refers to a type of another as `super::<module>::T`
/// and to one of its own module by its bare name. `String`, `Vec`, `Option`, `Box` and `Result`
/// are written bare: the loader refuses them as type names, so nothing generated shadows them.
pub(crate) struct Paths {
    modules: BTreeMap<String, Ident>,
}

impl Paths {
    pub(crate) fn new(spec: &Spec) -> Self {
        let mut modules = BTreeMap::new();
        modules.insert(spec.api.exceptions.name.clone(), ident("types"));
        for def in &spec.types {
            modules.insert(def.name().to_owned(), ident(def.group().unwrap_or("types")));
        }
        Paths { modules }
    }

    /// The path of a named type from the crate root, e.g. `orders::OrderLine`, or just
    /// its name for a type of no group (re-exported at the root).
    pub(crate) fn public_path(&self, name: &str) -> String {
        match self.modules.get(name).map(Ident::to_string) {
            Some(module) if module != "types" => format!("{module}::{name}"),
            _ => name.to_owned(),
        }
    }

    /// The Rust type of a type expression, seen from a module that holds no named type.
    pub(crate) fn rust_type(&self, ty: &TypeRef) -> TokenStream {
        self.rust_type_in(ty, None)
    }

    /// The Rust type of a type expression, seen from the module `here` (a group's module, or
    /// `types`).
    pub(crate) fn rust_type_in(&self, ty: &TypeRef, here: Option<&str>) -> TokenStream {
        match ty {
            TypeRef::String => quote! { String },
            TypeRef::Integer => quote! { i64 },
            TypeRef::Number => quote! { f64 },
            TypeRef::Boolean => quote! { bool },
            TypeRef::Json => quote! { ::serde_json::Value },
            TypeRef::DateTime => quote! { crate::runtime::DateTime },
            TypeRef::JsonText => quote! { crate::runtime::JsonText },
            TypeRef::Named(name) => {
                let module = self.modules.get(name).cloned().unwrap_or_else(|| ident("types"));
                let name = ident(name);
                if here.is_some_and(|here| module == here) {
                    quote! { #name }
                } else {
                    quote! { super::#module::#name }
                }
            }
            TypeRef::Array(inner) => {
                let inner = self.rust_type_in(inner, here);
                quote! { Vec<#inner> }
            }
        }
    }
}

//! The catch-all of `cargo xtask diff`: every change in the generated code must be explained.
//!
//! Both specs go through the generator; each generated file is parsed with `syn` and cut into
//! facets: for every item and member (struct field, enum variant, method, constant, and each
//! leaf of a constant's value), whether it exists, its signature, its attributes, its body,
//! its value, its docs and the order of its members. A facet that differs calls for a minimum
//! impact (its floor): a public item removed or its signature changed (derives included) is
//! breaking, something added, a body or a constant's value changed is compatible, docs, the
//! prose fields of constants and a list merely reordered are documentation. A difference is explained when a rule of `apidiff` of at least that impact
//! names (an [`Anchor`](crate::apidiff::Anchor)) something the facet mentions; the rest is reported as
//! [`Impact::Unclassified`], counted as breaking. So a spec key the rules forget, a rule that
//! under-rates a change, or a generator that emits something new for an old spec key cannot
//! make the report say less than the code shows.
//!
//! Hand-written rather than `cargo-semver-checks`, which compares built crates' rustdoc JSON
//! (a nightly toolchain and two builds of the crate per comparison) and cannot say which spec
//! change explains a difference.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Attribute, Expr, Fields, ImplItem, Item, Lit, Member, Visibility};

use crate::apidiff::{ApiChange, Impact};

/// One aspect of a generated item or member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Aspect {
    /// The item or member is there.
    Exists,
    /// Visibility, type, fields, generics, derives and other item attributes.
    Signature,
    /// A member's non-doc attributes (`serde`, `default`, `must_use`).
    Attributes,
    /// A function's body.
    Body,
    /// One leaf of a constant's or static's value.
    Value,
    /// The order of a struct's fields or an enum's variants.
    Order,
    /// `///` docs.
    Docs,
}

impl Aspect {
    fn what(self) -> &'static str {
        match self {
            Aspect::Exists => "presence",
            Aspect::Signature => "signature",
            Aspect::Attributes => "attributes",
            Aspect::Body => "body",
            Aspect::Value => "value",
            Aspect::Order => "order",
            Aspect::Docs => "docs",
        }
    }
}

/// `(file, item, member, aspect)`: `member` is empty for the item itself.
type Key = (String, String, String, Aspect);

struct Facet {
    text: String,
    words: BTreeSet<String>,
    /// Whether removing it or changing its signature breaks callers.
    public: bool,
    /// Whether adding it breaks callers (a field or variant of an exhaustive type).
    adding_breaks: bool,
}

/// One generated item or member that differs between the two specs' generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The generated file, e.g. `types.rs`.
    pub file: String,
    /// The item, e.g. `struct Row` or `impl crate::Client`.
    pub item: String,
    /// The member, e.g. `field count`; empty for the item itself.
    pub member: String,
    /// What differs: `added`, `removed`, `signature`, `body`, ...
    pub what: String,
    /// The least impact of a rule that can explain it.
    pub floor: Impact,
    /// The identifiers and words of both versions, and of the item's path.
    pub words: BTreeSet<String>,
}

/// Every difference between two sets of generated files, or why a file could not be parsed.
pub fn differences(old: &[codegen::GeneratedFile], new: &[codegen::GeneratedFile]) -> Result<Vec<Difference>, String> {
    let (old, new) = (facets(old)?, facets(new)?);
    let keys: BTreeSet<&Key> = old.keys().chain(new.keys()).collect();
    let mut found = Vec::new();
    for key in keys {
        let (file, item, member, aspect) = key;
        let (before, after) = (old.get(key), new.get(key));
        let (what, floor) = match (aspect, before, after) {
            (_, Some(a), Some(b)) if a.text == b.text => continue,
            (Aspect::Exists, Some(facet), None) => (
                "removed".to_string(),
                if facet.public {
                    Impact::Breaking
                } else {
                    Impact::Compatible
                },
            ),
            (Aspect::Exists, None, Some(facet)) => (
                "added".to_string(),
                if facet.adding_breaks {
                    Impact::Breaking
                } else {
                    Impact::Compatible
                },
            ),
            // A leaf of a value that appears or disappears is a value change.
            (Aspect::Value, _, _) => ("value".to_string(), value_floor(member, before, after)),
            // Other facets of an item that appears or disappears go with its presence.
            (_, None, _) | (_, _, None) => continue,
            (aspect, Some(facet), Some(_)) => (
                aspect.what().to_string(),
                match aspect {
                    Aspect::Signature if facet.public => Impact::Breaking,
                    Aspect::Signature | Aspect::Attributes | Aspect::Body | Aspect::Order | Aspect::Exists => {
                        Impact::Compatible
                    }
                    Aspect::Value | Aspect::Docs => Impact::Documentation,
                },
            ),
        };
        let mut words = BTreeSet::new();
        split_words(item, &mut words);
        split_words(member, &mut words);
        for facet in [before, after].into_iter().flatten() {
            words.extend(facet.words.iter().cloned());
        }
        found.push(Difference {
            file: file.clone(),
            item: item.clone(),
            member: member.clone(),
            what,
            floor,
            words,
        });
    }
    Ok(found)
}

/// Fields of generated constants that hold prose (the descriptor's title and link, the
/// examples the sandbox answers with): a change there is documentation. Any other leaf of a
/// constant's value is read by the runtime, so it calls for at least a compatible change.
const PROSE: &[&str] = &[
    "name",
    "title",
    "description",
    "docs_url",
    "query_example",
    "request_example",
    "response_example",
];

fn value_floor(member: &str, before: Option<&Facet>, after: Option<&Facet>) -> Impact {
    // `KNOWN value.types[Row].fields[Name].shape()`: the field names on the way.
    let prose = member
        .split(['.', ' '])
        .map(|segment| segment.split(['(', '[']).next().unwrap_or_default())
        .any(|name| PROSE.contains(&name));
    let reordered = member.ends_with("[]")
        && match (before, after) {
            (Some(before), Some(after)) => {
                fn sorted(text: &str) -> Vec<&str> {
                    let mut keys: Vec<&str> = text.split(", ").collect();
                    keys.sort_unstable();
                    keys
                }
                sorted(&before.text) == sorted(&after.text)
            }
            _ => false,
        };
    if prose || reordered {
        Impact::Documentation
    } else {
        Impact::Compatible
    }
}

/// The differences no change explains, one unclassified change per generated item.
///
/// A change explains a difference when its impact is at least the difference's floor and one
/// of its anchors is mentioned by the difference.
pub fn unexplained(differences: &[Difference], changes: &[ApiChange]) -> Vec<ApiChange> {
    let mut open: BTreeMap<(&str, &str), Vec<&Difference>> = BTreeMap::new();
    for difference in differences {
        let explained = changes.iter().any(|change| {
            change.impact != Impact::Unclassified
                && change.impact >= difference.floor
                && change
                    .anchors
                    .iter()
                    .any(|anchor| anchor.mentioned_in(&difference.words))
        });
        if !explained {
            open.entry((&difference.file, &difference.item))
                .or_default()
                .push(difference);
        }
    }
    open.into_iter()
        .map(|((file, item), found)| {
            let mut parts: Vec<String> = found
                .iter()
                .map(|d| {
                    if d.member.is_empty() {
                        d.what.clone()
                    } else {
                        format!("{} {}", d.member, d.what)
                    }
                })
                .collect();
            parts.dedup();
            let more = parts.len().saturating_sub(4);
            parts.truncate(4);
            if more > 0 {
                parts.push(format!("{more} more"));
            }
            ApiChange {
                impact: Impact::Unclassified,
                kind: "unclassified",
                subject: format!("`{item}` in {file}"),
                reason: format!(
                    "the generated code changes ({}) and no rule explains it: review the generated diff by hand (counted as breaking)",
                    parts.join(", ")
                ),
                anchors: Vec::new(),
            }
        })
        .collect()
}

fn facets(files: &[codegen::GeneratedFile]) -> Result<BTreeMap<Key, Facet>, String> {
    let mut collector = Collector {
        file: String::new(),
        facets: BTreeMap::new(),
    };
    // The command line's generated dispatch is an application's, not API: every change in it
    // follows from a change of the model that the rules already report.
    for file in files.iter().filter(|file| file.target != codegen::Target::Cli) {
        let name = crate::fresh::generated_path(file).to_string_lossy().replace('\\', "/");
        let parsed = syn::parse_file(&file.contents)
            .map_err(|error| format!("the generated file {name} does not parse ({error}); it cannot be compared"))?;
        collector.file = name;
        let (docs, attributes) = split_attributes(&parsed.attrs);
        collector.add("", "", Aspect::Docs, &docs, Visible::private());
        collector.add("", "", Aspect::Attributes, &attributes, Visible::private());
        collector.items("", &parsed.items);
    }
    Ok(collector.facets)
}

/// Who can see an item, for the floors of its removal and of adding to it.
#[derive(Clone, Copy)]
struct Visible {
    public: bool,
    adding_breaks: bool,
}

impl Visible {
    fn private() -> Visible {
        Visible {
            public: false,
            adding_breaks: false,
        }
    }

    fn public(public: bool) -> Visible {
        Visible {
            public,
            adding_breaks: false,
        }
    }
}

struct Collector {
    file: String,
    facets: BTreeMap<Key, Facet>,
}

impl Collector {
    fn add(&mut self, item: &str, member: &str, aspect: Aspect, tokens: &TokenStream, visible: Visible) {
        let mut words = BTreeSet::new();
        token_words(tokens.clone(), &mut words);
        self.add_text(item, member, aspect, tokens.to_string(), words, visible);
    }

    fn add_text(
        &mut self,
        item: &str,
        member: &str,
        aspect: Aspect,
        text: String,
        words: BTreeSet<String>,
        visible: Visible,
    ) {
        let mut key: Key = (self.file.clone(), item.to_string(), member.to_string(), aspect);
        // Two items with one name (never in valid output, but never silently merged).
        let mut n = 2;
        while self.facets.contains_key(&key) {
            key.2 = format!("{member} #{n}");
            n += 1;
        }
        self.facets.insert(
            key,
            Facet {
                text,
                words,
                public: visible.public,
                adding_breaks: visible.adding_breaks,
            },
        );
    }

    fn items(&mut self, prefix: &str, items: &[Item]) {
        for item in items {
            self.item(prefix, item);
        }
    }

    fn item(&mut self, prefix: &str, item: &Item) {
        match item {
            Item::Struct(def) => {
                let name = format!("{prefix}struct {}", def.ident);
                let public = is_pub(&def.vis);
                let (docs, attributes) = split_attributes(&def.attrs);
                // How serde reads the struct (e.g. `deny_unknown_fields`) is its wire behaviour,
                // not its Rust signature.
                let (serde_attributes, attributes) = split_serde(attributes);
                self.add(
                    &name,
                    "serde",
                    Aspect::Attributes,
                    &serde_attributes,
                    Visible::public(public),
                );
                let (vis, generics, where_clause) = (&def.vis, &def.generics, &def.generics.where_clause);
                let shape = match &def.fields {
                    Fields::Named(_) => quote! { {} },
                    Fields::Unnamed(_) => quote! { () },
                    Fields::Unit => quote! {},
                };
                self.add(&name, "", Aspect::Exists, &TokenStream::new(), Visible::public(public));
                self.add(
                    &name,
                    "",
                    Aspect::Signature,
                    &quote! { #attributes #vis struct #generics #where_clause #shape },
                    Visible::public(public),
                );
                self.add(&name, "", Aspect::Docs, &docs, Visible::public(public));
                // A new field breaks struct literals when every field is public and the type
                // is not `#[non_exhaustive]`.
                let literal = !has_attribute(&def.attrs, "non_exhaustive") && def.fields.iter().all(|f| is_pub(&f.vis));
                let mut order = Vec::new();
                for (index, field) in def.fields.iter().enumerate() {
                    let member = match &field.ident {
                        Some(ident) => format!("field {ident}"),
                        None => format!("field {index}"),
                    };
                    order.push(member.clone());
                    let visible = Visible {
                        public: public && is_pub(&field.vis),
                        adding_breaks: public && literal,
                    };
                    let (docs, attributes) = split_attributes(&field.attrs);
                    let (vis, ty) = (&field.vis, &field.ty);
                    self.add(&name, &member, Aspect::Exists, &TokenStream::new(), visible);
                    self.add(&name, &member, Aspect::Signature, &quote! { #vis #ty }, visible);
                    self.add(&name, &member, Aspect::Attributes, &attributes, visible);
                    self.add(&name, &member, Aspect::Docs, &docs, visible);
                }
                self.order(&name, order);
            }
            Item::Enum(def) => {
                let name = format!("{prefix}enum {}", def.ident);
                let public = is_pub(&def.vis);
                let (docs, attributes) = split_attributes(&def.attrs);
                let (vis, generics, where_clause) = (&def.vis, &def.generics, &def.generics.where_clause);
                self.add(&name, "", Aspect::Exists, &TokenStream::new(), Visible::public(public));
                self.add(
                    &name,
                    "",
                    Aspect::Signature,
                    &quote! { #attributes #vis enum #generics #where_clause },
                    Visible::public(public),
                );
                self.add(&name, "", Aspect::Docs, &docs, Visible::public(public));
                let exhaustive = !has_attribute(&def.attrs, "non_exhaustive");
                let mut order = Vec::new();
                for variant in &def.variants {
                    let member = format!("variant {}", variant.ident);
                    order.push(member.clone());
                    let visible = Visible {
                        public,
                        adding_breaks: public && exhaustive,
                    };
                    let (docs, attributes) = split_attributes(&variant.attrs);
                    let fields = &variant.fields;
                    let discriminant = variant.discriminant.as_ref().map(|(_, expr)| quote! { = #expr });
                    self.add(&name, &member, Aspect::Exists, &TokenStream::new(), visible);
                    self.add(
                        &name,
                        &member,
                        Aspect::Signature,
                        &quote! { #fields #discriminant },
                        visible,
                    );
                    self.add(&name, &member, Aspect::Attributes, &attributes, visible);
                    self.add(&name, &member, Aspect::Docs, &docs, visible);
                }
                self.order(&name, order);
            }
            Item::Impl(block) => {
                let self_ty = compact(&block.self_ty);
                let generics = &block.generics;
                let name = match &block.trait_ {
                    Some((bang, path, _)) => format!(
                        "{prefix}impl {}{} for {self_ty}",
                        if bang.is_some() { "!" } else { "" },
                        compact(path)
                    ),
                    None => format!("{prefix}impl {self_ty}"),
                };
                let trait_impl = block.trait_.is_some();
                if trait_impl {
                    let (docs, attributes) = split_attributes(&block.attrs);
                    let where_clause = &generics.where_clause;
                    self.add(&name, "", Aspect::Exists, &TokenStream::new(), Visible::public(true));
                    self.add(
                        &name,
                        "",
                        Aspect::Signature,
                        &quote! { #attributes #generics #where_clause },
                        Visible::public(true),
                    );
                    self.add(&name, "", Aspect::Docs, &docs, Visible::public(true));
                }
                for member in &block.items {
                    self.impl_item(&name, member, trait_impl, generics);
                }
            }
            Item::Const(def) => {
                let name = format!("{prefix}const {}", def.ident);
                let (vis, ty) = (&def.vis, &def.ty);
                self.constant(&name, "", (&def.attrs, is_pub(vis)), quote! { #vis #ty }, &def.expr);
            }
            Item::Static(def) => {
                let name = format!("{prefix}static {}", def.ident);
                let (vis, mutability, ty) = (&def.vis, &def.mutability, &def.ty);
                self.constant(
                    &name,
                    "",
                    (&def.attrs, is_pub(vis)),
                    quote! { #vis #mutability #ty },
                    &def.expr,
                );
            }
            Item::Fn(def) => {
                let name = format!("{prefix}fn {}", def.sig.ident);
                let public = Visible::public(is_pub(&def.vis));
                let (docs, attributes) = split_attributes(&def.attrs);
                let (vis, sig, block) = (&def.vis, &def.sig, &def.block);
                self.add(&name, "", Aspect::Exists, &TokenStream::new(), public);
                self.add(&name, "", Aspect::Signature, &quote! { #vis #sig }, public);
                self.add(&name, "", Aspect::Attributes, &attributes, public);
                self.add(&name, "", Aspect::Docs, &docs, public);
                self.add(&name, "", Aspect::Body, &block.to_token_stream(), public);
            }
            Item::Mod(def) => {
                let name = format!("{prefix}mod {}", def.ident);
                let public = Visible::public(is_pub(&def.vis));
                let (docs, attributes) = split_attributes(&def.attrs);
                self.add(&name, "", Aspect::Exists, &TokenStream::new(), public);
                self.add(&name, "", Aspect::Signature, &attributes, public);
                self.add(&name, "", Aspect::Docs, &docs, public);
                if let Some((_, content)) = &def.content {
                    self.items(&format!("{prefix}{}::", def.ident), content);
                }
            }
            Item::Use(def) => {
                // One key per imported name, so that a name joining a grouped import is its
                // own addition, explained by what brings it.
                let mut leaves = Vec::new();
                use_leaves(String::new(), &def.tree, &mut leaves);
                for leaf in leaves {
                    let name = format!("{prefix}use {leaf}");
                    self.add(
                        &name,
                        "",
                        Aspect::Exists,
                        &TokenStream::new(),
                        Visible::public(is_pub(&def.vis)),
                    );
                }
            }
            other => {
                // Traits, type aliases, macros and anything newer: one signature, by its tokens.
                let tokens = without_docs(other.to_token_stream());
                let label = match other {
                    Item::Trait(def) => format!("{prefix}trait {}", def.ident),
                    Item::Type(def) => format!("{prefix}type {}", def.ident),
                    _ => format!("{prefix}{}", shorten(&compact(&tokens))),
                };
                let public = Visible::public(visibility(other).is_some_and(is_pub));
                self.add(&label, "", Aspect::Exists, &TokenStream::new(), public);
                self.add(&label, "", Aspect::Signature, &tokens, public);
                self.add(&label, "", Aspect::Docs, &only_docs(other.to_token_stream()), public);
            }
        }
    }

    fn impl_item(&mut self, name: &str, member: &ImplItem, trait_impl: bool, generics: &syn::Generics) {
        match member {
            ImplItem::Fn(def) => {
                let label = format!("fn {}", def.sig.ident);
                let visible = Visible::public(trait_impl || is_pub(&def.vis));
                let (docs, attributes) = split_attributes(&def.attrs);
                let (vis, sig, block) = (&def.vis, &def.sig, &def.block);
                self.add(name, &label, Aspect::Exists, &TokenStream::new(), visible);
                self.add(
                    name,
                    &label,
                    Aspect::Signature,
                    &quote! { #generics #vis #sig },
                    visible,
                );
                self.add(name, &label, Aspect::Attributes, &attributes, visible);
                self.add(name, &label, Aspect::Docs, &docs, visible);
                self.add(name, &label, Aspect::Body, &block.to_token_stream(), visible);
            }
            ImplItem::Const(def) => {
                let label = format!("const {}", def.ident);
                let (vis, ty) = (&def.vis, &def.ty);
                self.constant(
                    name,
                    &label,
                    (&def.attrs, trait_impl || is_pub(vis)),
                    quote! { #generics #vis #ty },
                    &def.expr,
                );
            }
            other => {
                let tokens = without_docs(other.to_token_stream());
                let label = match other {
                    ImplItem::Type(def) => format!("type {}", def.ident),
                    _ => shorten(&compact(&tokens)),
                };
                let visible = Visible::public(trait_impl);
                self.add(name, &label, Aspect::Exists, &TokenStream::new(), visible);
                self.add(name, &label, Aspect::Signature, &tokens, visible);
                self.add(name, &label, Aspect::Docs, &only_docs(other.to_token_stream()), visible);
            }
        }
    }

    /// A constant or static: its type is its signature; its value is cut into leaves.
    fn constant(
        &mut self,
        item: &str,
        member: &str,
        (attrs, public): (&[Attribute], bool),
        signature: TokenStream,
        expr: &Expr,
    ) {
        let visible = Visible::public(public);
        let (docs, attributes) = split_attributes(attrs);
        self.add(item, member, Aspect::Exists, &TokenStream::new(), visible);
        self.add(
            item,
            member,
            Aspect::Signature,
            &quote! { #attributes #signature },
            visible,
        );
        self.add(item, member, Aspect::Docs, &docs, visible);
        let prefix = if member.is_empty() {
            "value".to_string()
        } else {
            format!("{member} value")
        };
        self.value(item, &prefix, expr);
    }

    /// The leaves of a value: struct literals by field, arrays by each element's identity (its
    /// first name or literal), so an element added to a list is one change, not a shift.
    fn value(&mut self, item: &str, path: &str, expr: &Expr) {
        match expr {
            Expr::Struct(literal) => {
                let ty = &literal.path;
                self.add(item, path, Aspect::Value, &ty.to_token_stream(), Visible::private());
                for field in &literal.fields {
                    let name = match &field.member {
                        Member::Named(ident) => ident.to_string(),
                        Member::Unnamed(index) => index.index.to_string(),
                    };
                    self.value(item, &format!("{path}.{name}"), &field.expr);
                }
                if let Some(rest) = &literal.rest {
                    self.add(
                        item,
                        &format!("{path}.."),
                        Aspect::Value,
                        &rest.to_token_stream(),
                        Visible::private(),
                    );
                }
            }
            Expr::Reference(reference) => self.value(item, path, &reference.expr),
            Expr::Paren(inner) => self.value(item, path, &inner.expr),
            Expr::Group(inner) => self.value(item, path, &inner.expr),
            Expr::Array(array) => self.elements(item, path, array.elems.iter()),
            Expr::Tuple(tuple) => {
                for (index, element) in tuple.elems.iter().enumerate() {
                    self.value(item, &format!("{path}.{index}"), element);
                }
            }
            Expr::Call(call) => {
                let func = &call.func;
                self.add(item, path, Aspect::Value, &func.to_token_stream(), Visible::private());
                if call.args.len() == 1 {
                    if let Some(arg) = call.args.first() {
                        self.value(item, &format!("{path}()"), arg);
                    }
                } else {
                    for (index, arg) in call.args.iter().enumerate() {
                        self.value(item, &format!("{path}({index})"), arg);
                    }
                }
            }
            leaf => self.add(item, path, Aspect::Value, &leaf.to_token_stream(), Visible::private()),
        }
    }

    fn elements<'e>(&mut self, item: &str, path: &str, elements: impl Iterator<Item = &'e Expr>) {
        let mut keys: Vec<String> = Vec::new();
        let mut exprs = Vec::new();
        for (index, element) in elements.enumerate() {
            let base = identity(element).unwrap_or_else(|| index.to_string());
            let mut key = base.clone();
            let mut n = 2;
            while keys.contains(&key) {
                key = format!("{base}#{n}");
                n += 1;
            }
            keys.push(key);
            exprs.push(element);
        }
        let mut words = BTreeSet::new();
        for key in &keys {
            split_words(key, &mut words);
        }
        self.add_text(
            item,
            &format!("{path}[]"),
            Aspect::Value,
            keys.join(", "),
            words,
            Visible::private(),
        );
        for (key, element) in keys.iter().zip(exprs) {
            self.value(item, &format!("{path}[{key}]"), element);
        }
    }

    fn order(&mut self, item: &str, members: Vec<String>) {
        let mut words = BTreeSet::new();
        for member in &members {
            split_words(member, &mut words);
        }
        self.add_text(item, "", Aspect::Order, members.join(", "), words, Visible::private());
    }
}

/// The first name or literal of a list element: what keeps it recognisable when the list changes.
fn identity(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(literal) => match &literal.lit {
            Lit::Str(text) => Some(text.value()),
            Lit::Int(number) => Some(number.base10_digits().to_string()),
            _ => None,
        },
        Expr::Path(path) => path.path.segments.last().map(|segment| segment.ident.to_string()),
        Expr::Reference(reference) => identity(&reference.expr),
        Expr::Paren(inner) => identity(&inner.expr),
        Expr::Struct(literal) => literal.fields.iter().find_map(|field| identity(&field.expr)),
        Expr::Call(call) => call.args.iter().find_map(identity),
        Expr::Tuple(tuple) => tuple.elems.iter().find_map(identity),
        Expr::Array(array) => array.elems.iter().find_map(identity),
        _ => None,
    }
}

/// The paths a `use` tree imports, each written out: `crate::schema::{A, B}` gives
/// `crate::schema::A` and `crate::schema::B`.
fn use_leaves(prefix: String, tree: &syn::UseTree, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(path) => use_leaves(format!("{prefix}{}::", path.ident), &path.tree, out),
        syn::UseTree::Group(group) => {
            for item in &group.items {
                use_leaves(prefix.clone(), item, out);
            }
        }
        other => out.push(format!("{prefix}{}", compact(other))),
    }
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn visibility(item: &Item) -> Option<&Visibility> {
    match item {
        Item::Trait(def) => Some(&def.vis),
        Item::Type(def) => Some(&def.vis),
        Item::TraitAlias(def) => Some(&def.vis),
        Item::Union(def) => Some(&def.vis),
        Item::ExternCrate(def) => Some(&def.vis),
        _ => None,
    }
}

fn has_attribute(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident(name))
}

/// The `#[doc]` attributes and the others, as tokens.
fn split_attributes(attrs: &[Attribute]) -> (TokenStream, TokenStream) {
    let (mut docs, mut others) = (TokenStream::new(), TokenStream::new());
    for attr in attrs {
        if attr.path().is_ident("doc") {
            attr.to_tokens(&mut docs);
        } else {
            attr.to_tokens(&mut others);
        }
    }
    (docs, others)
}

/// Splits attribute tokens into the `#[serde(…)]` attributes and the others.
fn split_serde(attributes: TokenStream) -> (TokenStream, TokenStream) {
    let (mut serde, mut others) = (TokenStream::new(), TokenStream::new());
    let tokens: Vec<TokenTree> = attributes.into_iter().collect();
    let mut index = 0;
    while index < tokens.len() {
        let is_serde = matches!(
            (&tokens[index], tokens.get(index + 1)),
            (TokenTree::Punct(p), Some(TokenTree::Group(group)))
                if p.as_char() == '#'
                    && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(ident)) if ident == "serde")
        );
        if is_serde {
            serde.extend(tokens[index..index + 2].iter().cloned());
            index += 2;
        } else {
            others.extend(std::iter::once(tokens[index].clone()));
            index += 1;
        }
    }
    (serde, others)
}

/// Whether the tokens at `index` start a `#[doc …]` or `#![doc …]` attribute, and its length.
fn doc_attribute_at(tokens: &[TokenTree], index: usize) -> Option<usize> {
    let is_doc = |tree: Option<&TokenTree>| match tree {
        Some(TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Bracket => {
            matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(ident)) if ident == "doc")
        }
        _ => false,
    };
    match tokens.get(index) {
        Some(TokenTree::Punct(p)) if p.as_char() == '#' => match tokens.get(index + 1) {
            Some(TokenTree::Punct(bang)) if bang.as_char() == '!' => is_doc(tokens.get(index + 2)).then_some(3),
            next => is_doc(next).then_some(2),
        },
        _ => None,
    }
}

/// The tokens without their doc attributes, at any depth.
fn without_docs(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut index = 0;
    while index < trees.len() {
        if let Some(length) = doc_attribute_at(&trees, index) {
            index += length;
            continue;
        }
        match &trees[index] {
            TokenTree::Group(group) => {
                let mut inner = proc_macro2::Group::new(group.delimiter(), without_docs(group.stream()));
                inner.set_span(group.span());
                out.extend([TokenTree::Group(inner)]);
            }
            other => out.extend([other.clone()]),
        }
        index += 1;
    }
    out
}

/// Only the doc attributes of the tokens, at any depth.
fn only_docs(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut index = 0;
    while index < trees.len() {
        if let Some(length) = doc_attribute_at(&trees, index) {
            out.extend(trees[index..index + length].iter().cloned());
            index += length;
            continue;
        }
        if let TokenTree::Group(group) = &trees[index] {
            out.extend(only_docs(group.stream()));
        }
        index += 1;
    }
    out
}

/// Tokens as one line with Rust's usual spacing around paths and generics.
fn compact(tokens: &impl ToTokens) -> String {
    tokens
        .to_token_stream()
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace("& ", "&")
        .replace(" ,", ",")
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The identifiers of the tokens, and the words of their string literals (docs included).
fn token_words(tokens: TokenStream, words: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => token_words(group.stream(), words),
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                words.insert(text.strip_prefix("r#").unwrap_or(&text).to_string());
            }
            TokenTree::Literal(literal) => split_words(&literal.to_string(), words),
            TokenTree::Punct(_) => {}
        }
    }
}

fn split_words(text: &str, words: &mut BTreeSet<String>) {
    for piece in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if !piece.is_empty() {
            words.insert(piece.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apidiff::Anchor;

    fn file(name: &str, contents: &str) -> Vec<codegen::GeneratedFile> {
        vec![codegen::GeneratedFile {
            target: codegen::Target::Client,
            path: name.into(),
            contents: contents.into(),
        }]
    }

    fn diff(old: &str, new: &str) -> Vec<(String, String, String, Impact)> {
        differences(&file("types.rs", old), &file("types.rs", new))
            .unwrap()
            .into_iter()
            .map(|d| (d.item, d.member, d.what, d.floor))
            .collect()
    }

    fn change(impact: Impact, anchor: Anchor) -> ApiChange {
        ApiChange {
            impact,
            kind: "test",
            subject: String::new(),
            reason: String::new(),
            anchors: vec![anchor],
        }
    }

    const STRUCT: &str = "/// A row.\n#[derive(Debug, Clone)]\n#[non_exhaustive]\npub struct Row {\n    /// The name.\n    #[serde(rename = \"Name\")]\n    pub name: String,\n}\n";

    #[test]
    fn each_kind_of_code_change_has_its_floor() {
        use Impact::{Breaking, Compatible, Documentation};
        let t = |s: &str| s.to_string();
        assert_eq!(diff(STRUCT, STRUCT), []);
        assert_eq!(
            diff(STRUCT, &STRUCT.replace("/// The name.", "/// Its name.")),
            [(t("struct Row"), t("field name"), t("docs"), Documentation)]
        );
        assert_eq!(
            diff(STRUCT, &STRUCT.replace("\"Name\"", "\"FullName\"")),
            [(t("struct Row"), t("field name"), t("attributes"), Compatible)]
        );
        assert_eq!(
            diff(STRUCT, &STRUCT.replace("pub name: String", "pub name: i64")),
            [(t("struct Row"), t("field name"), t("signature"), Breaking)]
        );
        assert_eq!(
            diff(STRUCT, &STRUCT.replace("Debug, Clone", "Debug, Clone, Copy")),
            [(t("struct Row"), t(""), t("signature"), Breaking)]
        );
        let with_count = STRUCT.replace(
            "    pub name: String,\n",
            "    pub name: String,\n    pub count: i64,\n",
        );
        let found = diff(STRUCT, &with_count);
        assert!(
            found.contains(&(t("struct Row"), t("field count"), t("added"), Compatible)),
            "{found:?}"
        );
        let found = diff(&with_count, STRUCT);
        assert!(
            found.contains(&(t("struct Row"), t("field count"), t("removed"), Breaking)),
            "{found:?}"
        );
        // Without `#[non_exhaustive]`, a new public field breaks struct literals.
        let exhaustive = |s: &str| s.replace("#[non_exhaustive]\n", "");
        let found = diff(&exhaustive(STRUCT), &exhaustive(&with_count));
        assert!(
            found.contains(&(t("struct Row"), t("field count"), t("added"), Breaking)),
            "{found:?}"
        );
    }

    #[test]
    fn constant_values_are_cut_into_leaves_keyed_by_identity() {
        let old = "pub const ALL: &[Item] = &[Item { name: \"a\", size: 1 }, Item { name: \"b\", size: 2 }];\n";
        let new = "pub const ALL: &[Item] = &[Item { name: \"z\", size: 0 }, Item { name: \"a\", size: 1 }, Item { name: \"b\", size: 3 }];\n";
        let found: Vec<(String, String)> = diff(old, new)
            .into_iter()
            .map(|(_, member, what, _)| (member, what))
            .collect();
        let t = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert!(found.contains(&t("value[]", "value")), "{found:?}");
        assert!(found.contains(&t("value[b].size", "value")), "{found:?}");
        assert!(found.contains(&t("value[z].name", "value")), "{found:?}");
        assert!(
            !found.iter().any(|(member, _)| member.starts_with("value[a]")),
            "{found:?}"
        );
    }

    #[test]
    fn a_difference_needs_a_change_of_its_floor_that_names_it() {
        let differences = differences(
            &file("types.rs", STRUCT),
            &file("types.rs", &STRUCT.replace("pub name: String", "pub name: i64")),
        )
        .unwrap();
        let unclassified = unexplained(&differences, &[]);
        assert_eq!(unclassified.len(), 1);
        assert_eq!(unclassified[0].impact, Impact::Unclassified);
        assert!(unclassified[0].subject.contains("struct Row"), "{unclassified:?}");
        assert!(
            unclassified[0].reason.contains("field name signature"),
            "{unclassified:?}"
        );
        // A rule of a lower impact, or about something else, does not explain it.
        let weak = [change(Impact::Behaviour, Anchor::Type("Row".into()))];
        assert_eq!(unexplained(&differences, &weak).len(), 1);
        let elsewhere = [change(Impact::Breaking, Anchor::Type("Other".into()))];
        assert_eq!(unexplained(&differences, &elsewhere).len(), 1);
        let rule = [change(Impact::Breaking, Anchor::Type("Row".into()))];
        assert_eq!(unexplained(&differences, &rule), []);
    }

    #[test]
    fn endpoint_anchors_cover_the_names_derived_from_the_endpoint() {
        let words = |list: &[&str]| list.iter().map(|w| w.to_string()).collect::<BTreeSet<_>>();
        let anchor = Anchor::Endpoint("add_rows".into());
        assert!(anchor.mentioned_in(&words(&["ADD_ROWS"])));
        assert!(anchor.mentioned_in(&words(&["AddRowsOptions"])));
        assert!(anchor.mentioned_in(&words(&["add_rows_all"])));
        assert!(!anchor.mentioned_in(&words(&["add_rowset", "Rows"])));
    }

    #[test]
    fn unparsable_generated_code_is_an_error() {
        let error = differences(&file("types.rs", "pub struct {"), &file("types.rs", STRUCT)).unwrap_err();
        assert!(error.contains("types.rs does not parse"), "{error}");
    }
}

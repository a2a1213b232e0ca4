//! Attribute paths through types: where a paged endpoint keeps its page index, size, items and total, and how a bulk endpoint's per-row result reads.

use super::*;
use crate::model::{Make, PageStyle, PageValue};

impl Lowerer<'_> {
    pub(super) fn lower_pagination(
        &mut self,
        at: &At<'_>,
        raw: &raw::Pagination,
        body: &Body,
        response: &TypeRef,
        types: &[TypeDef],
    ) -> Option<model::Pagination> {
        let Body::Object {
            ty: body_type,
            required: body_required,
        } = body
        else {
            let help = "pagination reads the page's position and size from an object body; declare `body: { kind: object, type: ... }`".to_string();
            at.error("a paged endpoint needs an object body")
                .help(help)
                .at_key()
                .push(self.diags);
            return None;
        };
        let (style, position_key, size_key, position, size) = match raw {
            raw::Pagination {
                page_index: Some(index),
                page_size: Some(size),
                offset: None,
                row_count: None,
                ..
            } => (PageStyle::Index, "page_index", "page_size", index, size),
            raw::Pagination {
                page_index: None,
                page_size: None,
                offset: Some(offset),
                row_count: Some(count),
                ..
            } => (PageStyle::Offset, "offset", "row_count", offset, count),
            _ => {
                let help = "a page is addressed by `page_index` and `page_size` (a 1-based page number), or by `offset` and `row_count` (items to skip); give one pair".to_string();
                at.error("`pagination` needs `page_index` and `page_size`, or `offset` and `row_count`")
                    .help(help)
                    .at_key()
                    .push(self.diags);
                return None;
            }
        };
        let integer = |ty: &TypeRef| *ty == TypeRef::Integer;
        let is_array = |ty: &TypeRef| matches!(ty, TypeRef::Array(_));
        let position = self.resolve_path(
            types,
            PathQuery {
                at: at.child(position_key),
                start: body_type,
                dotted: position,
                optional: Through::Any,
                expected: "an integer",
                accept: &integer,
            },
        );
        let size = self.resolve_path(
            types,
            PathQuery {
                at: at.child(size_key),
                start: body_type,
                dotted: size,
                optional: Through::Any,
                expected: "an integer",
                accept: &integer,
            },
        );
        let (items, item) = match &raw.items {
            Some(items) => {
                let resolved = self.resolve_path(
                    types,
                    PathQuery {
                        at: at.child("items"),
                        start: response,
                        dotted: items,
                        optional: Through::None,
                        expected: "an array",
                        accept: &is_array,
                    },
                );
                match resolved {
                    Some(Resolved {
                        path: items,
                        ty: TypeRef::Array(item),
                        ..
                    }) => (Some(items), Some(*item)),
                    _ => (None, None),
                }
            }
            None => match response {
                TypeRef::Array(item) => (Some(model::FieldPath::default()), Some((**item).clone())),
                other => {
                    let help = "name the response attribute holding the page's items, e.g. `items: List`".to_string();
                    at.error(format!(
                        "the response `{other}` is not an array, and `pagination` has no `items`"
                    ))
                    .help(help)
                    .at_key()
                    .push(self.diags);
                    (None, None)
                }
            },
        };
        let total = match &raw.total {
            Some(total) => Some(
                self.resolve_path(
                    types,
                    PathQuery {
                        at: at.child("total"),
                        start: response,
                        dotted: total,
                        optional: Through::Last,
                        expected: "an integer",
                        accept: &integer,
                    },
                )?
                .path,
            ),
            None => None,
        };
        let (position, size) = (position?, size?);
        let writer = self.page_writer(at, types, (body_type, *body_required), (&position, &size))?;
        Some(model::Pagination {
            style,
            position: position.path,
            size: size.path,
            items: items?,
            item: item?,
            total,
            writer,
        })
    }

    /// How a page walker writes a page's position and size into the body: both must be
    /// attributes of one object, and every object on the way that the caller may leave out must
    /// be one the walker can make (nothing required, or only the two page attributes).
    fn page_writer(
        &mut self,
        at: &At<'_>,
        types: &[TypeDef],
        (body_type, body_required): (&TypeRef, bool),
        (position, size): (&Resolved, &Resolved),
    ) -> Option<model::PageWriter> {
        if position.path.wire == size.path.wire {
            let help = "name two attributes: one for the page's position, one for its size".to_string();
            at.error(format!(
                "the page's position and size are the same attribute `{}`",
                size.path.wire
            ))
            .help(help)
            .at_key()
            .push(self.diags);
            return None;
        }
        let holder_of = |resolved: &Resolved| resolved.steps[..resolved.steps.len() - 1].to_vec();
        let holders = holder_of(position);
        if holders
            .iter()
            .map(|step| &step.wire)
            .ne(holder_of(size).iter().map(|step| &step.wire))
        {
            let help = format!(
                "the walker writes both into one object: make `{}` and `{}` attributes of the same object",
                position.path.wire, size.path.wire
            );
            at.error("the page's position and size are in different objects")
                .help(help)
                .at_key()
                .push(self.diags);
            return None;
        }
        let leaves = [
            (position.steps.last()?.wire.as_str(), PageValue::Position),
            (size.steps.last()?.wire.as_str(), PageValue::Size),
        ];
        let holder_index = holders.len();
        // The objects the walker may have to make: the body, then each attribute on the way.
        let mut objects = vec![(body_type.clone(), !body_required, String::new())];
        objects.extend(
            holders
                .iter()
                .map(|step| (step.ty.clone(), !step.required, step.wire.clone())),
        );
        let mut makes = Vec::new();
        for (depth, (ty, absent, wire)) in objects.iter().enumerate() {
            if !absent {
                makes.push(None);
                continue;
            }
            let object = object_of(types, ty)?;
            let required: Vec<&Field> = object.fields.iter().filter(|field| field.required).collect();
            let make = if required.is_empty() {
                Some(Make::Default)
            } else if depth == holder_index {
                required
                    .iter()
                    .map(|field| {
                        leaves
                            .iter()
                            .find(|(leaf, _)| *leaf == field.wire)
                            .map(|(_, value)| *value)
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(Make::New)
            } else {
                None
            };
            let Some(make) = make else {
                let (what, fix) = if wire.is_empty() {
                    ("the optional body".to_string(), "make the body required".to_string())
                } else {
                    (
                        format!("the optional attribute `{wire}`"),
                        format!("make `{wire}` required"),
                    )
                };
                let others: Vec<&str> = required
                    .iter()
                    .map(|field| field.wire.as_str())
                    .filter(|wire| !leaves.iter().any(|(leaf, _)| leaf == wire))
                    .collect();
                let help = format!(
                    "when {what} is absent the walker makes a `{}`, which needs {}: {fix}, or those attributes optional",
                    object.name,
                    one_of(others)
                );
                at.error(format!("the page walker cannot make {what} of type `{}`", object.name))
                    .help(help)
                    .at_key()
                    .push(self.diags);
                return None;
            };
            makes.push(Some(make));
        }
        let mut makes = makes.into_iter();
        let absent_body = makes.next().flatten();
        let steps = holders
            .iter()
            .zip(makes)
            .map(|(step, absent)| model::PageStep {
                rust: step.rust.clone(),
                type_name: step.ty.to_string(),
                absent,
            })
            .collect();
        Some(model::PageWriter { absent_body, steps })
    }

    pub(super) fn lower_row_results(
        &mut self,
        at: &At<'_>,
        raw: &raw::BulkResults,
        body: &Body,
        response: &TypeRef,
        types: &[TypeDef],
    ) -> Option<model::RowResults> {
        if !matches!(body, Body::Array { max_items: Some(_), .. }) {
            let help = "per-row results are for bulk endpoints: an array body with `max_items`".to_string();
            at.error("`bulk` needs an array body with `max_items`")
                .help(help)
                .at_key()
                .push(self.diags);
            return None;
        }
        let object = match response {
            TypeRef::Array(item) => object_of(types, item),
            _ => None,
        };
        let Some(object) = object else {
            let help = "the response (after `unwrap`) must be an array of objects, one per row".to_string();
            at.error(format!("the response `{response}` is not an array of result objects"))
                .help(help)
                .at_key()
                .push(self.diags);
            return None;
        };
        let mut find = |key: &str, wire: &str, want: &dyn Fn(&TypeRef) -> bool, expected: &str| -> Option<Field> {
            let key_at = at.child(key);
            match object.fields.iter().find(|field| field.wire == wire) {
                Some(field) if want(&field.ty) => Some(field.clone()),
                Some(field) => {
                    let help = format!("`{key}` must name {expected} attribute of `{}`", object.name);
                    key_at
                        .error(format!("`{wire}` is `{}`, not {expected}", field.ty))
                        .help(help)
                        .push(self.diags);
                    None
                }
                None => {
                    let help = attribute_help(object, wire);
                    key_at
                        .error(format!("`{}` has no attribute `{wire}`", object.name))
                        .help(help)
                        .push(self.diags);
                    None
                }
            }
        };
        let integer = |ty: &TypeRef| *ty == TypeRef::Integer;
        let boolean = |ty: &TypeRef| *ty == TypeRef::Boolean;
        let string = |ty: &TypeRef| *ty == TypeRef::String;
        let exception = |ty: &TypeRef| *ty == TypeRef::Named("ExceptionType".into());
        let row_number = find("row_number", &raw.row_number, &integer, "an integer");
        let succeeded = find("succeeded", &raw.succeeded, &boolean, "a boolean");
        let mut optional =
            |key: &str, wire: &Option<String>, want: &dyn Fn(&TypeRef) -> bool, expected: &str| match wire {
                Some(wire) => find(key, wire, want, expected).map(Some),
                None => Some(None),
            };
        let id = optional("id", &raw.id, &string, "a string");
        let exception_type = optional("exception_type", &raw.exception_type, &exception, "an `ExceptionType`");
        let message = optional("message", &raw.message, &string, "a string");
        Some(model::RowResults {
            type_name: object.name.clone(),
            row_number: row_number?,
            succeeded: succeeded?,
            id: id?,
            exception_type: exception_type?,
            message: message?,
        })
    }

    /// Follows a dotted wire path (`Paging.PageIndex`) from `query.start` through object fields,
    /// which must be required except where `query.optional` allows; the last attribute's type
    /// must pass `query.accept`.
    pub(super) fn resolve_path(&mut self, types: &[TypeDef], query: PathQuery<'_>) -> Option<Resolved> {
        let PathQuery {
            at,
            start,
            dotted,
            optional: through,
            expected,
            accept,
        } = query;
        let segments: Vec<&str> = dotted.split('.').collect();
        let mut current = start.clone();
        let mut rust = Vec::new();
        let mut steps = Vec::new();
        let mut optional = false;
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let object = object_of(types, &current);
            let Some(object) = object else {
                let help = format!("`{dotted}` must lead through object types, attribute by attribute");
                at.error(format!("`{current}` has no attribute `{segment}`"))
                    .help(help)
                    .push(self.diags);
                return None;
            };
            let Some(field) = object.fields.iter().find(|field| field.wire == *segment) else {
                let mut help = attribute_help(object, segment);
                if i == 0 {
                    help = format!("the path starts inside `{}`; {help}", object.name);
                }
                at.error(format!("`{}` has no attribute `{segment}`", object.name))
                    .help(help)
                    .push(self.diags);
                return None;
            };
            let allowed = match through {
                Through::None => false,
                Through::Last => last,
                Through::Any => true,
            };
            if !(field.required || allowed) {
                let help = format!(
                    "make `{}` of `{}` required: the answer's page is read through it",
                    field.wire, object.name
                );
                at.error(format!(
                    "`{dotted}` goes through the optional attribute `{}`",
                    field.wire
                ))
                .help(help)
                .push(self.diags);
                return None;
            }
            optional = !field.required;
            rust.push(field.rust.clone());
            steps.push(field.clone());
            current = field.ty.clone();
        }
        if !accept(&current) {
            let help = format!("`{dotted}` must name {expected} attribute");
            at.error(format!("`{dotted}` is `{current}`, not {expected}"))
                .help(help)
                .push(self.diags);
            return None;
        }
        Some(Resolved {
            path: model::FieldPath {
                rust,
                wire: dotted.to_string(),
                optional,
            },
            ty: current,
            steps,
        })
    }
}

/// Which attributes of a path may be optional.
#[derive(Clone, Copy)]
pub(super) enum Through {
    /// None: the walker reads through every one on every page.
    None,
    /// The last one only (an answer's total, which may be absent).
    Last,
    /// Any: the walker writes the path, making what is absent.
    Any,
}

/// What [`Lowerer::resolve_path`] follows, and where to report a problem.
pub(super) struct PathQuery<'a> {
    pub at: At<'a>,
    pub start: &'a TypeRef,
    pub dotted: &'a str,
    pub optional: Through,
    pub expected: &'static str,
    pub accept: &'a dyn Fn(&TypeRef) -> bool,
}

/// A followed path: the model's path, the type at its end, and each attribute on the way.
pub(super) struct Resolved {
    pub path: model::FieldPath,
    pub ty: TypeRef,
    pub steps: Vec<Field>,
}

//! Attribute paths through types: where a paged endpoint keeps its page index, size, items and total, and how a bulk endpoint's per-row result reads.

use super::*;

impl Lowerer<'_> {
    pub(super) fn lower_pagination(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &raw::Pagination,
        body: &Body,
        response: &TypeRef,
        types: &[TypeDef],
    ) -> Option<model::Pagination> {
        let Body::Object(body_type) = body else {
            let help = "pagination reads the page index and size from an object body; declare `body: { kind: object, type: ... }`".to_string();
            self.diags
                .push(file.error_at_key(path, "a paged endpoint needs an object body".to_string(), Some(help)));
            return None;
        };
        let integer = |ty: &TypeRef| *ty == TypeRef::Integer;
        let page_index = self.resolve_path(
            file,
            &child(path, "page_index"),
            body_type,
            &raw.page_index,
            types,
            false,
            "an integer",
            integer,
        );
        let page_size = self.resolve_path(
            file,
            &child(path, "page_size"),
            body_type,
            &raw.page_size,
            types,
            false,
            "an integer",
            integer,
        );
        let is_array = |ty: &TypeRef| matches!(ty, TypeRef::Array(_));
        let (items, item) = match &raw.items {
            Some(items) => {
                let resolved = self.resolve_path(
                    file,
                    &child(path, "items"),
                    response,
                    items,
                    types,
                    false,
                    "an array",
                    is_array,
                );
                match resolved {
                    Some((items, TypeRef::Array(item))) => (Some(items), Some(*item)),
                    _ => (None, None),
                }
            }
            None => match response {
                TypeRef::Array(item) => (Some(model::FieldPath::default()), Some((**item).clone())),
                other => {
                    let help = "name the response attribute holding the page's items, e.g. `items: List`".to_string();
                    self.diags.push(file.error_at_key(
                        path,
                        format!("the response `{other}` is not an array, and `pagination` has no `items`"),
                        Some(help),
                    ));
                    (None, None)
                }
            },
        };
        let total = raw.total.as_ref().map(|total| {
            self.resolve_path(
                file,
                &child(path, "total"),
                response,
                total,
                types,
                true,
                "an integer",
                integer,
            )
            .map(|(path, _)| path)
        });
        let total = match total {
            Some(None) => return None,
            Some(Some(total)) => Some(total),
            None => None,
        };
        Some(model::Pagination {
            page_index: page_index?.0,
            page_size: page_size?.0,
            items: items?,
            item: item?,
            total,
        })
    }

    pub(super) fn lower_row_results(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &raw::BulkResults,
        body: &Body,
        response: &TypeRef,
        types: &[TypeDef],
    ) -> Option<model::RowResults> {
        if !matches!(body, Body::Array { max_items: Some(_), .. }) {
            let help = "per-row results are for bulk endpoints: an array body with `max_items`".to_string();
            self.diags.push(file.error_at_key(
                path,
                "`bulk` needs an array body with `max_items`".to_string(),
                Some(help),
            ));
            return None;
        }
        let object = match response {
            TypeRef::Array(item) => object_of(types, item),
            _ => None,
        };
        let Some(object) = object else {
            let help = "the response (after `unwrap`) must be an array of objects, one per row".to_string();
            self.diags.push(file.error_at_key(
                path,
                format!("the response `{response}` is not an array of result objects"),
                Some(help),
            ));
            return None;
        };
        let mut find = |key: &str, wire: &str, want: &dyn Fn(&TypeRef) -> bool, expected: &str| -> Option<Field> {
            let at = child(path, key);
            match object.fields.iter().find(|field| field.wire == wire) {
                Some(field) if want(&field.ty) => Some(field.clone()),
                Some(field) => {
                    let help = format!("`{key}` must name {expected} attribute of `{}`", object.name);
                    self.diags.push(file.error_at(
                        &at,
                        format!("`{wire}` is `{}`, not {expected}", field.ty),
                        Some(help),
                    ));
                    None
                }
                None => {
                    let help = attribute_help(object, wire);
                    self.diags.push(file.error_at(
                        &at,
                        format!("`{}` has no attribute `{wire}`", object.name),
                        Some(help),
                    ));
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

    /// Follows a dotted wire path (`Paging.PageIndex`) from `start` through object fields. Every
    /// field but the last must be required; the last must be required too unless
    /// `optional_last`, and its type must pass `accept`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn resolve_path(
        &mut self,
        file: &Parsed<raw::File>,
        at: &[Seg],
        start: &TypeRef,
        dotted: &str,
        types: &[TypeDef],
        optional_last: bool,
        expected: &str,
        accept: impl Fn(&TypeRef) -> bool,
    ) -> Option<(model::FieldPath, TypeRef)> {
        let segments: Vec<&str> = dotted.split('.').collect();
        let mut current = start.clone();
        let mut rust = Vec::new();
        let mut optional = false;
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let object = object_of(types, &current);
            let Some(object) = object else {
                let help = format!("`{dotted}` must lead through object types, attribute by attribute");
                self.diags
                    .push(file.error_at(at, format!("`{current}` has no attribute `{segment}`"), Some(help)));
                return None;
            };
            let Some(field) = object.fields.iter().find(|field| field.wire == *segment) else {
                let mut help = attribute_help(object, segment);
                if i == 0 {
                    help = format!("the path starts inside `{}`; {help}", object.name);
                }
                self.diags.push(file.error_at(
                    at,
                    format!("`{}` has no attribute `{segment}`", object.name),
                    Some(help),
                ));
                return None;
            };
            if !(field.required || last && optional_last) {
                let help = format!(
                    "make `{}` of `{}` required: a page walker sets and reads it on every page",
                    field.wire, object.name
                );
                self.diags.push(file.error_at(
                    at,
                    format!("`{dotted}` goes through the optional attribute `{}`", field.wire),
                    Some(help),
                ));
                return None;
            }
            optional = !field.required;
            rust.push(field.rust.clone());
            current = field.ty.clone();
        }
        if !accept(&current) {
            let help = format!("`{dotted}` must name {expected} attribute");
            self.diags
                .push(file.error_at(at, format!("`{dotted}` is `{current}`, not {expected}"), Some(help)));
            return None;
        }
        Some((
            model::FieldPath {
                rust,
                wire: dotted.to_string(),
                optional,
            },
            current,
        ))
    }
}

//! Endpoints: methods, paths, query parameters, bodies, examples.

use super::*;

impl Lowerer<'_> {
    pub(super) fn lower_endpoint(
        &mut self,
        at: &At<'_>,
        raw: &raw::Endpoint,
        api: Option<(&[String], &At<'_>, &[raw::Status])>,
        types: &[TypeDef],
    ) -> Option<model::Endpoint> {
        let mut ok = self.check_snake_name(&at.child("name"), &raw.name, "endpoint", None)
            && self.check_reserved(&at.child("name"), Place::Endpoint, &raw.name, "rename the endpoint");
        let group = match self.group(at, raw.group.as_ref()) {
            Ok(Some(group)) => Some(group),
            Ok(None) => {
                let help = "set `group:` on the endpoint, or once for the file at its top level".to_string();
                let message = format!("endpoint `{}` has no group", raw.name);
                at.child("name").error(message).help(help).push(self.diags);
                None
            }
            Err(()) => None,
        };
        ok &= group.is_some();
        let method = match raw.method.as_str() {
            "GET" => Some(model::Method::Get),
            "POST" => Some(model::Method::Post),
            other => {
                let message = format!("unknown method `{other}`");
                let help = format!("valid methods: {}", one_of(["GET", "POST"]));
                at.child("method").error(message).help(help).push(self.diags);
                None
            }
        };
        if !raw.path.starts_with('/') || raw.path.contains(['?', '#', ' ', '{']) {
            let message = format!(
                "path `{}` must start with `/` and hold no query, fragment or placeholder",
                raw.path
            );
            let help = "give the path below the base URL, e.g. `/LeadManagement.svc/Lead.Create`; query parameters go under `query:`".to_string();
            at.child("path").error(message).help(help).push(self.diags);
            ok = false;
        }
        if raw.changes_state && method == Some(model::Method::Post) {
            let help = "`changes_state: true` marks a GET that changes state; a POST is taken to change state already: remove it".to_string();
            let message = "`changes_state` on a POST endpoint".to_string();
            at.child("changes_state")
                .error(message)
                .help(help)
                .at_key()
                .push(self.diags);
            ok = false;
        }
        if raw.changes_state && raw.idempotent {
            let help = "a GET that changes state is resent only when its outcome is known: write `idempotent: false`"
                .to_string();
            let message = "`changes_state: true` with `idempotent: true`".to_string();
            at.child("idempotent").error(message).help(help).push(self.diags);
            ok = false;
        }
        let query = self.lower_fields(&at.child("query"), &raw.query, true);
        let body = self.lower_body(&at.child("body"), raw.body.as_ref());
        let response = self.resolve_type(&at.child("response"), &raw.response);
        let bad_unwrap = raw
            .unwrap
            .as_ref()
            .filter(|field| field.is_empty() || field.contains(|c: char| c.is_whitespace() || c == '"'));
        if let Some(field) = bad_unwrap {
            let help = "give the wire name of the response attribute that holds the result, e.g. `Message`".to_string();
            at.child("unwrap")
                .error(format!("`{field}` is not an attribute name"))
                .help(help)
                .push(self.diags);
            ok = false;
        }
        let classes = api.map_or(&[][..], |(classes, _, _)| classes);
        let rate_class = self.lower_endpoint_class(at, raw.rate_limit.as_ref(), classes);
        let statuses = match (&raw.statuses, api) {
            (Some(own), _) => self.lower_statuses(&at.child("statuses"), own),
            (None, Some((_, api_at, api_statuses))) if !api_statuses.is_empty() => {
                self.lower_statuses(api_at, api_statuses)
            }
            (None, _) => {
                let help = "list the documented status codes under the endpoint's `statuses:` or the API's".to_string();
                at.child("name")
                    .error(format!("endpoint `{}` documents no status codes", raw.name))
                    .help(help)
                    .push(self.diags);
                None
            }
        };
        let examples = raw.examples.as_ref();
        let request_example = self.lower_example(at, "request", examples.and_then(|e| e.request.as_ref()));
        let response_example = self.lower_example(at, "response", examples.and_then(|e| e.response.as_ref()));
        let query_example = self.lower_query_example(at, raw, examples.and_then(|e| e.query.as_ref()));
        if matches!(body, Some(Body::None)) && examples.is_some_and(|e| e.request.is_some()) {
            let help = "remove `examples.request`, or declare the endpoint's `body:`".to_string();
            at.child("examples")
                .child("request")
                .error(format!("endpoint `{}` has a request example but no body", raw.name))
                .help(help)
                .at_key()
                .push(self.diags);
            ok = false;
        }
        let pagination = match (&raw.pagination, &body, &response) {
            (None, _, _) => Some(None),
            (Some(raw_pages), Some(body), Some(response)) => self
                .lower_pagination(&at.child("pagination"), raw_pages, body, response, types)
                .map(Some),
            (Some(_), _, _) => None,
        };
        let row_results = match (&raw.bulk, &body, &response) {
            (None, _, _) => Some(None),
            (Some(raw_bulk), Some(body), Some(response)) => self
                .lower_row_results(&at.child("bulk"), raw_bulk, body, response, types)
                .map(Some),
            (Some(_), _, _) => None,
        };
        let mut query = query?;
        if let Some(Some(pagination)) = &pagination {
            ok &= self.check_page_setter_names(at, pagination.style, &query);
        }
        // Required parameters become positional arguments, in spec order, before the options.
        query.sort_by_key(|field| !field.required);
        let endpoint = model::Endpoint {
            name: raw.name.clone(),
            title: raw.title.clone(),
            group: group?,
            description: raw.description.clone(),
            docs_url: raw.docs_url.clone(),
            method: method?,
            path: raw.path.clone(),
            idempotent: raw.idempotent,
            changes_state: raw.changes_state,
            query,
            body: body?,
            response: response?,
            unwrap: raw.unwrap.clone(),
            pagination: pagination?,
            row_results: row_results?,
            rate_class: rate_class?,
            statuses: statuses?,
            query_example: query_example?,
            request_example: request_example?,
            response_example: response_example?,
            site: at.site(),
        };
        ok.then_some(endpoint)
    }

    /// A paged endpoint's request builder has a page setter (`page` for index paging, `window`
    /// for offset paging) beside one method per optional query parameter: they must not meet.
    fn check_page_setter_names(&mut self, at: &At<'_>, style: model::PageStyle, query: &[Field]) -> bool {
        let setter = match style {
            model::PageStyle::Index => "page",
            model::PageStyle::Offset => "window",
        };
        let mut ok = true;
        for (index, field) in query.iter().enumerate() {
            if field.rust == setter {
                let rust_at = at.child("query").child(index).child("rust");
                let help = format!(
                    "set `rust:` to another name (the wire name stays `{}`): the request builder of a paged endpoint has a method `{setter}`",
                    field.wire
                );
                rust_at
                    .error(format!(
                        "query parameter name `{setter}` collides with the page setter `{setter}`"
                    ))
                    .help(help)
                    .at_key()
                    .push(self.diags);
                ok = false;
            }
        }
        ok
    }

    pub(super) fn lower_body(&mut self, at: &At<'_>, raw: Option<&raw::Body>) -> Option<Body> {
        let Some(raw) = raw else { return Some(Body::None) };
        let limit_help = |kind: &str| {
            format!(
                "item limits apply to array bodies only; remove it, or make the body `kind: array` (it is `{kind}`)"
            )
        };
        let mut ok = true;
        if raw.kind != "object" && raw.required.is_some() {
            let help = format!(
                "only an object body can be optional; remove `required` (the body is `{}`)",
                raw.kind
            );
            at.child("required")
                .error("`required` on a body that is not an object")
                .help(help)
                .at_key()
                .push(self.diags);
            ok = false;
        }
        if raw.kind != "array" {
            for (key, present) in [
                ("min_items", raw.min_items.is_some()),
                ("max_items", raw.max_items.is_some()),
                ("items", raw.items.is_some()),
            ] {
                if present {
                    let message = format!("`{key}` on a body that is not an array");
                    at.child(key)
                        .error(message)
                        .help(limit_help(&raw.kind))
                        .at_key()
                        .push(self.diags);
                    ok = false;
                }
            }
        }
        match raw.kind.as_str() {
            "none" => ok.then_some(Body::None),
            "object" => {
                let Some(ty) = &raw.ty else {
                    let help = "name the body's object type with `type:`".to_string();
                    at.error("object body without `type`").help(help).push(self.diags);
                    return None;
                };
                let resolved = self.resolve_type(&at.child("type"), ty)?;
                if !matches!(&resolved, TypeRef::Named(name) if self.type_kinds.get(name) == Some(&Kind::Object)) {
                    let help = "an object body names a type of `kind: object`".to_string();
                    at.child("type")
                        .error(format!("object body of type `{ty}`"))
                        .help(help)
                        .push(self.diags);
                    return None;
                }
                ok.then_some(Body::Object {
                    ty: resolved,
                    required: raw.required.unwrap_or(true),
                })
            }
            "array" => {
                if raw.ty.is_some() {
                    let help = "an array body names its item type with `items:`".to_string();
                    at.child("type")
                        .error("`type` on an array body")
                        .help(help)
                        .at_key()
                        .push(self.diags);
                    ok = false;
                }
                let Some(items) = &raw.items else {
                    let help = "name the item type with `items:`".to_string();
                    at.error("array body without `items`").help(help).push(self.diags);
                    return None;
                };
                let items = self.resolve_type(&at.child("items"), items)?;
                let min_items = raw.min_items.unwrap_or(0);
                if let Some(max) = raw.max_items {
                    if max == 0 || max < min_items {
                        let message = format!("`max_items: {max}` is below `min_items: {min_items}` or zero");
                        at.child("max_items")
                            .error(message)
                            .help("`max_items` must be at least 1 and at least `min_items`")
                            .push(self.diags);
                        ok = false;
                    }
                }
                ok.then_some(Body::Array {
                    items,
                    min_items,
                    max_items: raw.max_items,
                })
            }
            other => {
                let message = format!("unknown body kind `{other}`");
                let help = format!("valid kinds: {}", one_of(["none", "object", "array"]));
                at.child("kind").error(message).help(help).push(self.diags);
                None
            }
        }
    }

    /// The example query: a mapping from declared parameters to scalars, as wire text.
    pub(super) fn lower_query_example(
        &mut self,
        at: &At<'_>,
        raw: &raw::Endpoint,
        example: Option<&YamlValue>,
    ) -> Option<Vec<(String, String)>> {
        let Some(example) = example else {
            return Some(Vec::new());
        };
        let query_at = at.child("examples").child("query");
        let Some(map) = example.as_mapping() else {
            let help = "write `query: { ParamName: value }` with the endpoint's query parameters".to_string();
            query_at
                .error("the query example is not a mapping")
                .help(help)
                .push(self.diags);
            return None;
        };
        let mut values = Vec::new();
        let mut ok = true;
        for (key, value) in map {
            let Some(name) = key.as_str() else { continue };
            let value_at = query_at.child(name);
            if !raw.query.iter().any(|param| param.wire == name) {
                let names = raw.query.iter().map(|param| param.wire.as_str());
                let help = match did_you_mean(name, names.clone()) {
                    Some(best) => format!(
                        "did you mean `{best}`? the endpoint's query parameters: {}",
                        one_of(names)
                    ),
                    None => format!("the endpoint's query parameters: {}", one_of(names)),
                };
                value_at
                    .error(format!("`{name}` is not a query parameter of `{}`", raw.name))
                    .help(help)
                    .at_key()
                    .push(self.diags);
                ok = false;
                continue;
            }
            let text = match value {
                YamlValue::String(text) => text.clone(),
                YamlValue::Number(number) => number.to_string(),
                YamlValue::Bool(flag) => flag.to_string(),
                _ => {
                    let help = "a query value is a string, number or boolean".to_string();
                    value_at
                        .error(format!("the example value of `{name}` is not a scalar"))
                        .help(help)
                        .push(self.diags);
                    ok = false;
                    continue;
                }
            };
            values.push((name.to_string(), text));
        }
        ok.then_some(values)
    }

    /// An example as pretty JSON; `Some(None)` when absent, `None` when it is not JSON.
    pub(super) fn lower_example(
        &mut self,
        at: &At<'_>,
        which: &str,
        raw: Option<&YamlValue>,
    ) -> Option<Option<String>> {
        let Some(raw) = raw else { return Some(None) };
        match to_json(raw) {
            Ok(text) => Some(Some(text)),
            Err(error) => {
                let help =
                    "write the example as JSON (JSON is valid YAML): string keys, no tags or anchors".to_string();
                at.child("examples")
                    .child(which)
                    .error(format!("the {which} example is not JSON: {error}"))
                    .help(help)
                    .push(self.diags);
                None
            }
        }
    }
}

//! Golden test of the reserved names: every entry of `codegen::reserved::RESERVED`, put where
//! it is reserved in an otherwise valid spec, must give exactly one diagnostic, on the line
//! of the name, saying which generated item it would collide with. The rendered diagnostics
//! are pinned in `snapshots/reserved__*.snap` (`cargo insta review` after a change).

use codegen::reserved::{Place, RESERVED};
use codegen::{Diagnostics, SourceFile};

const API: &str = include_str!("golden/api.yaml");

fn load(spec: &str) -> Result<codegen::model::Spec, Diagnostics> {
    codegen::load(&[
        SourceFile {
            name: "spec/api.yaml".into(),
            text: API.into(),
        },
        SourceFile {
            name: "spec/names.yaml".into(),
            text: spec.into(),
        },
    ])
}

fn endpoint(name: &str, group: &str, extra: &str) -> String {
    format!(
        "  - name: {name}\n    title: A Call\n    group: {group}\n    method: GET\n    path: /Things\n    idempotent: true\n    response: json\n{extra}"
    )
}

/// A spec that uses `name` at `place`, and the line the name is on.
fn spec_with(place: Place, name: &str) -> (String, usize) {
    match place {
        Place::Endpoint => (format!("endpoints:\n{}", endpoint(name, "things", "")), 2),
        Place::Group => (format!("endpoints:\n{}", endpoint("list_things", name, "")), 4),
        Place::QueryParameter => (
            format!(
                "endpoints:\n{}",
                endpoint(
                    "list_things",
                    "things",
                    &format!("    query:\n      - wire: {name}\n        type: string\n")
                )
            ),
            10,
        ),
        Place::Type => (format!("types:\n  - name: {name}\n    kind: object\n"), 2),
        Place::OpenEnumVariant => (
            format!("types:\n  - name: Mode\n    kind: enum\n    values:\n      - wire: {name}\n"),
            5,
        ),
        Place::OpenObjectField => (
            format!(
                "types:\n  - name: Record\n    kind: object\n    additional_fields: true\n    fields:\n      - wire: {name}\n        type: string\n"
            ),
            6,
        ),
    }
}

#[test]
fn every_reserved_name_is_refused_with_the_item_it_collides_with() {
    let mut rendered = Vec::new();
    for entry in RESERVED {
        let (spec, line) = spec_with(entry.place, entry.name);
        let diagnostics = match load(&spec) {
            Ok(_) => panic!("{} `{}` was accepted:\n{spec}", entry.place.describe(), entry.name),
            Err(diagnostics) => diagnostics,
        };
        let [diagnostic] = diagnostics.items() else {
            panic!("expected one diagnostic for `{}`, got:\n{diagnostics}", entry.name);
        };
        assert_eq!(diagnostic.pos.line, line, "{diagnostic}");
        assert!(diagnostic.message.contains(entry.collides_with), "{diagnostic}");
        assert!(
            diagnostic.message.contains(&format!("`{}`", entry.name)),
            "{diagnostic}"
        );
        rendered.push(diagnostic.to_string());
    }
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn the_same_names_elsewhere_are_fine() {
    // A name is reserved only where it would collide: `send` is a fine type field, `Other`
    // a fine variant of a closed enum, `requests` a fine endpoint name.
    let spec = format!(
        "types:\n  - name: Thing\n    kind: object\n    fields:\n      - wire: send\n        type: string\n      - wire: additional_fields\n        type: string\n  - name: Mode\n    kind: enum\n    open: false\n    values:\n      - wire: Other\nendpoints:\n{}",
        endpoint("requests", "things", "")
    );
    load(&spec).unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
}

#[test]
fn endpoints_whose_generated_items_meet_are_refused() {
    let bulk = "    body:\n      kind: array\n      items: string\n      max_items: 10\n";
    let spec = format!(
        "types:\n  - name: Page\n    kind: object\n    fields:\n      - wire: Index\n        type: integer\n        required: true\n      - wire: Size\n        type: integer\n        required: true\nendpoints:\n{}{}{}{}{}{}",
        endpoint("add_things", "things", bulk).replace("GET", "POST"),
        endpoint("add_things_all", "things", ""),
        endpoint("list_things", "things", "    body:\n      kind: object\n      type: Page\n    pagination:\n      page_index: Index\n      page_size: Size\n")
            .replace("response: json", "response: array<string>")
            .replace("GET", "POST"),
        endpoint("list_things_pages", "things", ""),
        endpoint("get_thing2", "things", ""),
        endpoint("get_thing_2", "things", ""),
    );
    let diagnostics = load(&spec).expect_err("colliding endpoints were accepted");
    let text = diagnostics.to_string();
    assert_eq!(diagnostics.items().len(), 3, "{text}");
    // Each is reported at the later endpoint's name.
    for name in ["add_things_all", "list_things_pages", "get_thing_2"] {
        let line = spec
            .lines()
            .position(|l| l.ends_with(&format!("name: {name}")))
            .unwrap()
            + 1;
        assert!(
            diagnostics.items().iter().any(|d| d.pos.line == line),
            "no diagnostic on line {line} (`{name}`):\n{text}"
        );
    }
    insta::assert_snapshot!(text);
}

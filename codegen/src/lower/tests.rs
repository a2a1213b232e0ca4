//! The model's nodes keep where they are written.

use crate::diag::Pos;
use crate::model::{Site, Spec, TypeDef};
use crate::yaml::SourceFile;

const API: &str = include_str!("../../tests/golden/api.yaml");

const THINGS: &str = "\
types:
  - name: Thing
    kind: object
    fields:
      - wire: Name
        type: string
      - { wire: Size, type: integer }
  - name: Shade
    kind: enum
    values: [ { wire: light }, { wire: dark } ]
endpoints:
  - name: get_thing
    title: Get a Thing
    group: things
    method: GET
    path: /Things/Get
    idempotent: true
    query:
      - { wire: verbose, type: boolean }
      - wire: id
        type: string
        required: true
    response: Thing
";

fn load() -> Spec {
    let sources = [
        SourceFile {
            name: "spec/api.yaml".into(),
            text: API.into(),
        },
        SourceFile {
            name: "spec/things.yaml".into(),
            text: THINGS.into(),
        },
    ];
    crate::load(&sources).unwrap_or_else(|diags| panic!("{diags}"))
}

/// `(file, path, line, column)` of a site, to compare in one assertion.
fn at(site: &Site) -> (&str, &str, usize, usize) {
    let Pos { line, column } = site.pos;
    (&site.file, &site.path, line, column)
}

#[test]
fn an_endpoint_and_its_parameters_keep_their_positions() {
    let spec = load();
    let endpoint = &spec.endpoints[0];
    assert_eq!(at(&endpoint.site), ("spec/things.yaml", "endpoints[0]", 12, 5));
    // Required parameters come first in the model; each keeps its own place in the file.
    assert_eq!(endpoint.query[0].wire, "id");
    assert_eq!(
        at(&endpoint.query[0].site),
        ("spec/things.yaml", "endpoints[0].query[1]", 20, 9)
    );
    assert_eq!(
        at(&endpoint.query[1].site),
        ("spec/things.yaml", "endpoints[0].query[0]", 19, 9)
    );
}

#[test]
fn types_fields_and_values_keep_their_positions() {
    let spec = load();
    let Some(TypeDef::Object(thing)) = spec.types.iter().find(|def| def.name() == "Thing") else {
        panic!("no object `Thing`");
    };
    assert_eq!(at(&thing.site), ("spec/things.yaml", "types[0]", 2, 5));
    assert_eq!(
        at(&thing.fields[0].site),
        ("spec/things.yaml", "types[0].fields[0]", 5, 9)
    );
    assert_eq!(
        at(&thing.fields[1].site),
        ("spec/things.yaml", "types[0].fields[1]", 7, 9)
    );
    let Some(TypeDef::Enum(shade)) = spec.types.iter().find(|def| def.name() == "Shade") else {
        panic!("no enum `Shade`");
    };
    assert_eq!(at(&shade.site), ("spec/things.yaml", "types[1]", 8, 5));
    assert_eq!(
        at(&shade.values[1].site),
        ("spec/things.yaml", "types[1].values[1]", 10, 32)
    );
}

#[test]
fn the_api_section_and_its_exceptions_keep_their_positions() {
    let spec = load();
    let line_of = |text: &str| API.lines().position(|line| line.contains(text)).map(|index| index + 1);
    let (Some(name), Some(exception)) = (line_of("  name: Example"), line_of("    - wire: XBusyException")) else {
        panic!("the golden API section has changed");
    };
    assert_eq!(at(&spec.api.site), ("spec/api.yaml", "api", name, 3));
    assert_eq!(
        at(&spec.api.exceptions.site),
        ("spec/api.yaml", "api.exceptions", exception, 5)
    );
    assert_eq!(
        at(&spec.api.exceptions.values[0].site),
        ("spec/api.yaml", "api.exceptions[0]", exception, 7)
    );
}

#[test]
fn sites_do_not_make_equal_nodes_unequal() {
    let spec = load();
    let mut moved = spec.endpoints[0].clone();
    moved.site.pos.line += 10;
    moved.site.path = "endpoints[7]".into();
    assert_eq!(moved, spec.endpoints[0]);
}

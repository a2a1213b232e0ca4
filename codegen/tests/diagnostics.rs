//! Snapshot tests of spec diagnostics: the error text is user interface, so each message is
//! pinned. Each case is the golden API section plus one small broken file.
//!
//! After an intended wording change: `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use codegen::{Error, SourceFile, generate};

const API: &str = include_str!("golden/api.yaml");

fn render(files: &[(&str, &str)]) -> String {
    let mut sources = vec![SourceFile {
        name: "spec/api.yaml".into(),
        text: API.into(),
    }];
    sources.extend(files.iter().map(|(name, text)| SourceFile {
        name: (*name).into(),
        text: (*text).into(),
    }));
    match generate(&sources) {
        Err(Error::Spec(diagnostics)) => diagnostics.to_string(),
        Err(other) => panic!("expected spec diagnostics, got: {other}"),
        Ok(_) => panic!("expected spec diagnostics, but the spec generated"),
    }
}

const ENDPOINT_HEAD: &str = "
endpoints:
  - name: list_things
    title: List Things
    group: things
    method: GET
    path: /Things
    idempotent: true
    response: json
";

#[test]
fn yaml_syntax_error() {
    insta::assert_snapshot!(render(&[(
        "spec/broken.yaml",
        "types:\n  - name: Thing\n    kind: object\n   fields: [\n"
    )]));
}

#[test]
fn unknown_key_suggests_the_closest_valid_key() {
    let spec = format!("{ENDPOINT_HEAD}    idempotnet: true\n    respnse: json\n");
    insta::assert_snapshot!(render(&[("spec/things.yaml", &spec)]));
}

#[test]
fn reference_to_an_undefined_type() {
    let spec = "
types:
  - name: OpportunityField
    kind: object
    fields:
      - wire: Value
        type: string
  - name: Row
    kind: object
    fields:
      - wire: Fields
        type: array<OpportunityFeild>
endpoints:
  - name: add_rows
    title: Add Rows
    group: rows
    method: POST
    path: /Rows
    idempotent: false
    body:
      kind: array
      items: Row
    response: Reslt
";
    insta::assert_snapshot!(render(&[("spec/rows.yaml", spec)]));
}

#[test]
fn duplicate_endpoint_name_across_files() {
    insta::assert_snapshot!(render(&[
        ("spec/a.yaml", ENDPOINT_HEAD),
        ("spec/b.yaml", ENDPOINT_HEAD)
    ]));
}

#[test]
fn item_limits_on_a_body_that_is_not_an_array() {
    let spec = "
types:
  - name: Thing
    kind: object
    fields:
      - wire: Id
        type: string
endpoints:
  - name: update_thing
    title: Update a Thing
    group: things
    method: POST
    path: /Things/Update
    idempotent: true
    body:
      kind: object
      type: Thing
      max_items: 25
    response: json
";
    insta::assert_snapshot!(render(&[("spec/things.yaml", spec)]));
}

#[test]
fn names_that_are_not_identifiers_or_are_keywords() {
    let spec = "
types:
  - name: Thing
    kind: object
    fields:
      - wire: Type
        type: string
      - wire: Value
        rust: 2nd-value
        type: string
  - name: match
    kind: object
endpoints:
  - name: Get-Thing
    title: Get a Thing
    group: things
    method: GET
    path: /Things
    idempotent: true
    response: Thing
";
    insta::assert_snapshot!(render(&[("spec/things.yaml", spec)]));
}

#[test]
fn every_error_is_reported_in_one_run() {
    let spec = "
types:
  - name: Thing
    kind: objekt
endpoints:
  - name: get_thing
    title: Get a Thing
    group: things
    method: PUT
    path: Things
    idempotent: true
    response: Thing
    statuses:
      - code: 200
        meaning: OK
        processed: sometimes
";
    let text = render(&[("spec/things.yaml", spec)]);
    assert!(text.ends_with("4 errors in the spec; nothing was generated"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn wrong_value_types_and_missing_keys_are_located() {
    let spec = format!("{ENDPOINT_HEAD}    body:\n      kind: array\n      items: string\n      max_items: lots\n");
    insta::assert_snapshot!(render(&[("spec/things.yaml", &spec)]));
    insta::assert_snapshot!(render(&[(
        "spec/things.yaml",
        "endpoints:\n  - name: get_thing\n    method: GET\n"
    )]));
}

#[test]
fn rules_and_enums_are_checked() {
    let spec = "
types:
  - name: Flags
    kind: object
    fields:
      - wire: Overwrite
        type: boolean
      - wire: Id
        type: string
        required: true
        lenient: true
    rules:
      - at_most_one_of: [Overwrite, Id, UpdateEmpty]
  - name: Mode
    kind: enum
    values:
      - wire: \"=\"
      - wire: other
";
    insta::assert_snapshot!(render(&[("spec/flags.yaml", spec)]));
}

/// The generator must never panic, whatever the input: feed it every prefix of the real spec.
#[test]
fn examples_must_be_json_and_need_a_body_to_exemplify() {
    let spec = format!(
        "{ENDPOINT_HEAD}    examples:\n      request: {{ \"Name\": \"x\" }}\n      response: {{ 1: !custom one }}\n"
    );
    insta::assert_snapshot!(render(&[("spec/things.yaml", &spec)]));
}

#[test]
fn json_strings_and_additional_fields_are_checked() {
    let spec = "
types:
  - name: Record
    kind: object
    additional_fields: true
    fields:
      - wire: AdditionalFields
        type: string
      - wire: Count
        type: integer
        lenient: true
        json_string: true
endpoints:
  - name: get_record
    title: Get a Record
    group: records
    method: GET
    path: /Records.svc/Get
    idempotent: true
    query:
      - wire: filter
        type: string
        json_string: true
    response: Record
    unwrap: \"Message \"
";
    insta::assert_snapshot!(render(&[("spec/records.yaml", spec)]));
}

#[test]
fn date_times_are_checked_in_types_and_examples() {
    let spec = r#"
types:
  - name: Meeting
    kind: object
    fields:
      - wire: StartsAt
        type: date_time
      - wire: EndsAt
        type: datetime
        lenient: true
  - name: Slot
    kind: object
    fields:
      - wire: At
        type: datetime
        required: true
endpoints:
  - name: book_slot
    title: Book a Slot
    group: slots
    method: POST
    path: /Slots.svc/Book
    idempotent: false
    body: { kind: object, type: Slot }
    response: json
    examples:
      request: { "At": "2021-06-08T10:30:00Z" }
"#;
    insta::assert_snapshot!(render(&[("spec/meetings.yaml", spec)]));
}

#[test]
fn numbers_as_strings_are_only_for_numbers_of_objects() {
    let spec = "
types:
  - name: Window
    kind: object
    fields:
      - wire: Label
        type: string
        as_string: true
      - wire: Count
        type: integer
        lenient: true
        as_string: true
      - wire: Codes
        type: array<integer>
        as_string: true
endpoints:
  - name: get_window
    title: Get a Window
    group: windows
    method: GET
    path: /Windows.svc/Get
    idempotent: true
    query:
      - wire: offset
        type: integer
        as_string: true
    response: Window
";
    insta::assert_snapshot!(render(&[("spec/windows.yaml", spec)]));
}

#[test]
fn integer_enums_list_distinct_integers() {
    let spec = "
types:
  - name: SortOrder
    kind: enum
    integer: true
    values:
      - { wire: 1, rust: Descending }
      - { wire: \"01\", rust: AlsoDescending }
      - { wire: newest, rust: Newest }
  - name: Sorting
    kind: object
    integer: true
    fields:
      - wire: Direction
        type: SortOrder
";
    insta::assert_snapshot!(render(&[("spec/sorting.yaml", spec)]));
}

#[test]
fn json_text_is_a_string_attributes_whole_text() {
    let spec = "
types:
  - name: Search
    kind: object
    fields:
      - wire: Criteria
        type: json_text
      - wire: Filters
        type: array<json_text>
        json_string: true
      - wire: Critera
        type: jsontext
        json_string: true
";
    insta::assert_snapshot!(render(&[("spec/search.yaml", spec)]));
}

#[test]
fn item_limits_on_fields_are_for_arrays_of_objects() {
    let spec = "
types:
  - name: Batch
    kind: object
    fields:
      - { wire: Name, type: string, max_items: 3 }
      - { wire: Ids, type: array<string>, min_items: 5, max_items: 2 }
      - { wire: None, type: array<string>, max_items: 0 }
endpoints:
  - name: get_batch
    title: Get a Batch
    group: batches
    method: GET
    path: /Batches.svc/Get
    idempotent: true
    query:
      - { wire: ids, type: string, max_items: 10 }
    response: Batch
";
    insta::assert_snapshot!(render(&[("spec/batches.yaml", spec)]));
}

#[test]
fn each_rule_has_one_kind_and_optional_fields() {
    let spec = "
types:
  - name: Post
    kind: object
    fields:
      - { wire: Id, type: string }
      - { wire: Email, type: string }
      - { wire: Event, type: integer, required: true }
    rules:
      - at_least_one_of: [Id, Email]
        exactly_one_of: [Id, Email]
      - exactly_one_of: [Id, Event]
      - at_least_one_of: [Id]
      - at_lest_one_of: [Id, Email]
";
    insta::assert_snapshot!(render(&[("spec/posts.yaml", spec)]));
}

#[test]
fn only_a_get_that_is_not_idempotent_changes_state() {
    let spec = "
endpoints:
  - name: delete_thing
    title: Delete a Thing
    group: things
    method: GET
    path: /Things.svc/Delete
    idempotent: true
    changes_state: true
    response: json
  - name: create_thing
    title: Create a Thing
    group: things
    method: POST
    path: /Things.svc/Create
    idempotent: false
    changes_state: true
    response: json
";
    insta::assert_snapshot!(render(&[("spec/things.yaml", spec)]));
}

#[test]
fn pagination_paths_are_resolved_and_checked() {
    let spec = "
types:
  - name: Paging
    kind: object
    fields:
      - wire: PageIndex
        type: integer
        required: true
      - wire: PageSize
        type: string
        required: true
  - name: Search
    kind: object
    fields:
      - wire: Paging
        type: Paging
  - name: Found
    kind: object
    fields:
      - wire: List
        type: string
        required: true
      - wire: RecordCount
        type: integer
endpoints:
  - name: search_things
    title: Search Things
    group: things
    method: POST
    path: /Things.svc/Search
    idempotent: true
    body:
      kind: object
      type: Search
    response: Found
    pagination:
      page_index: Paging.PageIndex
      page_size: Search.PageSize
      items: List
      total: RecordCont
";
    insta::assert_snapshot!(render(&[("spec/things.yaml", spec)]));
}

#[test]
fn query_examples_name_declared_parameters_and_hold_scalars() {
    let spec = format!(
        "{ENDPOINT_HEAD}    query:\n      - wire: limit\n        type: integer\n    examples:\n      query: {{ limt: 5, limit: [1] }}\n"
    );
    insta::assert_snapshot!(render(&[("spec/things.yaml", &spec)]));
}

#[test]
fn bulk_result_mappings_are_checked() {
    let spec = "
types:
  - name: Item
    kind: object
    fields:
      - wire: Name
        type: string
        required: true
  - name: ItemResult
    kind: object
    fields:
      - wire: RowNumber
        type: string
      - wire: Created
        type: boolean
endpoints:
  - name: add_items
    title: Add Items
    group: items
    method: POST
    path: /Items.svc/Add
    idempotent: false
    body:
      kind: array
      items: Item
      max_items: 25
    response: array<ItemResult>
    bulk:
      row_number: RowNumber
      succeeded: Creatd
  - name: list_items
    title: List Items
    group: items
    method: GET
    path: /Items.svc/List
    idempotent: true
    response: array<ItemResult>
    bulk:
      row_number: RowNumber
      succeeded: Created
";
    insta::assert_snapshot!(render(&[("spec/items.yaml", spec)]));
}

#[test]
fn never_panics_on_truncated_or_mangled_specs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let files = codegen::read_spec_dir(&root.join("spec"), root).unwrap();
    let api = files.iter().position(|file| file.name.ends_with("api.yaml")).unwrap();
    let mut emitted = 0;
    for (i, file) in files.iter().enumerate() {
        let lines: Vec<&str> = file.text.lines().collect();
        // At most 150 cut points per file, evenly spread, so the test stays fast as the spec
        // grows; every construct's lines are still cut somewhere.
        let step = lines.len().div_ceil(150).max(1);
        for cut in (0..lines.len()).step_by(step) {
            for mangle in [
                None,
                Some("  ? [a, b]: c"),
                Some("\t- wire: {"),
                Some("    type: array<array<>>"),
            ] {
                let mut text = lines[..cut].join("\n");
                if let Some(extra) = mangle {
                    text.push('\n');
                    text.push_str(extra);
                }
                // The broken file with the API section (other files would only add unknown-type
                // errors for the references they hold).
                let mut sources = vec![files[api].clone()];
                if i != api {
                    sources.push(file.clone());
                }
                let last = sources.len() - 1;
                sources[last].text = text;
                // Loading is where malformed input goes; a spec that loads is also emitted, and
                // emitting a loaded spec cannot fail.
                if codegen::load(&sources).is_ok() {
                    let generated = generate(&sources).unwrap_or_else(|error| {
                        panic!(
                            "{} cut at line {cut} with {mangle:?} loads but does not generate:\n{error}",
                            file.name
                        )
                    });
                    assert!(
                        !generated.is_empty(),
                        "{} cut at line {cut}: no files generated",
                        file.name
                    );
                    emitted += 1;
                }
            }
        }
    }
    assert!(emitted > 0, "no truncated spec loaded, so emission was never exercised");
}

#[test]
fn nesting_past_the_limit_is_reported_at_its_line() {
    // Flow collections, block sequences on one line, indented mappings: all stop at the
    // 65th level with a diagnostic, never a stack overflow, whatever the depth.
    let flow = format!("types: []\nx: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let sequences = format!("{}x\n", "- ".repeat(3_800));
    let mappings: String = (0..3_000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
    let mut rendered = Vec::new();
    for (text, line) in [(flow, 2), (sequences, 1), (mappings, 65)] {
        let text = render(&[("spec/deep.yaml", &text)]);
        assert!(text.contains(&format!("--> spec/deep.yaml:{line}:")), "{text}");
        assert!(text.contains("nests deeper than 64 levels"), "{text}");
        rendered.push(text);
    }
    insta::assert_snapshot!(rendered.join("\n\n"));
}

#[test]
fn a_file_over_the_size_limit_is_not_parsed() {
    let line = format!("#{}\n", "x".repeat(1022));
    let text = line.repeat(16 * 1024 + 1);
    let rendered = render(&[("spec/huge.yaml", &text)]);
    // The limit is reached on line 16,385 (1 KiB lines).
    assert!(rendered.contains("--> spec/huge.yaml:16385:1"), "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn alias_bombs_and_recursive_aliases_are_refused_where_they_go_off() {
    let bomb = format!(
        "{ENDPOINT_HEAD}    examples:\n      response:\n        a: &a [x, x, x, x, x, x, x, x, x]\n        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n        d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    );
    let recursive = format!("{ENDPOINT_HEAD}    examples:\n      response: &loop [1, *loop]\n");
    // Aliases that stay within the limit are fine.
    let shared = format!(
        "{ENDPOINT_HEAD}    statuses: &ok\n      - {{ code: 200, meaning: OK, processed: always }}\n  - name: list_more\n    title: List More\n    group: things\n    method: GET\n    path: /More\n    idempotent: true\n    response: json\n    statuses: *ok\n"
    );
    assert!(codegen::load(&[api(), file("spec/things.yaml", &shared)]).is_ok());
    insta::assert_snapshot!(format!(
        "{}\n\n{}",
        render(&[("spec/things.yaml", &bomb)]),
        render(&[("spec/things.yaml", &recursive)])
    ));
}

#[test]
fn every_duplicate_key_is_reported_at_its_own_line() {
    let spec = "
types:
  - name: Thing
    kind: object
    kind: enum
    fields:
      - wire: Id
        type: string
        type: integer
    name: Other
endpoints: []
types: []
";
    let text = render(&[("spec/things.yaml", spec)]);
    assert!(
        text.starts_with("error: duplicate key `kind`\n --> spec/things.yaml:5:5"),
        "{text}"
    );
    assert!(text.contains("4 errors"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn an_endpoint_must_document_a_success_status() {
    let spec = format!("{ENDPOINT_HEAD}    statuses: []\n");
    let own = render(&[("spec/things.yaml", &spec)]);
    let spec = format!(
        "{ENDPOINT_HEAD}    statuses:\n      - code: 429\n        meaning: Too many calls.\n        processed: never\n"
    );
    insta::assert_snapshot!(format!("{own}\n\n{}", render(&[("spec/things.yaml", &spec)])));
}

#[test]
fn suggestions_need_a_close_name() {
    // `auth` shares letters with `path` but is two edits from it: no suggestion.
    let spec = format!("{ENDPOINT_HEAD}    auth: header\n    descripton: typo\n");
    let text = render(&[("spec/things.yaml", &spec)]);
    assert!(!text.contains("did you mean `path`"), "{text}");
    assert!(text.contains("did you mean `description`"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn type_expressions_nest_arrays_a_bounded_depth() {
    let deep = format!("{}string{}", "array<".repeat(100_000), ">".repeat(100_000));
    let spec = format!("{ENDPOINT_HEAD}    query:\n      - wire: ok\n        type: array<array<string>>\n")
        .replace("response: json", &format!("response: {deep}"));
    let text = render(&[("spec/things.yaml", &spec)]);
    assert!(text.contains("nests arrays too deep"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn flow_lines_must_be_indented_past_their_key() {
    // As in an earlier revision of the project's spec: some parsers let the `]` pass.
    let spec = format!(
        "{ENDPOINT_HEAD}    examples:
      response: [
        {{ \"ProspectID\": \"6f75b09d-0187-45d6-86dd-f848bd5a0aca\", \"FirstName\": \"George\",
          \"LastName\": \"Smith\", \"EmailAddress\": \"george@example.com\" }}
      ]
"
    );
    insta::assert_snapshot!(render(&[("spec/things.yaml", &spec)]));
}

fn api() -> SourceFile {
    file("spec/api.yaml", API)
}

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.into(),
        text: text.into(),
    }
}

#[test]
fn an_example_the_generated_api_cannot_write_is_reported_not_dropped() {
    // Each endpoint's examples hold one value the generated API cannot write; each is reported
    // at that value, with what to do.
    let spec = "
types:
  - name: Shade
    kind: enum
    open: false
    values: [ { wire: light }, { wire: dark } ]
  - name: Paint
    kind: object
    fields:
      - { wire: Shade, type: Shade, required: true }
      - { wire: Litres, type: integer }
      - { wire: Brand, type: string }
  - name: Person
    kind: attributes
    pair: { attribute: Attribute, value: Value }
    fields:
      - { wire: EmailAddress, type: string }
endpoints:
  - name: add_paint
    title: Add Paint
    group: paints
    method: POST
    path: /Paints/Add
    idempotent: false
    body: { kind: object, type: Paint }
    response: json
    examples:
      request: { \"Shade\": \"neon\" }
  - name: add_paints
    title: Add Paints
    group: paints
    method: POST
    path: /Paints/Bulk
    idempotent: false
    body: { kind: array, items: Paint, max_items: 5 }
    response: json
    examples:
      request: [ { \"Shade\": \"dark\" },
                 { \"Shade\": \"light\", \"Litres\": \"4\" } ]
  - name: mix_paint
    title: Mix Paint
    group: paints
    method: POST
    path: /Paints/Mix
    idempotent: false
    body: { kind: object, type: Paint }
    response: json
    examples:
      request: { \"Litres\": 4 }
  - name: sell_paint
    title: Sell Paint
    group: paints
    method: POST
    path: /Paints/Sell
    idempotent: false
    body: { kind: object, type: Paint }
    response: json
    examples:
      request: { \"Shade\": \"dark\", \"Colour\": \"red\" }
  - name: add_painter
    title: Add Painter
    group: paints
    method: POST
    path: /Painters/Add
    idempotent: false
    body: { kind: object, type: Person }
    response: json
    examples:
      request: [ { \"Attribute\": \"EmailAddress\", \"Value\": \"a@example.com\" },
                 { \"Attribute\": \"EmailAddress\", \"Value\": \"b@example.com\" } ]
  - name: get_paints
    title: Get Paints
    group: paints
    method: GET
    path: /Paints
    idempotent: true
    query:
      - { wire: limit, type: integer, required: true }
    response: json
    examples:
      query: { limit: many }
  - name: paint_wall
    title: Paint Wall
    group: paints
    method: POST
    path: /Paints/Wall
    idempotent: false
    query:
      - { wire: wall, type: string, required: true }
    body: { kind: object, type: Paint }
    response: json
    examples:
      query: { wall: north }
";
    insta::assert_snapshot!(render(&[("spec/paints.yaml", spec)]));
}

#[test]
fn optional_bodies_and_paging_through_optional_attributes_are_checked() {
    let spec = "
types:
  - name: Paging
    kind: object
    fields:
      - wire: PageIndex
        type: integer
        required: true
      - wire: PageSize
        type: integer
        required: true
      - wire: Token
        type: string
        required: true
  - name: Window
    kind: object
    fields:
      - wire: Offset
        type: integer
      - wire: Rows
        type: integer
  - name: Search
    kind: object
    fields:
      - wire: Owner
        type: string
        required: true
      - wire: Paging
        type: Paging
      - wire: Window
        type: Window
      - wire: RowCount
        type: integer
endpoints:
  - name: search_things
    title: Search Things
    group: things
    method: POST
    path: /Things.svc/Search
    idempotent: true
    body:
      kind: object
      type: Search
      required: false
    response: array<string>
    pagination:
      page_index: Paging.PageIndex
      page_size: Paging.PageSize
  - name: window_things
    title: Window Things
    group: things
    method: POST
    path: /Things.svc/Window
    idempotent: true
    body: { kind: object, type: Search }
    response: array<string>
    pagination:
      offset: Window.Offset
      row_count: RowCount
  - name: mixed_things
    title: Mixed Things
    group: things
    method: POST
    path: /Things.svc/Mixed
    idempotent: true
    body: { kind: object, type: Search }
    response: array<string>
    pagination:
      page_index: Paging.PageIndex
      row_count: RowCount
  - name: page_things
    title: Page Things
    group: things
    method: POST
    path: /Things.svc/Page
    idempotent: true
    body: { kind: object, type: Search }
    response: array<string>
    pagination:
      page_index: Paging.PageIndex
      page_size: Paging.PageSize
  - name: named_things
    title: Named Things
    group: things
    method: POST
    path: /Things.svc/Named
    idempotent: true
    query:
      - wire: Page
        type: integer
    body: { kind: object, type: Window }
    response: array<string>
    pagination:
      offset: Offset
      row_count: Offset
  - name: windowed_things
    title: Windowed Things
    group: things
    method: POST
    path: /Things.svc/Windowed
    idempotent: true
    query:
      - wire: Window
        type: integer
    body: { kind: object, type: Window }
    response: array<string>
    pagination:
      offset: Offset
      row_count: Rows
  - name: add_things
    title: Add Things
    group: things
    method: POST
    path: /Things.svc/Add
    idempotent: false
    body: { kind: array, items: string, required: false }
    response: json
";
    insta::assert_snapshot!(render(&[("spec/things.yaml", spec)]));
}

#[test]
fn attribute_lists_are_checked() {
    let spec = "
types:
  - name: NoPair
    kind: attributes
    fields:
      - wire: EmailAddress
        type: string
  - name: Person
    kind: attributes
    pair: { attribute: Attribute, value: Attribute }
    rules:
      - at_most_one_of: [EmailAddress, Phone]
    fields:
      - wire: EmailAddress
        type: string
        required: true
      - wire: Score
        type: integer
      - wire: Set
        type: string
  - name: Thing
    kind: object
    pair: { attribute: Attribute, value: Value }
    fields:
      - wire: Name
        type: string
";
    insta::assert_snapshot!(render(&[("spec/things.yaml", spec)]));
}

/// Renders the diagnostics of `api` (an API section) with `files`.
fn render_with_api(api: &str, files: &[(&str, &str)]) -> String {
    let mut sources = vec![file("spec/api.yaml", api)];
    sources.extend(files.iter().map(|(name, text)| file(name, text)));
    match generate(&sources) {
        Err(Error::Spec(diagnostics)) => diagnostics.to_string(),
        Err(other) => panic!("expected spec diagnostics, got: {other}"),
        Ok(_) => panic!("expected spec diagnostics, but the spec generated"),
    }
}

/// The golden API section with its rate limits (plans and classes) replaced by `rates`.
fn api_with_rates(rates: &str) -> String {
    let start = API.find("  plans:").expect("the golden API declares plans");
    let end = API.find("  statuses:").expect("the golden API declares statuses");
    format!("{}{rates}{}", &API[..start], &API[end..])
}

#[test]
fn plans_and_rate_limit_classes_are_checked() {
    let api = api_with_rates(
        "  plans: [Small, LargeOne, Largeone, large_one]
  rate_limits:
    - name: standard
      calls: 10
      per_seconds: 2
      plans: { Smal: 4, Small: 0 }
    - name: Bulk
      calls: 1
      per_seconds: 5
    - name: standard
      calls: 0
      per_seconds: 5
",
    );
    insta::assert_snapshot!(render_with_api(&api, &[("spec/things.yaml", ENDPOINT_HEAD)]));
}

#[test]
fn an_endpoint_names_a_declared_rate_limit_class() {
    let spec = format!(
        "{ENDPOINT_HEAD}    rate_limit: bluk
  - name: add_things
    title: Add Things
    group: things
    method: POST
    path: /Things/Bulk/Add
    idempotent: false
    response: json
    rate_limit: {{ calls: 1, per_seconds: 5 }}
  - name: count_things
    title: Count Things
    group: things
    method: GET
    path: /Things/Count
    idempotent: true
    response: json
    rate_limit: 5
"
    );
    insta::assert_snapshot!(render(&[("spec/things.yaml", &spec)]));
}

#[test]
fn the_older_single_rate_limit_loads_as_one_class_and_mixes_with_nothing() {
    let legacy = api_with_rates("  rate_limit: { calls: 25, per_seconds: 5 }\n");
    let spec = codegen::load(&[file("spec/api.yaml", &legacy), file("spec/things.yaml", ENDPOINT_HEAD)])
        .expect("the older shape loads");
    let classes: Vec<(&str, u32)> = spec
        .api
        .rate_classes
        .iter()
        .map(|class| (class.name.as_str(), class.default.calls))
        .collect();
    assert_eq!(classes, [("standard", 25)]);
    assert!(spec.api.plans.is_empty());
    assert_eq!(spec.endpoints[0].rate_class, "standard");

    let both = format!(
        "{}  rate_limit: {{ calls: 25, per_seconds: 5 }}\n",
        &API[..API.find("  statuses:").unwrap()]
    ) + &API[API.find("  statuses:").unwrap()..];
    let with_plans = api_with_rates("  plans: [Small]\n  rate_limit: { calls: 25, per_seconds: 5 }\n");
    let neither = api_with_rates("");
    insta::assert_snapshot!(
        [both, with_plans, neither]
            .iter()
            .map(|api| render_with_api(api, &[("spec/things.yaml", ENDPOINT_HEAD)]))
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
}

//! One small spec pair per rule, run through the whole comparison: the rules, then the
//! generated-code catch-all, so each row also proves that the rule explains every change the
//! generator makes for it (an unexplained one would show as `unclassified`).
//!
//! A model field without a rule does not compile (every model struct is destructured without
//! `..`); `a_change_no_rule_reports_is_unclassified` shows what the catch-all does with one.

use super::*;
use crate::codediff;
use Impact::{Behaviour, Breaking, Compatible, Documentation, Unclassified};
use codegen::SourceFile;

const API: &str = "
api:
  name: Example
  crate_name: example
  description: An example API.
  base_url: \"https://{host}/v1\"
  hosts:
    - region: Primary
      host: api.example.com
      description: The first region.
      default: true
    - region: Secondary
      host: api2.example.com
  auth:
    preferred: header
    header: { access_key: x-Key, secret_key: x-Secret }
    query: { access_key: key, secret_key: secret }
  error_envelope: { status_field: Status, error_value: Error, type_field: ExceptionType, message_field: ExceptionMessage }
  plans: [Small, Large]
  rate_limits:
    - { name: standard, calls: 25, per_seconds: 5, plans: { Small: 5, Large: 25 } }
    - { name: bulk, calls: 1, per_seconds: 5, plans: { Small: 1 } }
  statuses:
    - { code: 200, meaning: OK., processed: always }
    - { code: 500, meaning: Failed., processed: unknown }
  exceptions:
    - { wire: MXOne, rust: One, description: One. }
    - { wire: MXLimit, rust: Limit, rate_limited: true }
";

const BASE: &str = "
types:
  - name: Row
    kind: object
    description: A row.
    fields:
      - { wire: Name, type: string, required: true }
      - { wire: Value, type: string, required: true }
      - { wire: Count, type: integer, lenient: true }
      - { wire: Note, type: string }
      - { wire: A, type: boolean }
      - { wire: B, type: boolean }
    rules:
      - at_most_one_of: [A, B]
        description: Not both.
  - name: Color
    kind: enum
    values: [ { wire: red }, { wire: blue } ]
  - name: State
    kind: enum
    open: false
    values: [ { wire: open }, { wire: shut } ]
  - name: Level
    kind: enum
    open: false
    values: [ { wire: low }, { wire: high } ]
  - name: Outcome
    kind: object
    fields:
      - { wire: RowNumber, type: integer, required: true }
      - { wire: Created, type: boolean, required: true }
      - { wire: Id, type: string }
      - { wire: State, type: State }
  - name: Record
    kind: object
    additional_fields: true
    fields:
      - { wire: Email, type: string }
  - name: Paging
    kind: object
    fields:
      - { wire: PageIndex, type: integer, required: true }
      - { wire: PageSize, type: integer, required: true }
  - name: Search
    kind: object
    fields:
      - { wire: Paging, type: Paging, required: true }
      - { wire: Level, type: Level }
  - name: Tag
    kind: enum
    values: [ { wire: x } ]
  - name: Person
    kind: attributes
    pair: { attribute: Attribute, value: Value }
    fields:
      - { wire: EmailAddress, type: string }
endpoints:
  - name: add_rows
    title: Add Rows
    group: rows
    method: POST
    path: /Rows/Add
    idempotent: false
    query:
      - { wire: color, type: Color, required: true }
      - { wire: mode, type: string, required: true }
      - { wire: dry, type: boolean }
    body: { kind: array, items: Row, min_items: 1, max_items: 25 }
    response: array<Outcome>
    unwrap: Response
    bulk: { row_number: RowNumber, succeeded: Created, id: Id }
  - name: search_records
    title: Search Records
    group: records
    method: POST
    path: /Records/Search
    idempotent: true
    body: { kind: object, type: Search }
    response: array<Record>
    pagination: { page_index: Paging.PageIndex, page_size: Paging.PageSize }
  - name: get_record
    title: Get Record
    group: records
    method: GET
    path: /Records/Get
    idempotent: true
    query:
      - { wire: id, type: string, required: true }
    response: Record
";

fn sources(api: &str, rest: &str) -> Vec<SourceFile> {
    vec![
        SourceFile {
            name: "spec/api.yaml".into(),
            text: api.into(),
        },
        SourceFile {
            name: "spec/rows.yaml".into(),
            text: rest.into(),
        },
    ]
}

/// Applies (find, replace) edits, each of which must match.
fn edit(text: &str, edits: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (find, replace) in edits {
        assert!(text.contains(find), "the edit's text is not in the spec: {find}");
        text = text.replacen(find, replace, 1);
    }
    text
}

/// The whole comparison of `old` with `new`: the rules' changes and the unexplained ones.
fn full(old: &[SourceFile], new: &[SourceFile]) -> Vec<ApiChange> {
    compared(&Generated::of(old), &Generated::of(new)).0
}

/// A spec, loaded and generated.
struct Generated {
    spec: Spec,
    code: Vec<codegen::GeneratedFile>,
}

impl Generated {
    fn of(sources: &[SourceFile]) -> Generated {
        Generated {
            spec: codegen::load(sources).unwrap_or_else(|diags| panic!("{diags}")),
            code: codegen::generate(sources).unwrap_or_else(|e| panic!("{e}")),
        }
    }
}

/// The changes (the rules' and the unexplained ones), and the differences in generated code.
fn compared(old: &Generated, new: &Generated) -> (Vec<ApiChange>, Vec<codediff::Difference>) {
    let mut changes = compare(Some(&old.spec), &new.spec);
    let differences = codediff::differences(&old.code, &new.code).unwrap();
    let unexplained = codediff::unexplained(&differences, &changes);
    changes.extend(unexplained);
    (changes, differences)
}

fn kinds(changes: &[ApiChange]) -> Vec<(Impact, &'static str)> {
    let mut found: Vec<_> = changes.iter().map(|c| (c.impact, c.kind)).collect();
    found.sort();
    found
}

fn shown(changes: &[ApiChange]) -> String {
    changes
        .iter()
        .map(|c| format!("\n  {:?} {}: {} — {}", c.impact, c.kind, c.subject, c.reason))
        .collect()
}

type Edits = &'static [(&'static str, &'static str)];

/// One rule: edits to the API file and to the types-and-endpoints file, and whether the pair is
/// compared backwards (edited → original), for additions that are easiest written as removals.
struct Case {
    rule: &'static str,
    api: Edits,
    spec: Edits,
    backwards: bool,
    expect: &'static [(Impact, &'static str)],
}

const fn case(rule: &'static str, api: Edits, spec: Edits, expect: &'static [(Impact, &'static str)]) -> Case {
    Case {
        rule,
        api,
        spec,
        backwards: false,
        expect,
    }
}

const fn backwards(rule: &'static str, spec: Edits, expect: &'static [(Impact, &'static str)]) -> Case {
    Case {
        rule,
        api: &[],
        spec,
        backwards: true,
        expect,
    }
}

const NONE: Edits = &[];

const CASES: &[Case] = &[
    // The API section.
    case(
        "base URL",
        &[("https://{host}/v1", "https://{host}/v2")],
        NONE,
        &[(Behaviour, "base URL changed")],
    ),
    case(
        "crate name in doc examples",
        &[("crate_name: example", "crate_name: sample")],
        NONE,
        &[(Documentation, "crate name changed")],
    ),
    case(
        "API name (also in ExceptionType's docs)",
        &[("  name: Example\n", "  name: Sample\n")],
        NONE,
        &[
            (Documentation, "API name changed"),
            (Documentation, "description changed"),
        ],
    ),
    case(
        "API description",
        &[("An example API.", "An API.")],
        NONE,
        &[(Documentation, "description changed")],
    ),
    case(
        "host of a region",
        &[("host: api2.example.com", "host: api3.example.com")],
        NONE,
        &[(Behaviour, "host changed")],
    ),
    case(
        "host description",
        &[("The first region.", "The main region.")],
        NONE,
        &[(Documentation, "description changed")],
    ),
    case(
        "default region",
        &[
            ("      default: true\n", ""),
            (
                "host: api2.example.com\n",
                "host: api2.example.com\n      default: true\n",
            ),
        ],
        NONE,
        &[(Behaviour, "default region changed")],
    ),
    case(
        "region added",
        &[(
            "host: api2.example.com\n",
            "host: api2.example.com\n    - region: Third\n      host: api3.example.com\n",
        )],
        NONE,
        &[(Compatible, "region added")],
    ),
    case(
        "region removed",
        &[("    - region: Secondary\n      host: api2.example.com\n", "")],
        NONE,
        &[(Breaking, "region removed")],
    ),
    case(
        "regions reordered",
        &[
            ("    - region: Secondary\n      host: api2.example.com\n", ""),
            (
                "  hosts:\n",
                "  hosts:\n    - region: Secondary\n      host: api2.example.com\n",
            ),
        ],
        NONE,
        &[(Behaviour, "regions reordered")],
    ),
    case(
        "authentication header name",
        &[("x-Secret", "x-Secret-Key")],
        NONE,
        &[(Behaviour, "authentication changed")],
    ),
    case(
        "preferred authentication placement",
        &[("preferred: header", "preferred: query")],
        NONE,
        &[(Behaviour, "authentication changed")],
    ),
    case(
        "error envelope",
        &[("message_field: ExceptionMessage", "message_field: Message")],
        NONE,
        &[(Behaviour, "error envelope changed")],
    ),
    case(
        "a rate-limit class's default, the limit of every endpoint in it",
        &[("calls: 25, per_seconds: 5", "calls: 10, per_seconds: 5")],
        NONE,
        &[(Behaviour, "rate limit changed")],
    ),
    case(
        "a rate-limit class's figure on a plan",
        &[("Large: 25", "Large: 20")],
        NONE,
        &[(Behaviour, "rate limit changed")],
    ),
    case(
        "a rate-limit class's figure on a plan left to its default, which is the same",
        &[("plans: { Small: 1 }", "plans: {}")],
        NONE,
        &[(Documentation, "plan figure documented")],
    ),
    case(
        "plan added (Plan is non-exhaustive)",
        &[("plans: [Small, Large]", "plans: [Small, Large, Huge]")],
        NONE,
        &[(Compatible, "plan added")],
    ),
    case(
        "plan removed",
        &[("plans: [Small, Large]", "plans: [Small]"), (", Large: 25", "")],
        NONE,
        &[(Breaking, "plan removed")],
    ),
    case(
        "plans reordered",
        &[("plans: [Small, Large]", "plans: [Large, Small]")],
        NONE,
        &[(Behaviour, "plans reordered")],
    ),
    case(
        "rate-limit class added (RateLimitClass is non-exhaustive)",
        &[(
            "    - { name: bulk,",
            "    - { name: export, calls: 2, per_seconds: 5 }\n    - { name: bulk,",
        )],
        NONE,
        &[(Compatible, "rate-limit class added")],
    ),
    case(
        "rate-limit class removed",
        &[(
            "    - { name: bulk, calls: 1, per_seconds: 5, plans: { Small: 1 } }\n",
            "",
        )],
        NONE,
        &[(Breaking, "rate-limit class removed")],
    ),
    case(
        "rate-limit class described",
        &[(
            "{ name: bulk, calls: 1,",
            "{ name: bulk, description: Rows in bulk., calls: 1,",
        )],
        NONE,
        &[(Documentation, "description changed")],
    ),
    case(
        "rate-limit classes reordered: the first, of endpoints naming none, is another",
        &[(
            "    - { name: standard, calls: 25, per_seconds: 5, plans: { Small: 5, Large: 25 } }\n    - { name: bulk, calls: 1, per_seconds: 5, plans: { Small: 1 } }\n",
            "    - { name: bulk, calls: 1, per_seconds: 5, plans: { Small: 1 } }\n    - { name: standard, calls: 25, per_seconds: 5, plans: { Small: 5, Large: 25 } }\n",
        )],
        NONE,
        &[
            (Behaviour, "rate-limit class changed"),
            (Behaviour, "rate-limit class changed"),
            (Behaviour, "rate-limit class changed"),
            (Behaviour, "rate-limit classes reordered"),
        ],
    ),
    case(
        "rate-limit flag of an exception",
        &[(
            "{ wire: MXOne, rust: One, description: One. }",
            "{ wire: MXOne, rust: One, description: One., rate_limited: true }",
        )],
        NONE,
        &[(Behaviour, "rate-limit flag changed")],
    ),
    case(
        "exception added (ExceptionType is open)",
        &[(
            "    - { wire: MXLimit",
            "    - { wire: MXTwo, rust: Two }\n    - { wire: MXLimit",
        )],
        NONE,
        &[(Compatible, "enum value added")],
    ),
    case(
        "exception removed",
        &[("    - { wire: MXOne, rust: One, description: One. }\n", "")],
        NONE,
        &[(Breaking, "enum value removed")],
    ),
    case(
        "an exception's processed",
        &[(
            "{ wire: MXOne, rust: One, description: One. }",
            "{ wire: MXOne, rust: One, description: One., processed: never }",
        )],
        NONE,
        &[(Behaviour, "processed changed")],
    ),
    case(
        "default statuses, inherited by every endpoint",
        &[(
            "meaning: Failed., processed: unknown",
            "meaning: Failed., processed: never",
        )],
        NONE,
        &[
            (Behaviour, "default statuses changed"),
            (Behaviour, "statuses changed"),
            (Behaviour, "statuses changed"),
            (Behaviour, "statuses changed"),
        ],
    ),
    // Types.
    case(
        "type added",
        NONE,
        &[(
            "  - name: Tag\n",
            "  - name: Extra\n    kind: enum\n    values: [ { wire: y } ]\n  - name: Tag\n",
        )],
        &[(Compatible, "type added")],
    ),
    case(
        "type removed",
        NONE,
        &[("  - name: Tag\n    kind: enum\n    values: [ { wire: x } ]\n", "")],
        &[(Breaking, "type removed")],
    ),
    case(
        "type kind changed",
        NONE,
        &[(
            "name: Tag\n    kind: enum\n    values: [ { wire: x } ]",
            "name: Tag\n    kind: object\n    fields: [ { wire: X, type: string } ]",
        )],
        &[(Breaking, "type kind changed")],
    ),
    case(
        "types reordered",
        NONE,
        &[
            ("  - name: Tag\n    kind: enum\n    values: [ { wire: x } ]\n", ""),
            (
                "types:\n",
                "types:\n  - name: Tag\n    kind: enum\n    values: [ { wire: x } ]\n",
            ),
        ],
        &[(Documentation, "types reordered")],
    ),
    case(
        "type description",
        NONE,
        &[("description: A row.", "description: One row.")],
        &[(Documentation, "description changed")],
    ),
    // Fields.
    case(
        "optional field added",
        NONE,
        &[(
            "      - { wire: A, type: boolean }\n",
            "      - { wire: A, type: boolean }\n      - { wire: Extra, type: string }\n",
        )],
        &[(Compatible, "field added")],
    ),
    case(
        "required field added",
        NONE,
        &[(
            "      - { wire: Count,",
            "      - { wire: Extra, type: string, required: true }\n      - { wire: Count,",
        )],
        &[(Breaking, "field added")],
    ),
    case(
        "field removed",
        NONE,
        &[("      - { wire: Note, type: string }\n", "")],
        &[(Breaking, "field removed")],
    ),
    case(
        "field type changed",
        NONE,
        &[("wire: Count, type: integer", "wire: Count, type: number")],
        &[(Breaking, "field type changed")],
    ),
    case(
        "wire name changed, Rust name kept",
        NONE,
        &[(
            "{ wire: Note, type: string }",
            "{ wire: Remark, rust: note, type: string }",
        )],
        &[(Behaviour, "wire name changed")],
    ),
    case(
        "Rust name changed",
        NONE,
        &[(
            "{ wire: Note, type: string }",
            "{ wire: Note, rust: remark, type: string }",
        )],
        &[(Breaking, "field renamed in Rust")],
    ),
    case(
        "required becomes optional",
        NONE,
        &[(
            "{ wire: Name, type: string, required: true }",
            "{ wire: Name, type: string }",
        )],
        &[(Breaking, "optionality changed")],
    ),
    case(
        "lenient removed",
        NONE,
        &[("type: integer, lenient: true }", "type: integer }")],
        &[(Breaking, "decoding changed")],
    ),
    case(
        "lenient added",
        NONE,
        &[(
            "{ wire: A, type: boolean }",
            "{ wire: A, type: boolean, lenient: true }",
        )],
        &[(Behaviour, "decoding changed")],
    ),
    case(
        "a number sent as a string",
        NONE,
        &[("type: integer, lenient: true }", "type: integer, as_string: true }")],
        &[(Behaviour, "encoding changed")],
    ),
    backwards(
        "a number no longer sent as a string, still read from one",
        &[("type: integer, lenient: true }", "type: integer, as_string: true }")],
        &[(Behaviour, "encoding changed")],
    ),
    case(
        "JSON in a string",
        NONE,
        &[(
            "{ wire: Note, type: string }",
            "{ wire: Note, type: string, json_string: true }",
        )],
        &[(Breaking, "decoding changed")],
    ),
    case(
        "a field's type becomes boxed (a cycle through a new field)",
        NONE,
        &[(
            "      - { wire: PageSize, type: integer, required: true }\n",
            "      - { wire: PageSize, type: integer, required: true }\n      - { wire: Back, type: Search }\n",
        )],
        &[(Compatible, "field added"), (Breaking, "boxing changed")],
    ),
    case(
        "required fields swapped: the constructor's arguments change places",
        NONE,
        &[
            ("      - { wire: Name, type: string, required: true }\n", ""),
            (
                "      - { wire: Value, type: string, required: true }\n",
                "      - { wire: Value, type: string, required: true }\n      - { wire: Name, type: string, required: true }\n",
            ),
        ],
        &[(Breaking, "required fields reordered")],
    ),
    case(
        "optional fields swapped",
        NONE,
        &[
            ("      - { wire: Note, type: string }\n", ""),
            (
                "      - { wire: Count,",
                "      - { wire: Note, type: string }\n      - { wire: Count,",
            ),
        ],
        &[(Behaviour, "fields reordered")],
    ),
    case(
        "field description",
        NONE,
        &[(
            "{ wire: Note, type: string }",
            "{ wire: Note, type: string, description: A note. }",
        )],
        &[(Documentation, "description changed")],
    ),
    case(
        "rule added",
        NONE,
        &[(
            "        description: Not both.\n",
            "        description: Not both.\n      - at_most_one_of: [Count, Note]\n        description: One of them.\n",
        )],
        &[(Breaking, "rule added")],
    ),
    case(
        "an at-least-one-of rule added",
        NONE,
        &[(
            "        description: Not both.\n",
            "        description: Not both.\n      - at_least_one_of: [Count, Note]\n",
        )],
        &[(Breaking, "rule added")],
    ),
    case(
        "a rule's kind changed over the same fields: one removed, one added",
        NONE,
        &[("      - at_most_one_of: [A, B]\n", "      - exactly_one_of: [A, B]\n")],
        &[(Behaviour, "rule removed"), (Breaking, "rule added")],
    ),
    case(
        "rule removed (the type no longer needs validation)",
        NONE,
        &[(
            "    rules:\n      - at_most_one_of: [A, B]\n        description: Not both.\n",
            "",
        )],
        &[
            (Behaviour, "rule removed"),
            (Breaking, "validation removed"),
            (Behaviour, "body checks changed"),
        ],
    ),
    case(
        "rule's message",
        NONE,
        &[("description: Not both.", "description: Never both.")],
        &[(Behaviour, "rule changed")],
    ),
    case(
        "validation reaches a new nested type",
        NONE,
        &[(
            "      - { wire: Level, type: Level }\n",
            "      - { wire: Level, type: Level }\n      - { wire: Rows, type: array<Row> }\n",
        )],
        &[
            (Compatible, "field added"),
            (Behaviour, "validation changed"),
            (Behaviour, "body checks changed"),
        ],
    ),
    case(
        "additional fields kept",
        NONE,
        &[(
            "  - name: Outcome\n    kind: object\n",
            "  - name: Outcome\n    kind: object\n    additional_fields: true\n",
        )],
        &[(Compatible, "additional fields added")],
    ),
    case(
        "additional fields dropped",
        NONE,
        &[("    additional_fields: true\n", "")],
        &[(Breaking, "additional fields removed")],
    ),
    case(
        "a named field takes an attribute out of `additional_fields`",
        NONE,
        &[(
            "      - { wire: Email, type: string }\n",
            "      - { wire: Email, type: string }\n      - { wire: Phone, type: string }\n",
        )],
        &[(Breaking, "field added")],
    ),
    // Enums.
    case(
        "open enum gains a value",
        NONE,
        &[("{ wire: blue } ]", "{ wire: blue }, { wire: green } ]")],
        &[(Compatible, "enum value added")],
    ),
    case(
        "closed enum only sent in requests gains a value",
        NONE,
        &[("{ wire: high } ]", "{ wire: high }, { wire: top } ]")],
        &[(Compatible, "enum value added")],
    ),
    case(
        "closed enum that responses carry gains a value",
        NONE,
        &[("{ wire: shut } ]", "{ wire: shut }, { wire: ajar } ]")],
        &[(Breaking, "enum value added")],
    ),
    case(
        "enum value removed",
        NONE,
        &[(", { wire: blue } ]", " ]")],
        &[(Breaking, "enum value removed")],
    ),
    case(
        "enum variant renamed",
        NONE,
        &[("{ wire: red }", "{ wire: red, rust: Crimson }")],
        &[(Breaking, "enum variant renamed")],
    ),
    case(
        "enum values reordered",
        NONE,
        &[("[ { wire: red }, { wire: blue } ]", "[ { wire: blue }, { wire: red } ]")],
        &[(Behaviour, "enum values reordered")],
    ),
    case(
        "open enum made closed",
        NONE,
        &[(
            "  - name: Color\n    kind: enum\n",
            "  - name: Color\n    kind: enum\n    open: false\n",
        )],
        &[(Breaking, "enum openness changed")],
    ),
    case(
        "closed enum made open: no longer `Copy`",
        NONE,
        &[(
            "    open: false\n    values: [ { wire: low }",
            "    values: [ { wire: low }",
        )],
        &[(Breaking, "enum openness changed")],
    ),
    case(
        "enum description",
        NONE,
        &[(
            "  - name: Color\n    kind: enum\n",
            "  - name: Color\n    kind: enum\n    description: Colours.\n",
        )],
        &[(Documentation, "description changed")],
    ),
    case(
        "enum value description",
        NONE,
        &[("{ wire: red }", "{ wire: red, description: Red. }")],
        &[(Documentation, "description changed")],
    ),
    // Endpoints.
    case(
        "endpoint added",
        NONE,
        &[(
            "endpoints:\n",
            "endpoints:\n  - name: list_tags\n    title: List Tags\n    group: tags\n    method: GET\n    path: /Tags\n    idempotent: true\n    response: array<Tag>\n",
        )],
        &[(Compatible, "endpoint added")],
    ),
    case(
        "endpoint removed",
        NONE,
        &[(
            "  - name: get_record\n    title: Get Record\n    group: records\n    method: GET\n    path: /Records/Get\n    idempotent: true\n    query:\n      - { wire: id, type: string, required: true }\n    response: Record\n",
            "",
        )],
        &[(Breaking, "endpoint removed")],
    ),
    case(
        "endpoints reordered",
        NONE,
        &[
            (
                "  - name: get_record\n    title: Get Record\n    group: records\n    method: GET\n    path: /Records/Get\n    idempotent: true\n    query:\n      - { wire: id, type: string, required: true }\n    response: Record\n",
                "",
            ),
            (
                "endpoints:\n",
                "endpoints:\n  - name: get_record\n    title: Get Record\n    group: records\n    method: GET\n    path: /Records/Get\n    idempotent: true\n    query:\n      - { wire: id, type: string, required: true }\n    response: Record\n",
            ),
        ],
        &[(Documentation, "endpoints reordered")],
    ),
    case(
        "HTTP method",
        NONE,
        &[(
            "method: GET\n    path: /Records/Get",
            "method: POST\n    path: /Records/Get",
        )],
        &[(Behaviour, "HTTP method changed")],
    ),
    case(
        "path",
        NONE,
        &[("path: /Rows/Add", "path: /Rows/Bulk/Add")],
        &[(Behaviour, "path changed")],
    ),
    case(
        "group",
        NONE,
        &[("group: rows", "group: lines")],
        &[(Behaviour, "group changed")],
    ),
    case(
        "idempotence",
        NONE,
        &[("idempotent: false", "idempotent: true")],
        &[(Behaviour, "idempotence changed")],
    ),
    case(
        "required query parameter added",
        NONE,
        &[(
            "      - { wire: dry, type: boolean }\n",
            "      - { wire: dry, type: boolean }\n      - { wire: batch, type: string, required: true }\n",
        )],
        &[(Breaking, "parameter added")],
    ),
    case(
        "optional query parameter added",
        NONE,
        &[(
            "      - { wire: dry, type: boolean }\n",
            "      - { wire: dry, type: boolean }\n      - { wire: limit, type: integer }\n",
        )],
        &[(Compatible, "parameter added")],
    ),
    // Every optional parameter is a builder method, the first one included.
    case(
        "first optional query parameter of an endpoint",
        NONE,
        &[(
            "      - { wire: id, type: string, required: true }\n",
            "      - { wire: id, type: string, required: true }\n      - { wire: fields, type: string }\n",
        )],
        &[(Compatible, "parameter added")],
    ),
    case(
        "query parameter removed",
        NONE,
        &[("      - { wire: dry, type: boolean }\n", "")],
        &[(Breaking, "parameter removed")],
    ),
    case(
        "required query parameters swapped",
        NONE,
        &[
            ("      - { wire: color, type: Color, required: true }\n", ""),
            (
                "      - { wire: mode, type: string, required: true }\n",
                "      - { wire: mode, type: string, required: true }\n      - { wire: color, type: Color, required: true }\n",
            ),
        ],
        &[(Breaking, "required parameters reordered")],
    ),
    case(
        "query parameter type",
        NONE,
        &[("{ wire: dry, type: boolean }", "{ wire: dry, type: string }")],
        &[(Breaking, "parameter type changed")],
    ),
    case(
        "query parameter wire name",
        NONE,
        &[(
            "{ wire: mode, type: string, required: true }",
            "{ wire: Mode, rust: mode, type: string, required: true }",
        )],
        &[(Behaviour, "wire name changed")],
    ),
    case(
        "item limit lowered",
        NONE,
        &[("max_items: 25", "max_items: 10")],
        &[(Breaking, "item limit tightened")],
    ),
    case(
        "item minimum raised",
        NONE,
        &[("min_items: 1", "min_items: 2")],
        &[(Breaking, "item limit tightened")],
    ),
    case(
        "item limit raised",
        NONE,
        &[("max_items: 25", "max_items: 50")],
        &[(Behaviour, "item limit loosened")],
    ),
    case(
        "body item type",
        NONE,
        &[("items: Row,", "items: Record,")],
        // `Row` is no longer sent, so it stops refusing unknown attributes.
        &[(Breaking, "body changed"), (Compatible, "unknown attributes")],
    ),
    case(
        "response type",
        NONE,
        &[("    response: Record\n", "    response: array<Record>\n")],
        &[(Breaking, "response changed")],
    ),
    case(
        "unwrap attribute",
        NONE,
        &[("unwrap: Response", "unwrap: Rows")],
        &[(Breaking, "response changed")],
    ),
    case(
        "pagination removed",
        NONE,
        &[(
            "    pagination: { page_index: Paging.PageIndex, page_size: Paging.PageSize }\n",
            "",
        )],
        &[(Breaking, "pagination removed")],
    ),
    backwards(
        "pagination added",
        &[(
            "    pagination: { page_index: Paging.PageIndex, page_size: Paging.PageSize }\n",
            "",
        )],
        &[(Compatible, "pagination added")],
    ),
    case(
        "bulk method removed with the item maximum",
        NONE,
        &[
            ("min_items: 1, max_items: 25 }", "min_items: 1 }"),
            ("    bulk: { row_number: RowNumber, succeeded: Created, id: Id }\n", ""),
        ],
        &[
            (Behaviour, "item limit loosened"),
            (Breaking, "bulk method removed"),
            (Breaking, "per-row results removed"),
        ],
    ),
    backwards(
        "bulk method added with an item maximum",
        &[
            ("min_items: 1, max_items: 25 }", "min_items: 1 }"),
            ("    bulk: { row_number: RowNumber, succeeded: Created, id: Id }\n", ""),
        ],
        &[
            (Breaking, "item limit tightened"),
            (Compatible, "bulk method added"),
            (Breaking, "per-row results added"),
        ],
    ),
    case(
        "pagination reads another attribute",
        NONE,
        &[
            (
                "      - { wire: PageSize, type: integer, required: true }\n",
                "      - { wire: PageSize, type: integer, required: true }\n      - { wire: Size, type: integer, required: true }\n",
            ),
            ("page_size: Paging.PageSize }", "page_size: Paging.Size }"),
        ],
        &[(Breaking, "field added"), (Behaviour, "pagination changed")],
    ),
    case(
        "optional body added",
        NONE,
        &[(
            "      - { wire: id, type: string, required: true }\n    response: Record\n",
            "      - { wire: id, type: string, required: true }\n    body: { kind: object, type: Record, required: false }\n    response: Record\n",
        )],
        &[(Compatible, "optional body added")],
    ),
    backwards(
        "optional body removed",
        &[(
            "      - { wire: id, type: string, required: true }\n    response: Record\n",
            "      - { wire: id, type: string, required: true }\n    body: { kind: object, type: Record, required: false }\n    response: Record\n",
        )],
        &[(Breaking, "body changed")],
    ),
    case(
        "body made optional",
        NONE,
        &[
            (
                "      - { wire: Paging, type: Paging, required: true }\n",
                "      - { wire: Paging, type: Paging }\n",
            ),
            (
                "body: { kind: object, type: Search }",
                "body: { kind: object, type: Search, required: false }",
            ),
        ],
        &[
            (Breaking, "optionality changed"),
            (Breaking, "body made optional"),
            (Breaking, "pagination changed"),
        ],
    ),
    case(
        "offset paging instead of page index",
        NONE,
        &[(
            "pagination: { page_index: Paging.PageIndex, page_size: Paging.PageSize }",
            "pagination: { offset: Paging.PageIndex, row_count: Paging.PageSize }",
        )],
        &[(Breaking, "pagination changed")],
    ),
    case(
        "attribute setter removed",
        NONE,
        &[("      - { wire: EmailAddress, type: string }\n", "")],
        &[(Breaking, "attribute setter removed")],
    ),
    backwards(
        "attribute setter added",
        &[("      - { wire: EmailAddress, type: string }\n", "")],
        &[(Compatible, "attribute setter added")],
    ),
    case(
        "attribute list pair names",
        NONE,
        &[(
            "pair: { attribute: Attribute, value: Value }",
            "pair: { attribute: Attribute, value: Value, fields: Fields }",
        )],
        &[(Compatible, "nested fields added")],
    ),
    case(
        "attribute list wire names",
        NONE,
        &[(
            "pair: { attribute: Attribute, value: Value }",
            "pair: { attribute: SchemaName, value: Value }",
        )],
        &[(Behaviour, "pair names changed")],
    ),
    case(
        "per-row results removed",
        NONE,
        &[("    bulk: { row_number: RowNumber, succeeded: Created, id: Id }\n", "")],
        &[(Breaking, "per-row results removed")],
    ),
    backwards(
        "per-row results added to a bulk endpoint",
        &[("    bulk: { row_number: RowNumber, succeeded: Created, id: Id }\n", "")],
        &[(Breaking, "per-row results added")],
    ),
    case(
        "per-row results read another attribute",
        NONE,
        &[("succeeded: Created, id: Id }", "succeeded: Created }")],
        &[(Behaviour, "per-row results changed")],
    ),
    case(
        "endpoint moved to another rate-limit class",
        NONE,
        &[("    unwrap: Response\n", "    unwrap: Response\n    rate_limit: bulk\n")],
        &[(Behaviour, "rate-limit class changed")],
    ),
    case(
        "endpoint's own statuses",
        NONE,
        &[(
            "    response: Record\n",
            "    response: Record\n    statuses:\n      - { code: 200, meaning: OK., processed: always }\n",
        )],
        &[(Behaviour, "statuses changed")],
    ),
    case(
        "title",
        NONE,
        &[("title: Add Rows", "title: Add Many Rows")],
        &[(Documentation, "documentation changed")],
    ),
    case(
        "documentation link and description",
        NONE,
        &[(
            "    title: Get Record\n",
            "    title: Get Record\n    docs_url: https://example.com/get-record/\n    description: Reads one record.\n",
        )],
        &[(Documentation, "documentation changed")],
    ),
    case(
        "examples",
        NONE,
        &[(
            "    response: Record\n",
            "    response: Record\n    examples:\n      query: { id: \"42\" }\n      response: { \"Email\": \"ana@example.com\" }\n",
        )],
        &[(Documentation, "examples changed")],
    ),
];

#[test]
fn every_rule_classifies_its_spec_pair_exactly() {
    let original = Generated::of(&sources(API, BASE));
    let mut failures = Vec::new();
    for case in CASES {
        let edited = Generated::of(&sources(&edit(API, case.api), &edit(BASE, case.spec)));
        let (found, differences) = if case.backwards {
            compared(&edited, &original)
        } else {
            compared(&original, &edited)
        };
        let mut expected = case.expect.to_vec();
        expected.sort();
        if kinds(&found) != expected {
            failures.push(format!("{}: expected {expected:?}, found:{}", case.rule, shown(&found)));
        }
        // Each pair changes the generated code, so the catch-all checks each rule: without
        // the rules, every one of these changes would be unclassified.
        if codediff::unexplained(&differences, &[]).is_empty() {
            failures.push(format!("{}: the generated code does not change", case.rule));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A spec of the older shape (one `api.rate_limit`) against the same figures as classes: what
/// `cargo xtask diff` reports across the change of shape.
#[test]
fn the_older_single_limit_becoming_classes_adds_plans_and_a_class() {
    let legacy = edit(
        API,
        &[(
            "  plans: [Small, Large]\n  rate_limits:\n    - { name: standard, calls: 25, per_seconds: 5, plans: { Small: 5, Large: 25 } }\n    - { name: bulk, calls: 1, per_seconds: 5, plans: { Small: 1 } }\n",
            "  rate_limit: { calls: 25, per_seconds: 5 }\n",
        )],
    );
    let changes = full(&sources(&legacy, BASE), &sources(API, BASE));
    assert_eq!(
        kinds(&changes),
        [
            (Compatible, "plan added"),
            (Compatible, "plan added"),
            (Compatible, "rate-limit class added"),
        ],
        "{}",
        shown(&changes)
    );
}

#[test]
fn no_change_is_no_change() {
    assert_eq!(full(&sources(API, BASE), &sources(API, BASE)), []);
}

#[test]
fn moving_definitions_between_files_changes_nothing() {
    let (types, endpoints) = BASE.split_once("endpoints:").unwrap();
    let split = [
        SourceFile {
            name: "spec/api.yaml".into(),
            text: API.into(),
        },
        SourceFile {
            name: "spec/types.yaml".into(),
            text: types.into(),
        },
        SourceFile {
            name: "spec/zz/endpoints.yaml".into(),
            text: format!("endpoints:{endpoints}"),
        },
    ];
    assert_eq!(shown(&full(&sources(API, BASE), &split)), "");
}

/// Lines written above an endpoint move it and everything below it in the file, not the API.
#[test]
fn lines_inserted_above_an_endpoint_change_nothing() {
    let old = sources(API, BASE);
    let moved = edit(
        BASE,
        &[(
            "endpoints:\n  - name: add_rows\n",
            "endpoints:\n\n  # Rows, many at a time.\n\n  - name: add_rows\n",
        )],
    );
    let new = sources(API, &moved);
    let (old_spec, new_spec) = (codegen::load(&old).unwrap(), codegen::load(&new).unwrap());
    let lines = |spec: &Spec| {
        let endpoint = &spec.endpoints[0];
        (
            endpoint.name.clone(),
            endpoint.site.pos.line,
            endpoint.query[0].site.pos.line,
        )
    };
    let (name, endpoint_line, field_line) = lines(&old_spec);
    assert_eq!(name, "add_rows");
    assert_eq!(lines(&new_spec), (name, endpoint_line + 3, field_line + 3));
    assert_eq!(old_spec, new_spec, "a position made the models unequal");
    assert_eq!(shown(&full(&old, &new)), "");
}

#[test]
fn a_base_without_a_spec_makes_everything_new() {
    let spec = codegen::load(&sources(API, BASE)).unwrap();
    let found = compare(None, &spec);
    assert!(found.iter().all(|c| c.impact == Compatible), "{}", shown(&found));
    assert!(
        found
            .iter()
            .any(|c| c.kind == "endpoint added" && c.subject == "endpoint `add_rows`")
    );
    assert_eq!(found.len(), spec.types.len() + spec.endpoints.len());
}

/// What the catch-all does with a model field the rules do not know: the generated code it
/// changes is reported, whatever the rules say. Here the rules' answer is dropped (as if
/// `base_url` had no rule) or under-rated (as if closing an enum were compatible).
#[test]
fn a_change_no_rule_reports_is_unclassified() {
    let old = sources(API, BASE);
    let new = sources(&edit(API, &[("https://{host}/v1", "https://{host}/v2")]), BASE);
    let differences =
        codediff::differences(&codegen::generate(&old).unwrap(), &codegen::generate(&new).unwrap()).unwrap();
    let found = codediff::unexplained(&differences, &[]);
    // The base URL is in the client's `API` and in the sandbox's `SCHEMA`.
    assert_eq!(
        kinds(&found),
        [(Unclassified, "unclassified"), (Unclassified, "unclassified")],
        "{}",
        shown(&found)
    );
    assert_eq!(found[0].subject, "`const API` in generated-client/src/generated/api.rs");
    assert!(found[0].reason.contains("value.base_url value"), "{}", found[0].reason);
    assert_eq!(found[1].subject, "`static SCHEMA` in sandbox/src/generated/schema.rs");

    let new = sources(
        API,
        &edit(
            BASE,
            &[(
                "    open: false\n    values: [ { wire: low }",
                "    values: [ { wire: low }",
            )],
        ),
    );
    let rules = compare(Some(&codegen::load(&old).unwrap()), &codegen::load(&new).unwrap());
    assert_eq!(kinds(&rules), [(Breaking, "enum openness changed")]);
    let under_rated: Vec<ApiChange> = rules
        .into_iter()
        .map(|change| ApiChange {
            impact: Compatible,
            ..change
        })
        .collect();
    let differences =
        codediff::differences(&codegen::generate(&old).unwrap(), &codegen::generate(&new).unwrap()).unwrap();
    let found = codediff::unexplained(&differences, &under_rated);
    assert!(
        found
            .iter()
            .any(|c| c.subject.contains("enum Level") && c.reason.contains("signature")),
        "{}",
        shown(&found)
    );
}

/// The generated types move into group modules once the model carries a type's group.
#[test]
fn a_type_moving_to_another_module_is_breaking() {
    let mut report = Report { changes: Vec::new() };
    compare_module(&mut report, "OpportunityField", None, Some("opportunities"));
    compare_module(&mut report, "Lead", Some("leads"), Some("leads"));
    assert_eq!(kinds(&report.changes), [(Breaking, "module changed")]);
    assert_eq!(
        report.changes[0].reason,
        "the type moves from the crate root to the module `opportunities`: change the `use` lines and paths that name it"
    );
}

#[test]
fn a_number_no_longer_sent_as_a_string_nor_read_from_one_is_breaking() {
    let quoted = edit(
        BASE,
        &[("type: integer, lenient: true }", "type: integer, as_string: true }")],
    );
    let plain = edit(BASE, &[("type: integer, lenient: true }", "type: integer }")]);
    let changes = full(&sources(API, &quoted), &sources(API, &plain));
    assert_eq!(kinds(&changes), [(Breaking, "encoding changed")], "{}", shown(&changes));
}

#[test]
fn an_enum_whose_values_become_integers_is_breaking() {
    let strings = "
types:
  - name: Order
    kind: enum
    open: false
    values: [ { wire: \"1\", rust: Descending }, { wire: \"0\", rust: Ascending } ]
  - name: Sorting
    kind: object
    fields:
      - { wire: Direction, type: Order, required: true }
endpoints:
  - name: sort
    title: Sort
    group: rows
    method: POST
    path: /Rows.svc/Sort
    idempotent: true
    body: { kind: object, type: Sorting }
    response: json
";
    let integers = edit(
        strings,
        &[("    open: false\n", "    open: false\n    integer: true\n")],
    );
    let changes = full(&sources(API, strings), &sources(API, &integers));
    assert_eq!(
        kinds(&changes),
        [(Breaking, "enum wire type changed")],
        "{}",
        shown(&changes)
    );
}

#[test]
fn item_limits_on_fields_tighten_and_loosen() {
    let spec = |limit: &str| {
        format!(
            "
types:
  - name: Ids
    kind: object
    fields:
      - {{ wire: LeadIds, type: array<string>, required: true{limit} }}
endpoints:
  - name: read_leads
    title: Read Leads
    group: rows
    method: POST
    path: /Rows.svc/Read
    idempotent: true
    body: {{ kind: object, type: Ids }}
    response: json
"
        )
    };
    let compare = |old: &str, new: &str| {
        let changes = full(&sources(API, &spec(old)), &sources(API, &spec(new)));
        (kinds(&changes), shown(&changes))
    };
    let (found, shown) = compare("", ", max_items: 50");
    assert_eq!(
        found,
        [
            (Behaviour, "body checks changed"),
            (Behaviour, "validation changed"),
            (Breaking, "item limit added")
        ],
        "{shown}"
    );
    let (found, shown) = compare(", max_items: 50", ", max_items: 10");
    assert_eq!(found, [(Breaking, "item limit tightened")], "{shown}");
    assert!(
        shown.contains("`LeadIds` takes at most 10 items instead of at most 50 items"),
        "{shown}"
    );
    let (found, shown) = compare(", max_items: 50", ", max_items: 100");
    assert_eq!(found, [(Behaviour, "item limit loosened")], "{shown}");
}

#[test]
fn a_get_declared_to_change_state_changes_behaviour() {
    let plain = "
endpoints:
  - name: delete_row
    title: Delete a Row
    group: rows
    method: GET
    path: /Rows.svc/Delete
    idempotent: false
    response: json
";
    let declared = edit(
        plain,
        &[(
            "    idempotent: false\n",
            "    idempotent: false\n    changes_state: true\n",
        )],
    );
    let changes = full(&sources(API, plain), &sources(API, &declared));
    assert_eq!(
        kinds(&changes),
        [(Behaviour, "state change declared")],
        "{}",
        shown(&changes)
    );
}

/// The project's own spec, read from the workspace.
fn real_spec() -> Vec<SourceFile> {
    let root = crate::fresh::workspace_root().unwrap();
    codegen::read_spec_dir(&root.join("spec"), &root).unwrap()
}

#[test]
fn swapping_opportunity_fields_required_fields_is_breaking() {
    let old = real_spec();
    let new: Vec<SourceFile> = old
        .iter()
        .map(|file| {
            let schema = "      - wire: SchemaName\n        type: string\n        required: true\n        description: The field's schema name, e.g. `mx_Custom_1` or `Status`.\n";
            if !file.name.ends_with("opportunities.yaml") {
                return file.clone();
            }
            assert!(file.text.contains(schema), "OpportunityField's SchemaName moved in the spec");
            let without = file.text.replacen(schema, "", 1);
            let value_end = without
                .find("      - wire: Value\n")
                .and_then(|at| without[at + 1..].find("      - wire: ").map(|next| at + 1 + next))
                .unwrap();
            SourceFile {
                name: file.name.clone(),
                text: format!("{}{schema}{}", &without[..value_end], &without[value_end..]),
            }
        })
        .collect();
    let found = full(&old, &new);
    assert_eq!(
        kinds(&found),
        [(Breaking, "required fields reordered")],
        "{}",
        shown(&found)
    );
    assert!(
        found[0].reason.contains(
            "`OpportunityField::new(schema_name, value)` becomes `OpportunityField::new(value, schema_name)`"
        ),
        "{}",
        found[0].reason
    );
}

#[test]
fn the_real_spec_compared_with_itself_has_no_change() {
    let spec = real_spec();
    assert_eq!(shown(&full(&spec, &spec)), "");
}

//! The generator's load-time benchmark: how long `codegen::load` (parse, check, lower) takes
//! on synthetic specs far larger than any real one, per YAML node, and how that figure
//! changes when the spec grows tenfold (near 1.0 means linear time).
//!
//! Not a timed test: it prints figures and checks only that the specs load. Run it in release:
//!
//! ```text
//! cargo test --release -p codegen --test load_bench -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use codegen::SourceFile;
use yaml_rust2::parser::{Event, Parser};

const API: &str = include_str!("golden/api.yaml");

/// `n` object types in a ring: `T0.Next: T1`, ..., `T{n-1}.Next: T0`. Every field is part of
/// one cycle, so every one is boxed.
fn ring(n: usize) -> String {
    let mut text = String::from("types:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - name: T{i}\n    kind: object\n    fields:\n      - wire: Next\n        type: T{}\n      - wire: Name\n        type: string\n        required: true\n",
            (i + 1) % n
        ));
    }
    text
}

/// `n` endpoints of the usual shape (a required and an optional query parameter, an object
/// body, a response type, their own statuses, examples), in files of at most 5,000 (3.6 MB,
/// under the file size limit), as a spec is split by group.
fn endpoints(n: usize) -> Vec<String> {
    let mut files = Vec::new();
    let mut text = String::from(
        "types:\n  - name: Query\n    kind: object\n    fields:\n      - wire: Text\n        type: string\n        required: true\n      - wire: Limit\n        type: integer\n  - name: Row\n    kind: object\n    fields:\n      - wire: Id\n        type: string\n        required: true\n      - wire: Score\n        type: integer\n        lenient: true\nendpoints:\n",
    );
    for i in 0..n {
        if i > 0 && i % 5_000 == 0 {
            files.push(std::mem::replace(&mut text, String::from("endpoints:\n")));
        }
        text.push_str(&format!(
            "  - name: find_rows_{i}
    title: Find Rows {i}
    group: group_{}
    docs_url: https://example.com/find-rows-{i}/
    description: Finds rows, variant {i}.
    method: POST
    path: /Rows.svc/Find{i}
    idempotent: true
    query:
      - wire: Mode
        type: string
        required: true
      - wire: Page
        type: integer
    body:
      kind: object
      type: Query
    response: array<Row>
    statuses:
      - code: 200
        meaning: Found.
        processed: always
      - code: 500
        meaning: Failed.
        processed: unknown
    examples:
      query: {{ Mode: fast, Page: 2 }}
      request: {{ \"Text\": \"abc\", \"Limit\": 10 }}
      response: [ {{ \"Id\": \"r-{i}\", \"Score\": \"7\" }} ]
",
            i % 40
        ));
    }
    files.push(text);
    files
}

/// The number of YAML nodes (scalars, sequences, mappings, aliases) in `text`.
fn nodes(text: &str) -> usize {
    let mut parser = Parser::new_from_str(text);
    let mut count = 0;
    while let Ok((event, _)) = parser.next_token() {
        match event {
            Event::StreamEnd => break,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(..) => count += 1,
            _ => {}
        }
    }
    count
}

/// Loads `files` (with the golden API section) and returns the time taken: the best of
/// `runs`, since the machine may be shared.
fn load(files: &[String], runs: usize) -> Duration {
    let mut sources = vec![SourceFile {
        name: "spec/api.yaml".into(),
        text: API.into(),
    }];
    sources.extend(files.iter().enumerate().map(|(i, text)| SourceFile {
        name: format!("spec/bench{i:02}.yaml"),
        text: text.clone(),
    }));
    (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let spec = codegen::load(&sources).unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
            let elapsed = start.elapsed();
            assert!(!spec.types.is_empty());
            elapsed
        })
        .min()
        .unwrap_or_default()
}

fn report(what: &str, files: &[String], runs: usize) -> f64 {
    let nodes: usize = files.iter().map(|text| nodes(text)).sum();
    let bytes: usize = files.iter().map(String::len).sum();
    let elapsed = load(files, runs);
    let per_node = elapsed.as_secs_f64() * 1e9 / nodes as f64;
    println!(
        "{what:<26} {:>7.1} MB {nodes:>10} nodes {:>10.1} ms {per_node:>8.0} ns/node",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64() * 1e3
    );
    per_node
}

#[test]
#[ignore = "a benchmark: run it in release with --ignored --nocapture"]
fn load_time_per_node() {
    println!("spec                       size       nodes        load      per node");
    let small_ring = report("ring of 4,000 types", &[ring(4_000)], 3);
    let big_ring = report("ring of 40,000 types", &[ring(40_000)], 1);
    let small = report("5,000 endpoints", &endpoints(5_000), 3);
    let big = report("50,000 endpoints", &endpoints(50_000), 1);
    println!(
        "per-node time, tenfold spec / spec (1.0 = linear): ring {:.2}, endpoints {:.2}",
        big_ring / small_ring,
        big / small
    );
}

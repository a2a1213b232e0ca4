//! Seeded mutation testing of the generator on the project's own spec.
//!
//! Each case applies one to three random edits to one file of `spec/` (delete, duplicate, swap
//! or re-indent lines, replace a value with a reserved name, a keyword, a wrong type or
//! another name of the spec, insert or delete characters, insert a key, copy a block,
//! truncate) and runs the generator. The property: it never panics; when it refuses the spec,
//! every diagnostic points inside a file it was given; when it accepts the spec, emitting
//! succeeds. `accepted_mutants_compile` goes further: it writes a sample of accepted mutants'
//! output into a scratch workspace, each as its own copy of the client crate, and runs one
//! `cargo check` for the batch, so that "the loader accepts it" means "it compiles".
//!
//! The cases are a pure function of the seed. `CODEGEN_MUTATIONS=<n>` sets the number of
//! cases (300 by default; a release build runs thousands in a minute) and
//! `CODEGEN_MUTATION_SEED=<n>` the seed; a failure prints the seed, the case and its edits.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::{Error, GeneratedFile, SourceFile};

/// A small deterministic generator (SplitMix64): the cases must be the same on every machine
/// and every run, and a few lines do not need a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn real_spec() -> Vec<SourceFile> {
    let root = root();
    codegen::read_spec_dir(&root.join("spec"), &root).expect("the project's spec is readable")
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Names to put where a name goes: every reserved name, keywords, names that are not
/// identifiers, and names of the spec itself (to make duplicates and collisions).
fn name_pool(spec: &[SourceFile]) -> Vec<String> {
    let mut pool: Vec<String> = codegen::reserved::RESERVED.iter().map(|e| e.name.to_string()).collect();
    for odd in [
        "type",
        "self",
        "Self",
        "match",
        "r#fn",
        "crate",
        "super",
        "_",
        "",
        "a-b",
        "2nd",
        "Ümlaut",
        "x y",
        "ExceptionType",
        "string",
        "integer",
        "json",
        "boolean",
        "number",
        "array<json>",
        "array<array<string>>",
        "array<",
        "Other",
        "other",
        "Box",
        "list_all",
        "get_pages",
        "Value",
        "value",
        "new",
        "with_x",
        "default",
        "Default",
    ] {
        pool.push(odd.to_string());
    }
    let mut names = BTreeSet::new();
    for file in spec {
        for line in file.text.lines() {
            let line = line.trim_start().trim_start_matches("- ");
            for key in ["name: ", "wire: ", "rust: ", "group: ", "items: ", "type: "] {
                if let Some(value) = line.strip_prefix(key) {
                    names.insert(value.trim().to_string());
                }
            }
        }
    }
    pool.extend(names);
    pool
}

const BOOL_KEYS: &[&str] = &[
    "required",
    "lenient",
    "idempotent",
    "open",
    "default",
    "additional_fields",
    "json_string",
    "rate_limited",
];
const NUMBER_KEYS: &[&str] = &["code", "calls", "per_seconds", "min_items", "max_items"];
const NAME_KEYS: &[&str] = &[
    "name",
    "rust",
    "wire",
    "group",
    "items",
    "type",
    "response",
    "unwrap",
    "region",
    "row_number",
    "succeeded",
    "id",
    "page_index",
    "page_size",
    "total",
    "exception_type",
    "message",
    "crate_name",
];
const ODD_VALUES: &[&str] = &[
    "[]",
    "{}",
    "~",
    "null",
    "\"\"",
    "x",
    "[a, b]",
    "{a: 1}",
    "&anchor x",
    "*anchor",
    "!tag x",
    "|",
    ">",
    "0",
    "-1",
    "true",
    "1e400",
    "\"\\u0000\"",
    "'single'",
    "[[[[[[[[]]]]]]]]",
    "{ \"Status\": \"Error\" }",
];
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "25",
    "200",
    "204",
    "299",
    "429",
    "600",
    "4294967296",
    "1.5",
    "x",
    "[]",
];
const BOOLS: &[&str] = &["true", "false", "yes", "1", "~", "[]"];
const SNIPPETS: &[&str] = &[
    "required: true",
    "lenient: true",
    "json_string: true",
    "rust: request",
    "rust: body",
    "rust: other_name",
    "open: false",
    "max_items: 1",
    "min_items: 3",
    "unwrap: Value",
    "statuses: []",
    "bulk: { row_number: RowNumber, succeeded: Ok }",
    "pagination: { page_index: Paging.PageIndex, page_size: Paging.PageSize }",
    "additional_fields: true",
    "- wire: Extra",
    "- { wire: Extra, type: string }",
    "- { code: 201, meaning: Created., processed: always }",
    "query: [ { wire: request, type: string } ]",
    "examples: { query: { Nope: 1 } }",
    "kind: enum",
    "description: >",
    "? [complex, key]",
    "%YAML 1.2",
    "---",
];
const CHARS: &[char] = &[
    ':', '[', ']', '{', '}', '"', '\'', '&', '*', '!', '#', '-', '|', '>', '?', ',', '\t', '\n', ' ', 'x', '%', '@',
    '`', 'é',
];

/// Applies one random edit to `text`; returns the new text and a description of the edit.
fn mutate(rng: &mut Rng, text: &str, names: &[String]) -> (String, String) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let i = rng.below(n);
    let description = match rng.below(12) {
        0 => {
            let removed = lines.remove(i);
            format!("delete line {}: {removed:?}", i + 1)
        }
        1 => {
            lines.insert(i, lines[i].clone());
            format!("duplicate line {}", i + 1)
        }
        2 if n > 1 => {
            let j = (i + 1) % n;
            lines.swap(i, j);
            format!("swap lines {} and {}", i + 1, j + 1)
        }
        3..=5 => {
            // Replace the value of a `key: value` line (most edits are of this kind: they keep
            // the YAML well-formed and test the lowering).
            let candidates: Vec<usize> = (0..n).filter(|&k| lines[k].contains(": ")).collect();
            if candidates.is_empty() {
                return (text.to_string(), "nothing to replace".into());
            }
            let k = *rng.pick(&candidates);
            let Some((head, _)) = lines[k].split_once(": ") else {
                return (text.to_string(), "nothing to replace".into());
            };
            let head = head.to_string();
            let key = head.trim().trim_start_matches("- ").trim().to_string();
            let key = key.as_str();
            let value = if BOOL_KEYS.contains(&key) && rng.below(4) > 0 {
                rng.pick(BOOLS).to_string()
            } else if NUMBER_KEYS.contains(&key) && rng.below(4) > 0 {
                rng.pick(NUMBERS).to_string()
            } else if NAME_KEYS.contains(&key) && rng.below(5) > 0 {
                rng.pick(names).clone()
            } else {
                rng.pick(ODD_VALUES).to_string()
            };
            lines[k] = format!("{head}: {value}");
            format!("line {}: `{}` set to {value:?}", k + 1, key)
        }
        6 => {
            let indent = lines[i].len() - lines[i].trim_start().len();
            let change = *rng.pick(&[-2isize, -1, 1, 2]);
            let new_indent = (indent as isize + change).max(0) as usize;
            let rest = lines[i].trim_start().to_string();
            lines[i] = format!(
                "{}{rest}",
                if rng.below(8) == 0 {
                    "\t".to_string()
                } else {
                    " ".repeat(new_indent)
                }
            );
            format!("re-indent line {} by {change}", i + 1)
        }
        7 => {
            let line = &mut lines[i];
            let chars: Vec<char> = line.chars().collect();
            let at = rng.below(chars.len() + 1);
            let c = *rng.pick(CHARS);
            *line = chars[..at]
                .iter()
                .chain(std::iter::once(&c))
                .chain(&chars[at..])
                .collect();
            format!("insert {c:?} in line {} at {at}", i + 1)
        }
        8 => {
            let chars: Vec<char> = lines[i].chars().collect();
            if chars.is_empty() {
                lines.remove(i);
                format!("delete empty line {}", i + 1)
            } else {
                let at = rng.below(chars.len());
                lines[i] = chars[..at].iter().chain(&chars[at + 1..]).collect();
                format!("delete character {at} of line {}", i + 1)
            }
        }
        9 => {
            let indent = lines[i].len() - lines[i].trim_start().len();
            let snippet = rng.pick(SNIPPETS);
            lines.insert(i, format!("{}{snippet}", " ".repeat(indent)));
            format!("insert {snippet:?} before line {}", i + 1)
        }
        10 => {
            let len = 1 + rng.below(12);
            let end = (i + len).min(n);
            let block: Vec<String> = lines[i..end].to_vec();
            let at = rng.below(n + 1);
            for (offset, line) in block.into_iter().enumerate() {
                lines.insert(at + offset, line);
            }
            format!("copy lines {}..{} before line {}", i + 1, end, at + 1)
        }
        _ => {
            let keep = rng.below(text.len() + 1);
            let keep = (0..=keep).rev().find(|&k| text.is_char_boundary(k)).unwrap_or(0);
            return (text[..keep].to_string(), format!("truncate at byte {keep}"));
        }
    };
    let mut out = lines.join("\n");
    out.push('\n');
    (out, description)
}

/// What happened to one mutant.
enum Outcome {
    Refused,
    Accepted(Vec<GeneratedFile>),
}

/// Runs one mutant through the generator and checks the property; `Err` describes a failure.
fn check(sources: &[SourceFile]) -> Result<Outcome, String> {
    let loaded = catch_unwind(AssertUnwindSafe(|| codegen::load(sources)))
        .map_err(|panic| format!("load panicked: {}", panic_text(&panic)))?;
    match loaded {
        Err(diagnostics) => {
            for diagnostic in diagnostics.items() {
                let Some(file) = sources.iter().find(|s| s.name == diagnostic.file) else {
                    return Err(format!("diagnostic names a file it was not given:\n{diagnostic}"));
                };
                let lines = file.text.lines().count().max(1);
                if diagnostic.pos.line == 0 || diagnostic.pos.line > lines + 1 || diagnostic.pos.column == 0 {
                    return Err(format!(
                        "diagnostic points outside the file ({lines} lines):\n{diagnostic}"
                    ));
                }
                if diagnostic.message.trim().is_empty() {
                    return Err(format!("diagnostic without a message:\n{diagnostic}"));
                }
            }
            Ok(Outcome::Refused)
        }
        Ok(_) => {
            let generated = catch_unwind(AssertUnwindSafe(|| codegen::generate(sources)))
                .map_err(|panic| format!("generate panicked on an accepted spec: {}", panic_text(&panic)))?;
            match generated {
                Ok(files) => Ok(Outcome::Accepted(files)),
                Err(Error::Spec(diagnostics)) => Err(format!("load accepted what generate refused:\n{diagnostics}")),
                Err(other) => Err(format!("generate failed on an accepted spec: {other}")),
            }
        }
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// One mutant: the spec with its edits applied, and what was done.
struct Mutant {
    case: u64,
    sources: Vec<SourceFile>,
    edits: Vec<String>,
}

/// The mutants of the given cases, each a pure function of the seed and its case number.
fn mutants(seed: u64, cases: impl IntoIterator<Item = u64>) -> impl Iterator<Item = Mutant> {
    let spec = real_spec();
    let names = name_pool(&spec);
    let total: usize = spec.iter().map(|f| f.text.len()).sum();
    cases.into_iter().map(move |case| {
        let mut rng = Rng(seed ^ case.wrapping_mul(0xA24B_AED4_963E_E407));
        // Files are picked in proportion to their size.
        let mut at = rng.below(total);
        let index = spec
            .iter()
            .position(|f| {
                let hit = at < f.text.len();
                at = at.saturating_sub(f.text.len());
                hit
            })
            .unwrap_or(0);
        let mut sources = spec.clone();
        let mut edits = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let (text, edit) = mutate(&mut rng, &sources[index].text, &names);
            sources[index].text = text;
            edits.push(format!("{}: {edit}", sources[index].name));
        }
        Mutant { case, sources, edits }
    })
}

/// What one worker found: counts, distinct outputs, failures (each starting with its case).
#[derive(Default)]
struct Tally {
    refused: u64,
    accepted: u64,
    outputs: BTreeSet<Vec<String>>,
    failures: Vec<(u64, String)>,
}

/// Runs the mutants of `cases` through the generator.
fn tally(seed: u64, cases: impl IntoIterator<Item = u64>) -> Tally {
    let mut tally = Tally::default();
    for mutant in mutants(seed, cases) {
        match check(&mutant.sources) {
            Ok(Outcome::Refused) => tally.refused += 1,
            Ok(Outcome::Accepted(files)) => {
                tally.accepted += 1;
                tally
                    .outputs
                    .insert(files.iter().map(|f| f.contents.clone()).collect::<Vec<_>>());
            }
            Err(failure) => tally.failures.push((
                mutant.case,
                format!(
                    "seed {seed:#x}, case {} ({}):\n{failure}",
                    mutant.case,
                    mutant.edits.join("; ")
                ),
            )),
        }
    }
    tally
}

#[test]
fn mutants_never_panic_and_their_diagnostics_point_inside_the_file() {
    let seed = env_number("CODEGEN_MUTATION_SEED", 0x5EED);
    let cases = env_number("CODEGEN_MUTATIONS", 300);
    // The cases are shared out among the machine's cores (each worker makes its own mutants,
    // so only one spec copy per worker is alive); the outcome does not depend on the split.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    let results: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| scope.spawn(move || tally(seed, (worker as u64..cases).step_by(workers))))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a worker"))
            .collect()
    });
    let (mut refused, mut accepted) = (0, 0);
    let mut outputs = BTreeSet::new();
    let mut failures = Vec::new();
    for result in results {
        refused += result.refused;
        accepted += result.accepted;
        outputs.extend(result.outputs);
        failures.extend(result.failures);
    }
    failures.sort();
    println!(
        "{cases} mutants (seed {seed:#x}): {refused} refused, {accepted} accepted ({} distinct outputs), {} failures",
        outputs.len(),
        failures.len()
    );
    let failures: Vec<String> = failures.into_iter().map(|(_, failure)| failure).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The edits must reach both sides of the loader, or the test tests little.
    assert!(
        refused > cases / 20 && accepted > cases / 20,
        "{refused} refused, {accepted} accepted"
    );
}

#[test]
fn deep_examples_stay_within_the_stack() {
    // The deepest example the YAML limit lets through generates, in a test thread's stack.
    let depth = codegen::yaml::MAX_DEPTH - 6;
    let example = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let mut spec = real_spec();
    let file = spec
        .iter_mut()
        .find(|f| f.text.contains("\nendpoints:"))
        .expect("a file with endpoints");
    file.text.push_str(&format!(
        "  - name: deep_example\n    title: Deep\n    group: deep\n    method: GET\n    path: /Deep\n    idempotent: true\n    response: json\n    examples:\n      response: {example}\n"
    ));
    codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
}

/// How many accepted mutants `accepted_mutants_compile` compiles.
const COMPILED_SAMPLE: usize = 12;

/// Run by CI (`.ci/run`): a sample of accepted mutants, each generated into its own copy of
/// the client crate in a scratch workspace under the target directory, checked by one
/// `cargo check` (offline, with the workspace's lock file). The first run builds the
/// dependencies once for the scratch workspace; later runs reuse them.
#[test]
#[ignore = "runs cargo; CI runs it with --ignored"]
fn accepted_mutants_compile() {
    let seed = env_number("CODEGEN_MUTATION_SEED", 0x5EED);
    let baseline = codegen::generate(&real_spec()).expect("the project's spec generates");
    let mut seen = BTreeSet::new();
    let mut sample = Vec::new();
    for mutant in mutants(seed, 0..20_000) {
        // Edits that change a value or add a key, rather than cut the spec short: they are
        // the ones that make new names and shapes.
        let shaping = mutant
            .edits
            .iter()
            .all(|edit| edit.contains(" set to ") || edit.contains(": insert \""));
        if !shaping {
            continue;
        }
        let Ok(Outcome::Accepted(files)) = check(&mutant.sources) else {
            continue;
        };
        // Only mutants whose code (not only its docs) differs from the spec's, each once.
        let key: Vec<String> = files.iter().map(|f| f.contents.clone()).collect();
        let only_docs = files
            .iter()
            .zip(&baseline)
            .all(|(a, b)| same_code(&a.contents, &b.contents));
        if !only_docs && seen.insert(key) {
            sample.push((mutant, files));
            if sample.len() == COMPILED_SAMPLE {
                break;
            }
        }
    }
    assert_eq!(
        sample.len(),
        COMPILED_SAMPLE,
        "too few accepted mutants change the code"
    );

    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutants");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let root = root();
    let root_manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("workspace manifest");
    let client_manifest = std::fs::read_to_string(root.join("generated-client/Cargo.toml")).expect("client manifest");
    let members: Vec<String> = (0..sample.len()).map(|i| format!("\"m{i}\"")).collect();
    let manifest = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n{}\n{}",
        members.join(", "),
        section(&root_manifest, "[workspace.package]"),
        section(&root_manifest, "[workspace.dependencies]"),
    );
    write(&scratch.join("Cargo.toml"), &manifest);
    write(
        &scratch.join("Cargo.lock"),
        &std::fs::read_to_string(root.join("Cargo.lock")).expect("lock file"),
    );
    for (i, (mutant, files)) in sample.iter().enumerate() {
        let crate_dir = scratch.join(format!("m{i}"));
        copy_tree(
            &root.join("generated-client/src"),
            &crate_dir.join("src"),
            &["bin", "generated", "golden.rs"],
        );
        // The client crate's files; the sandbox's schema and the command line's dispatch table
        // belong to other crates.
        for file in files.iter().filter(|file| file.target == codegen::Target::Client) {
            write(&crate_dir.join("src/generated").join(&file.path), &file.contents);
        }
        let package = format!(
            "[package]\nname = \"mutant-{i}\"\nversion = \"0.0.0\"\nedition.workspace = true\npublish = false\nautobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n# {}\n\n{}\n{}",
            mutant.edits.join("; ").replace('\n', " "),
            section(&client_manifest, "[dependencies]"),
            optional_section(&client_manifest, "[features]"),
        );
        write(&crate_dir.join("Cargo.toml"), &package);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "check",
            "--workspace",
            "--offline",
            "--quiet",
            "--message-format",
            "short",
        ])
        .current_dir(&scratch)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutants-target"),
        )
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let mut report = String::new();
        for (i, (mutant, _)) in sample.iter().enumerate() {
            let errors: Vec<&str> = stderr
                .lines()
                .filter(|line| line.starts_with(&format!("m{i}/")) && line.contains("error"))
                .take(5)
                .collect();
            if !errors.is_empty() {
                report.push_str(&format!(
                    "\nmutant m{i} (seed {seed:#x}, case {}: {}):\n  {}\n",
                    mutant.case,
                    mutant.edits.join("; "),
                    errors.join("\n  ")
                ));
            }
        }
        panic!(
            "accepted mutants do not compile (scratch workspace kept in {}):{report}\n{stderr}",
            scratch.display()
        );
    }
    println!("{} accepted mutants compile:", sample.len());
    for (mutant, _) in &sample {
        println!("  case {}: {}", mutant.case, mutant.edits.join("; "));
    }
}

/// Whether two generated files differ only in comments and doc attributes.
fn same_code(a: &str, b: &str) -> bool {
    let code = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("//") && !line.starts_with("#[doc"))
            .map(str::to_string)
            .collect()
    };
    code(a) == code(b)
}

/// A `[section]` of a manifest that may be absent (then empty).
fn optional_section(manifest: &str, header: &str) -> String {
    if manifest.lines().any(|line| line.trim() == header) {
        section(manifest, header)
    } else {
        String::new()
    }
}

/// A `[section]` of a manifest, up to the next section header.
fn section(manifest: &str, header: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.trim() == header;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(!out.is_empty(), "no {header} section");
    out
}

fn write(path: &Path, contents: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("scratch folder");
    }
    std::fs::write(path, contents).expect("scratch file");
}

/// Copies a folder, leaving out the entries named in `skip` at its top level.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).expect("scratch folder");
    for entry in std::fs::read_dir(from).expect("client sources").filter_map(Result::ok) {
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name), &[]);
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy a client source");
        }
    }
}

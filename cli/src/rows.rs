//! Reading an input file one record at a time, as the JSON rows of a bulk endpoint.
//!
//! A CSV column (or a JSONL attribute) maps to a field of the row by its wire name (exactly, or
//! else without regard to case), to a custom field by `--field COLUMN=SCHEMA_NAME` or by a name
//! starting with `mx_`: custom fields go into the row's name/value list (e.g. `Fields`). Every
//! CSV cell is read as its field's kind (whole number, number, true/false, JSON for lists and
//! objects); an empty cell is not sent. `--set FIELD=VALUE` gives a value to every row that has
//! none. A column the row cannot hold is an error before anything is read, so no data is
//! dropped silently.
//!
//! Records are read one at a time, and the reader keeps a digest of the bytes read, which names
//! the input in the journal: memory does not grow with the file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::Failure;
use crate::args::InputFormat;
use crate::spec::{FieldInfo, Kind, RowsInfo};

/// How columns map to rows, from the command line.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// `--field COLUMN=SCHEMA_NAME`.
    pub fields: Vec<(String, String)>,
    /// `--set FIELD=VALUE`.
    pub sets: Vec<(String, String)>,
    /// `--skip-column COLUMN`.
    pub skip: Vec<String>,
}

impl Mapping {
    /// The mapping as text, for the journal's job name: a journal is resumed only with the
    /// same mapping.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        parts.extend(self.fields.iter().map(|(c, s)| format!("field {c}={s}")));
        parts.extend(self.sets.iter().map(|(f, v)| format!("set {f}={v}")));
        parts.extend(self.skip.iter().map(|c| format!("skip {c}")));
        parts.join(" ")
    }
}

/// One record of the input: its position among the records (from 0), the line it starts on,
/// and the row it makes, or why it makes none.
#[derive(Debug)]
pub struct Record {
    /// The record's position among the file's records, from 0.
    pub ordinal: u64,
    /// The line the record starts on, from 1 (a CSV header is line 1).
    pub line: u64,
    /// The row as the endpoint's JSON, or why the record is not a row.
    pub row: Result<Value, String>,
}

/// Where a column's or attribute's values go.
#[derive(Debug, Clone)]
enum Target {
    Field(&'static FieldInfo),
    Pair(String),
    Skip,
}

/// The format of `path`: `--format`, or its extension.
pub fn format_of(path: &Path, format: Option<InputFormat>) -> InputFormat {
    format.unwrap_or_else(
        || match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase) {
            Some(ext) if matches!(ext.as_str(), "jsonl" | "ndjson" | "json") => InputFormat::Jsonl,
            _ => InputFormat::Csv,
        },
    )
}

/// A reader that keeps a SHA-256 digest of what passes through it.
struct Hashing<R> {
    inner: R,
    digest: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.update(&buf[..n]);
        Ok(n)
    }
}

enum Source {
    Csv {
        reader: csv::Reader<Hashing<File>>,
        targets: Vec<Target>,
        record: csv::StringRecord,
    },
    Jsonl {
        reader: BufReader<Hashing<File>>,
        line: u64,
        buffer: String,
    },
}

/// Reads a file's records as rows.
pub struct Reader {
    source: Source,
    rows: &'static RowsInfo,
    mapping: Mapping,
    sets: Vec<(Target, String)>,
    ordinal: u64,
}

impl Reader {
    /// Opens `path` for the rows of `rows`, checking the header (CSV) and the mapping.
    pub fn open(path: &Path, format: InputFormat, rows: &'static RowsInfo, mapping: &Mapping) -> Result<Self, Failure> {
        let file =
            File::open(path).map_err(|error| Failure::usage(format!("cannot read {}: {error}", path.display())))?;
        let hashing = Hashing {
            inner: file,
            digest: Sha256::new(),
        };
        let sets = mapping
            .sets
            .iter()
            .map(|(name, value)| match target(rows, mapping, name) {
                Some(Target::Skip) | None => Err(Failure::usage(format!(
                    "--set {name}: {} has no field `{name}`; its fields: {}",
                    rows.type_name,
                    field_names(rows)
                ))),
                Some(target) => Ok((target, value.clone())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let source = match format {
            InputFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(hashing);
                let headers = reader
                    .headers()
                    .map_err(|error| {
                        Failure::usage(format!("{}: the header row cannot be read: {error}", path.display()))
                    })?
                    .clone();
                let targets = csv_targets(path, &headers, rows, mapping, &sets)?;
                Source::Csv {
                    reader,
                    targets,
                    record: csv::StringRecord::new(),
                }
            }
            InputFormat::Jsonl => {
                for (column, _) in &mapping.fields {
                    if rows.pairs.is_none() {
                        return Err(no_pairs(rows, column));
                    }
                }
                Source::Jsonl {
                    reader: BufReader::new(hashing),
                    line: 0,
                    buffer: String::new(),
                }
            }
        };
        Ok(Self {
            source,
            rows,
            mapping: mapping.clone(),
            sets,
            ordinal: 0,
        })
    }

    /// The next record, `None` at the end of the file, or an error reading it.
    pub fn next_record(&mut self) -> Result<Option<Record>, Failure> {
        let record = match &mut self.source {
            Source::Csv {
                reader,
                targets,
                record,
            } => {
                let result = reader.read_record(record);
                let (line, row) = match result {
                    Ok(false) => return Ok(None),
                    Ok(true) => {
                        let line = record.position().map_or(0, |p| p.line());
                        let row = csv_row(self.rows, targets, record, &self.sets);
                        (line, row)
                    }
                    Err(error) => match error.kind() {
                        csv::ErrorKind::Io(_) => {
                            return Err(Failure::Other(format!("reading the input failed: {error}")));
                        }
                        _ => {
                            let line = error.position().map_or(0, |p| p.line());
                            // The record's text is not repeated: the reason names the place.
                            (line, Err(csv_reason(&error)))
                        }
                    },
                };
                Record {
                    ordinal: self.ordinal,
                    line,
                    row,
                }
            }
            Source::Jsonl { reader, line, buffer } => loop {
                buffer.clear();
                let read = reader.read_line(buffer).map_err(|error| {
                    Failure::Other(format!("reading the input failed at line {}: {error}", *line + 1))
                })?;
                if read == 0 {
                    return Ok(None);
                }
                *line += 1;
                if buffer.trim().is_empty() {
                    continue;
                }
                let row = match serde_json::from_str::<Value>(buffer) {
                    Ok(Value::Object(object)) => json_row(self.rows, &self.mapping, object, &self.sets),
                    Ok(_) => Err("the line is not a JSON object".to_owned()),
                    Err(error) => Err(format!("the line is not JSON: {error}")),
                };
                break Record {
                    ordinal: self.ordinal,
                    line: *line,
                    row,
                };
            },
        };
        self.ordinal += 1;
        Ok(Some(record))
    }

    /// The SHA-256 of every byte read so far, in hex: of the whole file once the records ended.
    pub fn digest(self) -> String {
        let digest = match self.source {
            Source::Csv { reader, .. } => reader.into_inner().digest,
            Source::Jsonl { reader, .. } => reader.into_inner().digest,
        };
        digest.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

fn field_names(rows: &RowsInfo) -> String {
    rows.fields.iter().map(|f| f.wire).collect::<Vec<_>>().join(", ")
}

fn no_pairs(rows: &RowsInfo, column: &str) -> Failure {
    Failure::usage(format!(
        "--field {column}=…: {} has no list of custom fields to put it in",
        rows.type_name
    ))
}

/// Where the column or attribute `name` goes, if anywhere.
fn target(rows: &'static RowsInfo, mapping: &Mapping, name: &str) -> Option<Target> {
    if mapping.skip.iter().any(|skip| skip == name) {
        return Some(Target::Skip);
    }
    if let Some((_, schema)) = mapping.fields.iter().find(|(column, _)| column == name) {
        return rows.pairs.as_ref().map(|_| Target::Pair(schema.clone()));
    }
    let field = rows
        .fields
        .iter()
        .find(|field| field.wire == name)
        .or_else(|| rows.fields.iter().find(|field| field.wire.eq_ignore_ascii_case(name)));
    if let Some(field) = field {
        return Some(Target::Field(field));
    }
    if rows.pairs.is_some() && name.starts_with("mx_") {
        return Some(Target::Pair(name.to_owned()));
    }
    None
}

fn csv_targets(
    path: &Path,
    headers: &csv::StringRecord,
    rows: &'static RowsInfo,
    mapping: &Mapping,
    sets: &[(Target, String)],
) -> Result<Vec<Target>, Failure> {
    for (column, _) in &mapping.fields {
        if rows.pairs.is_none() {
            return Err(no_pairs(rows, column));
        }
        if !headers.iter().any(|header| header == column) {
            return Err(Failure::usage(format!(
                "--field {column}=…: {} has no column `{column}`",
                path.display()
            )));
        }
    }
    for column in &mapping.skip {
        if !headers.iter().any(|header| header == column) {
            return Err(Failure::usage(format!(
                "--skip-column {column}: {} has no column `{column}`",
                path.display()
            )));
        }
    }
    let mut targets = Vec::new();
    let mut unknown = Vec::new();
    for header in headers {
        match target(rows, mapping, header) {
            Some(target) => targets.push(target),
            None => {
                unknown.push(format!("`{header}`"));
                targets.push(Target::Skip);
            }
        }
    }
    if !unknown.is_empty() {
        let custom = if rows.pairs.is_some() {
            " Map a custom field with --field COLUMN=SCHEMA_NAME (columns named mx_… are mapped by their name);"
        } else {
            ""
        };
        return Err(Failure::usage(format!(
            "{}: no field of {} is named like the column{} {}.{custom} leave a column out with --skip-column COLUMN. The fields: {}",
            path.display(),
            rows.type_name,
            if unknown.len() > 1 { "s" } else { "" },
            unknown.join(", "),
            field_names(rows)
        )));
    }
    let covered = |field: &FieldInfo| {
        targets
            .iter()
            .chain(sets.iter().map(|(target, _)| target))
            .any(|target| matches!(target, Target::Field(f) if f.wire == field.wire))
    };
    let missing: Vec<&str> = rows
        .fields
        .iter()
        .filter(|field| field.required && !covered(field))
        .map(|field| field.wire)
        .collect();
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "{}: no column for the required field{} {}: add the column, or give every row a value with --set FIELD=VALUE",
            path.display(),
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    Ok(targets)
}

fn csv_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("the record has {len} cells where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the record is not valid UTF-8".to_owned(),
        _ => format!("the record cannot be read: {error}"),
    }
}

/// A cell's text as a value of `field`'s kind.
fn cell_value(field: &FieldInfo, text: &str) -> Result<Value, String> {
    let wire = field.wire;
    match &field.kind {
        Kind::String | Kind::Enum { .. } => Ok(Value::String(text.to_owned())),
        // Checked when the row is decoded, by the client's `DateTime`, which names the value.
        Kind::DateTime => Ok(Value::String(text.trim().to_owned())),
        Kind::Integer => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{wire}: `{text}` is not a whole number")),
        Kind::Number => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{wire}: `{text}` is not a number")),
        Kind::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("{wire}: `{text}` is not true or false")),
        },
        Kind::Json | Kind::Object(_) | Kind::Array => {
            serde_json::from_str(text).map_err(|error| format!("{wire}: the cell is not JSON: {error}"))
        }
    }
}

/// Adds `value` under `target` to the row being built.
fn place(object: &mut Map<String, Value>, pairs: &mut Vec<Value>, rows: &RowsInfo, target: &Target, value: Value) {
    match target {
        Target::Field(field) => {
            object.insert(field.wire.to_owned(), value);
        }
        Target::Pair(schema) => {
            if let Some(info) = &rows.pairs {
                let mut pair = Map::new();
                pair.insert(info.name.to_owned(), Value::String(schema.clone()));
                pair.insert(info.value.to_owned(), value);
                pairs.push(Value::Object(pair));
            }
        }
        Target::Skip => {}
    }
}

/// Puts the pairs into the row's list (after any it already has) and the `--set` values into
/// fields that have none.
fn finish(
    rows: &RowsInfo,
    mut object: Map<String, Value>,
    mut pairs: Vec<Value>,
    sets: &[(Target, String)],
) -> Result<Value, String> {
    for (target, text) in sets {
        match target {
            Target::Field(field) if !object.contains_key(field.wire) => {
                let value = cell_value(field, text)?;
                object.insert(field.wire.to_owned(), value);
            }
            Target::Pair(schema) => {
                let given = rows.pairs.as_ref().is_some_and(|info| {
                    pairs
                        .iter()
                        .any(|pair| pair.get(info.name).and_then(Value::as_str) == Some(schema.as_str()))
                });
                if !given {
                    place(&mut object, &mut pairs, rows, target, Value::String(text.clone()));
                }
            }
            _ => {}
        }
    }
    if let (Some(info), false) = (&rows.pairs, pairs.is_empty()) {
        match object.get_mut(info.field) {
            Some(Value::Array(list)) => list.append(&mut pairs),
            Some(_) => return Err(format!("{} is not a list", info.field)),
            None => {
                object.insert(info.field.to_owned(), Value::Array(pairs));
            }
        }
    }
    Ok(Value::Object(object))
}

fn csv_row(
    rows: &RowsInfo,
    targets: &[Target],
    record: &csv::StringRecord,
    sets: &[(Target, String)],
) -> Result<Value, String> {
    let mut object = Map::new();
    let mut pairs = Vec::new();
    for (target, cell) in targets.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let value = match target {
            Target::Field(field) => cell_value(field, cell)?,
            Target::Pair(_) => Value::String(cell.to_owned()),
            Target::Skip => continue,
        };
        place(&mut object, &mut pairs, rows, target, value);
    }
    finish(rows, object, pairs, sets)
}

fn json_row(
    rows: &'static RowsInfo,
    mapping: &Mapping,
    attributes: Map<String, Value>,
    sets: &[(Target, String)],
) -> Result<Value, String> {
    let mut object = Map::new();
    let mut pairs = Vec::new();
    for (key, value) in attributes {
        let Some(target) = target(rows, mapping, &key) else {
            return Err(format!(
                "no field of {} is named `{key}` (the fields: {})",
                rows.type_name,
                field_names(rows)
            ));
        };
        let value = match (&target, value) {
            (_, Value::Null) | (Target::Skip, _) => continue,
            // Numbers and booleans written as strings are read as their kind.
            (Target::Field(field), Value::String(text))
                if matches!(field.kind, Kind::Integer | Kind::Number | Kind::Boolean) =>
            {
                cell_value(field, &text)?
            }
            (Target::Field(_), value) => value,
            (Target::Pair(_), Value::String(text)) => Value::String(text),
            (Target::Pair(_), value @ (Value::Number(_) | Value::Bool(_))) => Value::String(value.to_string()),
            (Target::Pair(schema), _) => return Err(format!("{schema}: a custom field's value must be text")),
        };
        place(&mut object, &mut pairs, rows, &target, value);
    }
    finish(rows, object, pairs, sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> &'static RowsInfo {
        crate::spec::find("add_opportunities_in_bulk").unwrap().rows().unwrap()
    }

    fn read(name: &str, text: &str, format: InputFormat, mapping: &Mapping) -> Result<Vec<Record>, Failure> {
        let path = std::env::temp_dir().join(format!("lsq-cli-rows-{name}-{}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let mut reader = Reader::open(&path, format, rows(), mapping)?;
        let mut out = Vec::new();
        while let Some(record) = reader.next_record()? {
            out.push(record);
        }
        let _ = std::fs::remove_file(path);
        Ok(out)
    }

    #[test]
    fn csv_columns_become_fields_and_custom_fields() {
        let mapping = Mapping {
            fields: vec![("Deal".into(), "mx_Custom_1".into())],
            sets: vec![
                ("OpportunityEventCode".into(), "12114".into()),
                ("Status".into(), "Open".into()),
            ],
            skip: vec!["Comment".into()],
        };
        let text = "SearchByValue,Deal,mx_Custom_2,opportunitynote,Comment,OverwriteFields\n\
                    ana@example.com,Renewal,,a note,ignored,true\n\
                    \"multi\nline@example.com\",Other,X,,,no\n";
        // `Status` is neither a field of the row nor named like a custom field.
        let error = read("csv", text, InputFormat::Csv, &mapping).unwrap_err();
        assert!(error.to_string().contains("--set Status"), "{error}");
        let mapping = Mapping {
            sets: vec![("OpportunityEventCode".into(), "12114".into())],
            ..mapping
        };
        let records = read("csv2", text, InputFormat::Csv, &mapping).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].ordinal, records[0].line), (0, 2));
        assert_eq!((records[1].ordinal, records[1].line), (1, 3));
        assert_eq!(
            records[0].row.as_ref().unwrap(),
            &serde_json::json!({
                "SearchByValue": "ana@example.com", "OpportunityNote": "a note", "OverwriteFields": true,
                "OpportunityEventCode": 12114, "Fields": [{"SchemaName": "mx_Custom_1", "Value": "Renewal"}]
            })
        );
        assert_eq!(
            records[1].row.as_ref().unwrap()["Fields"],
            serde_json::json!([{"SchemaName": "mx_Custom_1", "Value": "Other"}, {"SchemaName": "mx_Custom_2", "Value": "X"}])
        );
    }

    #[test]
    fn bad_cells_make_invalid_rows_and_bad_headers_are_usage_errors() {
        let text = "SearchByValue,OpportunityEventCode\na@example.com,twelve\nb@example.com\n";
        let records = read("bad", text, InputFormat::Csv, &Mapping::default()).unwrap();
        assert_eq!(
            records[0].row.as_ref().unwrap_err(),
            "OpportunityEventCode: `twelve` is not a whole number"
        );
        assert_eq!(records[1].line, 3);
        assert!(
            records[1]
                .row
                .as_ref()
                .unwrap_err()
                .contains("1 cells where the header has 2")
        );
        let error = read(
            "unknown",
            "SearchByValue,Amount\n",
            InputFormat::Csv,
            &Mapping::default(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("`Amount`"), "{error}");
        let error = read("missing", "SearchByValue\n", InputFormat::Csv, &Mapping::default()).unwrap_err();
        assert!(
            error.to_string().contains("required field OpportunityEventCode"),
            "{error}"
        );
    }

    #[test]
    fn jsonl_lines_are_rows_with_the_same_names() {
        let text = "{\"SearchByValue\":\"a@example.com\",\"OpportunityEventCode\":\"12114\",\"mx_Custom_1\":\"Deal\"}\n\n[1]\n{\"Nope\":1}\n";
        let records = read("jsonl", text, InputFormat::Jsonl, &Mapping::default()).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(
            records[0].row.as_ref().unwrap(),
            &serde_json::json!({"SearchByValue": "a@example.com", "OpportunityEventCode": 12114,
                                "Fields": [{"SchemaName": "mx_Custom_1", "Value": "Deal"}]})
        );
        assert_eq!((records[1].line, records[1].row.is_err()), (3, true));
        assert!(records[2].row.as_ref().unwrap_err().contains("`Nope`"));
    }

    #[test]
    fn the_digest_covers_the_whole_file() {
        let path = std::env::temp_dir().join(format!("lsq-cli-digest-{}", std::process::id()));
        std::fs::write(&path, "SearchByValue,OpportunityEventCode\na,1\n").unwrap();
        let digest = |path: &Path| {
            let mut reader = Reader::open(path, InputFormat::Csv, rows(), &Mapping::default()).unwrap();
            while reader.next_record().unwrap().is_some() {}
            reader.digest()
        };
        let first = digest(&path);
        std::fs::write(&path, "SearchByValue,OpportunityEventCode\na,2\n").unwrap();
        assert_ne!(first, digest(&path));
        assert_eq!(first.len(), 64);
        let _ = std::fs::remove_file(path);
    }
}

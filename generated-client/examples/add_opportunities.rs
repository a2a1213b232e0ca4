//! Adds opportunities in bulk and prints what happened to each row.
//!
//! ```text
//! cargo run --example add_opportunities                      # on the embedded sandbox
//! cargo run --example add_opportunities -- rows.json Phone   # your rows, found by Phone
//! ```
//!
//! Without `LSQ_ACCESS_KEY` and `LSQ_SECRET_KEY` the example starts the sandbox in-process,
//! seeds three leads and sends four demo rows (two are created, one names an unknown lead, one
//! lacks the opportunity name), so nothing leaves the machine. With both keys set (and
//! `LSQ_HOST` or `LSQ_BASE_URL` for a region other than Singapore) it calls the real API, and
//! then it needs a rows file: it will not invent opportunities in a real account.
//!
//! A rows file is the API's JSON body: an array of at most 25 objects such as
//! `{"SearchByValue":"ana@example.com","OpportunityEventCode":12114,"Fields":[{"SchemaName":"mx_Custom_1","Value":"Deal"}]}`.
//! The optional second argument is the `SearchBy` field (`EmailAddress` by default).

use std::process::ExitCode;

use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, OpportunityRowResult, SearchBy};
use leadsquared::rules::{Validate, unknown_attributes};
use leadsquared::{Client, ENV_ACCESS_KEY, ENV_SECRET_KEY};
use leadsquared_sandbox::{Lead, Sandbox};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let rows_file = args.next();
    let search_by = args.next().map_or(SearchBy::EmailAddress, SearchBy::from);
    let real_api = std::env::var_os(ENV_ACCESS_KEY).is_some() || std::env::var_os(ENV_SECRET_KEY).is_some();

    // The sandbox lives until the end of `run`; dropping it stops the server.
    let (client, _sandbox) = if real_api {
        let client = Client::from_env().map_err(|error| error.to_string())?;
        println!("Calling the LeadSquared API at {}", client.base_url());
        (client, None)
    } else {
        let sandbox = Sandbox::builder()
            .leads([
                Lead::new().with_email("ana@example.com").with_phone("+91-2543456794"),
                Lead::new().with_email("ravi@example.com").with_phone("+91-2543456791"),
                Lead::new()
                    .with_email("kiran@example.com")
                    .with_mobile("+91-9876543210"),
            ])
            .start()
            .await
            .map_err(|error| error.to_string())?;
        println!(
            "No {ENV_ACCESS_KEY}/{ENV_SECRET_KEY} set: using the embedded sandbox at {} (nothing leaves this machine)",
            sandbox.base_url()
        );
        let client = sandbox.client().map_err(|error| error.to_string())?;
        (client, Some(sandbox))
    };

    let rows = match &rows_file {
        Some(path) => read_rows(path)?,
        None if real_api => {
            return Err(format!(
                "with {ENV_ACCESS_KEY} set this example calls the real API; pass the rows to add: \
                 cargo run --example add_opportunities -- rows.json [SearchBy]"
            ));
        }
        None => demo_rows(),
    };

    println!("Adding {} opportunities, leads found by {search_by}\n", rows.len());
    let answer = client
        .add_opportunities_in_bulk(search_by, rows.as_slice())
        .await
        .map_err(|error| error.to_string())?;
    print_results(&rows, &answer);
    Ok(())
}

/// Reads the rows file, refusing (with every reason) a file whose rows are not all valid:
/// attributes the API does not know (with the right spelling when only the case differs), and
/// rows that do not decode or break a rule.
fn read_rows(path: &str) -> Result<Vec<OpportunityByLeadField>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("cannot read {path}: {error}"))?;
    let values: Vec<serde_json::Value> = serde_json::from_str(&text)
        .map_err(|error| format!("{path} is not a JSON array of opportunity rows: {error}"))?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, value) in values.into_iter().enumerate() {
        let number = index + 1;
        for unknown in unknown_attributes(&value, OpportunityByLeadField::ATTRIBUTES) {
            problems.push(format!("row {number}: {unknown}"));
        }
        match serde_json::from_value::<OpportunityByLeadField>(value) {
            Ok(row) => match row.validate() {
                Ok(()) => rows.push(row),
                Err(violation) => problems.push(format!("row {number}: {violation}")),
            },
            Err(error) if !error.to_string().starts_with("unknown field") => {
                problems.push(format!("row {number}: {error}"))
            }
            Err(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(format!(
            "{path} has rows that cannot be sent:\n  {}",
            problems.join("\n  ")
        ))
    }
}

fn demo_rows() -> Vec<OpportunityByLeadField> {
    let deal = |email: &str, name: &str| {
        OpportunityByLeadField::new(email, 12114).with_fields(vec![
            OpportunityField::new("mx_Custom_1", name),
            OpportunityField::new("Status", "Open"),
        ])
    };
    vec![
        deal("ana@example.com", "Website redesign"),
        deal("ravi@example.com", "Annual support contract").with_opportunity_note("Renewal, 3 seats"),
        deal("nobody@example.com", "Lead that does not exist"),
        // No opportunity name (mx_Custom_1): the sandbox, like most accounts, requires one.
        OpportunityByLeadField::new("kiran@example.com", 12114)
            .with_fields(vec![OpportunityField::new("Status", "Open")]),
    ]
}

/// One line per input row: its result, or why its outcome is not known.
fn print_results(rows: &[OpportunityByLeadField], answer: &[OpportunityRowResult]) {
    println!("{:>3}  {:<22}  result", "row", "lead");
    let mut created = 0;
    for (index, row) in rows.iter().enumerate() {
        let number = i64::try_from(index + 1).unwrap_or(i64::MAX);
        let results: Vec<&OpportunityRowResult> = answer.iter().filter(|r| r.row_number == Some(number)).collect();
        let outcome = match results.as_slice() {
            [result] => match (&result.opportunity_created, &result.prospect_opportunity_id) {
                (Some(true), id) => {
                    created += 1;
                    format!("created {}", id.as_deref().unwrap_or("(no id)"))
                }
                _ => {
                    let why = match (&result.exception_type, &result.exception_message) {
                        (Some(kind), Some(message)) => format!("{kind}: {message}"),
                        (None, Some(message)) => message.clone(),
                        (Some(kind), None) => kind.to_string(),
                        (None, None) => "no reason given".to_string(),
                    };
                    format!("not created ({why})")
                }
            },
            [] => "unknown: the answer has no result for this row; check the account before resending".into(),
            _ => "unknown: the answer has several results for this row; check the account before resending".into(),
        };
        println!("{number:>3}  {:<22}  {outcome}", row.search_by_value);
    }
    let stray = answer
        .iter()
        .filter(|r| {
            !r.row_number
                .is_some_and(|n| n >= 1 && usize::try_from(n).is_ok_and(|n| n <= rows.len()))
        })
        .count();
    if stray > 0 {
        println!("\nthe answer also has {stray} result(s) for no row that was sent");
    }
    println!("\n{created} of {} created", rows.len());
}

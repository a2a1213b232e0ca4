//! The behaviour of Add Opportunities in Bulk: find each row's lead, create an opportunity, and
//! answer one result per row.
//!
//! The body has already been checked against the wire schema, so this code only reads the
//! attributes it needs. A created row is answered as documented; a row that is not created
//! gets the shape sibling bulk endpoints use, which is not documented for this endpoint (see the
//! module docs of `sandbox`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use leadsquared::ExceptionType;

use crate::state::{LeadLookup, Shared};

/// The endpoint this module gives behaviour to.
pub(super) const ENDPOINT: &str = "add_opportunities_in_bulk";

/// A whole-call failure: HTTP status, exception type, message.
pub(super) type CallError = (u16, ExceptionType, String);

/// Handles one call; `search_by` is the `SearchBy` query value, `body` the checked row array.
pub(super) fn add_in_bulk(shared: &Shared, seq: u64, search_by: &str, body: &Value) -> Result<Value, CallError> {
    if let Err(unknown) = shared.check_search_by(search_by) {
        // Observed on the real API for an unknown SearchBy: a logical error, so HTTP 500. A
        // unique field in another case is unknown too (see the crate docs); the hint is the
        // sandbox's own.
        let hint = unknown.did_you_mean.map_or(String::new(), |field| {
            format!(" (`{search_by}`; did you mean `{field}`? Schema names are case-sensitive)")
        });
        return Err((
            500,
            ExceptionType::InvalidInput,
            format!("Invalid SearchBy value provided{hint}"),
        ));
    }
    let mandatory = shared.mandatory_fields();
    let rows = body.as_array().map(Vec::as_slice).unwrap_or_default();
    let results = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let row_number = index + 1;
            match create(shared, seq, search_by, &mandatory, row, row_number) {
                Ok(id) => json!({ "ProspectOpportunityId": id, "RowNumber": row_number, "OpportunityCreated": true }),
                Err((exception, message)) => json!({
                    "RowNumber": row_number,
                    "OpportunityCreated": false,
                    "ExceptionType": exception.as_str(),
                    "ExceptionMessage": message,
                }),
            }
        })
        .collect::<Vec<_>>();
    Ok(json!({ "Response": results }))
}

fn create(
    shared: &Shared,
    seq: u64,
    search_by: &str,
    mandatory: &[String],
    row: &Value,
    row_number: usize,
) -> Result<String, (ExceptionType, String)> {
    let text = |name: &str| row.get(name).and_then(Value::as_str).unwrap_or_default();
    let value = text("SearchByValue");
    let lead_id = match shared.find_lead(search_by, value) {
        LeadLookup::Found(id) => id,
        LeadLookup::NotFound | LeadLookup::NoSuchField => {
            return Err((
                ExceptionType::InvalidLead,
                format!("No lead found with {search_by} = '{value}'"),
            ));
        }
    };
    let event_code = row.get("OpportunityEventCode").and_then(Value::as_i64).unwrap_or(0);
    if event_code <= 0 {
        return Err((ExceptionType::InvalidActivity, "Event Code is invalid or empty".into()));
    }
    let fields = field_values(row.get("Fields"));
    if let Some(name) = mandatory
        .iter()
        .find(|name| fields.get(name.as_str()).is_none_or(|v| v.trim().is_empty()))
    {
        let message = format!("Field name : '{name}' of datatype : 'String' is mandatory.");
        return Err((ExceptionType::InvalidActivityFields, message));
    }
    Ok(shared.create_opportunity(lead_id, event_code, row, seq, row_number))
}

/// The `SchemaName` → `Value` pairs of a `Fields` array (top level; CFS sub-fields stay nested).
fn field_values(fields: Option<&Value>) -> BTreeMap<String, String> {
    fields
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|field| {
            let name = field.get("SchemaName")?.as_str()?;
            Some((name.to_string(), field.get("Value")?.as_str()?.to_string()))
        })
        .collect()
}

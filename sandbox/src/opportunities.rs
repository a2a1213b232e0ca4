//! The behaviour of the opportunity endpoints: Add Opportunities in Bulk (find each row's lead,
//! create an opportunity, answer one result per row), Capture Opportunities, and listing,
//! reading, updating and deleting opportunities.
//!
//! The body has already been checked against the wire schema, so this code only reads the
//! attributes it needs. A created row is answered as documented; a row that is not created
//! gets the shape sibling bulk endpoints use, which is not documented for this endpoint (see the
//! module docs of `sandbox`). An opportunity is stored as the row (or capture's `Opportunity`
//! object) that created it; an update changes that row's `OpportunityNote` and `Fields`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use leadsquared::ExceptionType;

use crate::Opportunity;
use crate::behaviour::{Answer, Call, LIMIT_EXCEPTION, refused, success, unknown};
use crate::leads::{attributes, columns, page, wanted};
use crate::schema::EndpointSchema;
use crate::state::Shared;
use crate::store::{Kind, Store};

/// The endpoint whose behaviour the sandbox had first, by name.
pub(super) const ENDPOINT: &str = "add_opportunities_in_bulk";

/// Add Opportunities in Bulk: the `SearchBy` query value names the lead field, the body is the
/// checked row array.
pub(super) fn add_in_bulk(shared: &Shared, call: &Call<'_>) -> Answer {
    let search_by = call.param("SearchBy").unwrap_or_default();
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
    let rows = call.body.as_array().map(Vec::as_slice).unwrap_or_default();
    let results = shared.with_store(|store, ignore_case| {
        rows.iter()
            .enumerate()
            .map(|(index, row)| {
                let row_number = index + 1;
                match create(store, ignore_case, call.seq, search_by, row, row_number) {
                    Ok(id) => {
                        json!({ "ProspectOpportunityId": id, "RowNumber": row_number, "OpportunityCreated": true })
                    }
                    Err((exception, message)) => json!({
                        "RowNumber": row_number,
                        "OpportunityCreated": false,
                        "ExceptionType": exception.as_str(),
                        "ExceptionMessage": message,
                    }),
                }
            })
            .collect::<Vec<_>>()
    });
    Ok(json!({ "Response": results }))
}

fn create(
    store: &mut Store,
    ignore_case: bool,
    seq: u64,
    search_by: &str,
    row: &Value,
    row_number: usize,
) -> Result<String, (ExceptionType, String)> {
    let text = |name: &str| row.get(name).and_then(Value::as_str).unwrap_or_default();
    let value = text("SearchByValue");
    let lead_id = store
        .search_field(search_by, ignore_case)
        .ok()
        .and_then(|field| store.find_lead(field, value))
        .and_then(|lead| lead.id())
        .map(String::from)
        .ok_or_else(|| {
            (
                ExceptionType::InvalidLead,
                format!("No lead found with {search_by} = '{value}'"),
            )
        })?;
    let event_code = check_opportunity(store, row)?;
    store
        .create_opportunity(lead_id, event_code, row, seq, row_number)
        .map_err(|error| (ExceptionType::from(LIMIT_EXCEPTION), error.message()))
}

/// The event code of an opportunity to create, once its code and mandatory fields are checked.
fn check_opportunity(store: &Store, opportunity: &Value) -> Result<i64, (ExceptionType, String)> {
    let event_code = opportunity
        .get("OpportunityEventCode")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if event_code <= 0 {
        return Err((ExceptionType::InvalidActivity, "Event Code is invalid or empty".into()));
    }
    let fields = field_values(opportunity.get("Fields"));
    if let Some(name) = store
        .mandatory_fields()
        .iter()
        .find(|name| fields.get(name.as_str()).is_none_or(|v| v.trim().is_empty()))
    {
        let message = format!("Field name : '{name}' of datatype : 'String' is mandatory.");
        return Err((ExceptionType::InvalidActivityFields, message));
    }
    Ok(event_code)
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

/// Capture Opportunities: the lead found by the field `SearchBy` names (or by the first unique
/// field passed) gets the other attributes passed, or is created from them; then the
/// opportunity is added to it.
/// `{"AdditionalDetails":[{"ActivityId":…,"PostDeDupActionPerformed":1}],"ConflictedOpportunityId":null}`,
/// the attributes the page documents. (The "opportunity captured" activity the page mentions is
/// not posted: its event code is not documented.)
pub(super) fn capture(shared: &Shared, call: &Call<'_>) -> Answer {
    let (pairs, search_by) = attributes(call.body.get("LeadDetails").unwrap_or(&Value::Null));
    let opportunity = call.body.get("Opportunity").unwrap_or(&Value::Null);
    let id = shared.with_store(|store, ignore_case| {
        let event_code =
            check_opportunity(store, opportunity).map_err(|(exception, message)| (500, exception, message))?;
        let value_of = |field: &str| {
            pairs
                .iter()
                .rev()
                .find(|(name, value)| name == field && !value.trim().is_empty())
                .map(|(_, value)| value.clone())
        };
        let field = match &search_by {
            Some(search_by) => Some(store.search_field(search_by, ignore_case).map_err(|_| {
                (
                    500,
                    ExceptionType::InvalidInput,
                    format!("Invalid SearchBy value provided: `{search_by}` is not a unique lead field"),
                )
            })?),
            None => store
                .unique_fields()
                .iter()
                .map(String::as_str)
                .find(|f| value_of(f).is_some()),
        }
        .map(String::from);
        let Some((field, value)) = field.and_then(|field| value_of(&field).map(|value| (field, value))) else {
            return Err((
                500,
                ExceptionType::MandatoryAttributeMissing,
                format!(
                    "Pass at least one unique lead field ({}) in LeadDetails, and the one SearchBy names",
                    store.unique_fields().join(", ")
                ),
            ));
        };
        let lead_id = match store
            .find_lead(&field, &value)
            .and_then(|lead| lead.id())
            .map(String::from)
        {
            Some(id) => match store.update_lead(&id, &pairs) {
                Some(Err(error)) => return Err(refused(&error)),
                _ => id,
            },
            None => {
                let lead = pairs.iter().fold(crate::Lead::new(), |lead, (name, value)| {
                    lead.with_field(name.clone(), value.clone())
                });
                store
                    .add_leads(vec![lead])
                    .map_err(|error| refused(&error))?
                    .pop()
                    .unwrap_or_default()
            }
        };
        store
            .create_opportunity(lead_id, event_code, opportunity, call.seq, 1)
            .map_err(|error| refused(&error))
    })?;
    Ok(json!({
        "AdditionalDetails": [{ "ActivityId": id, "PostDeDupActionPerformed": 1 }],
        "ConflictedOpportunityId": null,
    }))
}

/// An opportunity as the list calls answer it: `ProspectActivityId` (its id, as Get
/// Opportunities in Bulk by Ids names it), `RelatedProspectId`, `OpportunityEvent` (as a string,
/// as LeadSquared sends it), its note, and each field by schema name, limited to `columns`.
fn record_json(opportunity: &Opportunity, columns: Option<&[String]>) -> Value {
    let mut map = Map::new();
    map.insert("ProspectActivityId".into(), Value::from(opportunity.id.as_str()));
    map.insert("RelatedProspectId".into(), Value::from(opportunity.lead_id.as_str()));
    map.insert(
        "OpportunityEvent".into(),
        Value::from(opportunity.event_code.to_string()),
    );
    if let Some(note) = opportunity
        .row
        .get("OpportunityNote")
        .filter(|_| wanted(columns, "OpportunityNote"))
    {
        map.insert("OpportunityNote".into(), note.clone());
    }
    for (name, value) in field_values(opportunity.row.get("Fields")) {
        if wanted(columns, &name) {
            map.insert(name, Value::from(value));
        }
    }
    Value::Object(map)
}

/// Get Opportunities by Lead Id: `{"RecordCount":…,"List":[…]}`, the lead's opportunities (of
/// `opportunityType` only, when given) in creation order, one page of them. A lead the sandbox
/// does not hold has none.
pub(super) fn of_lead(shared: &Shared, call: &Call<'_>) -> Answer {
    let lead_id = call.param("leadId").unwrap_or_default();
    let event_code = call.param("opportunityType").and_then(|code| code.parse::<i64>().ok());
    let columns = columns(call.body, "Include_CSV");
    let list: Vec<Value> = shared.with_store(|store, _| {
        store
            .opportunities()
            .filter(|o| o.lead_id == lead_id && event_code.is_none_or(|code| o.event_code == code))
            .map(|o| record_json(o, columns.as_deref()))
            .collect()
    });
    let total = list.len();
    Ok(json!({ "RecordCount": total, "List": page(list, call.body.get("Paging")) }))
}

/// Get an Opportunity by Id: `{"ID":…,"Fields":[…]}` with each field as stored (at least its
/// `SchemaName` and `Value`), the note first as `ActivityEvent_Note` when there is one, and the
/// lead's id as `RelatedProspectId`. The opportunity type's names are not known to the sandbox.
pub(super) fn by_id(shared: &Shared, call: &Call<'_>) -> Answer {
    let id = call.param("OpportunityId").unwrap_or_default();
    shared
        .with_store(|store, _| {
            let opportunity = store.opportunity(id)?;
            let mut fields = Vec::new();
            if let Some(note) = opportunity.row.get("OpportunityNote").and_then(Value::as_str) {
                fields.push(json!({ "SchemaName": "ActivityEvent_Note", "Value": note }));
            }
            fields.extend(
                opportunity
                    .row
                    .get("Fields")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|field| field.get("SchemaName").is_some())
                    .cloned(),
            );
            let mut answer = json!({ "ID": opportunity.id, "Fields": fields });
            if !opportunity.lead_id.is_empty() {
                answer["RelatedProspectId"] = Value::from(opportunity.lead_id.as_str());
            }
            Some(answer)
        })
        .ok_or_else(|| unknown(Kind::Opportunity, id))
}

/// Sets `changes`' fields on a stored row's `Fields`: a field of the same schema name gets the
/// new value (and sub-fields), others are added.
fn merge_fields(row: &mut Value, changes: &[Value]) {
    if !row.is_object() {
        *row = json!({});
    }
    let fields = row
        .as_object_mut()
        .map(|map| map.entry("Fields").or_insert_with(|| json!([])));
    let Some(Value::Array(fields)) = fields else { return };
    for change in changes {
        let name = change.get("SchemaName").and_then(Value::as_str);
        match fields
            .iter_mut()
            .find(|field| field.get("SchemaName").and_then(Value::as_str) == name)
        {
            Some(Value::Object(field)) => {
                if let Value::Object(change) = change {
                    field.extend(change.iter().map(|(key, value)| (key.clone(), value.clone())));
                }
            }
            _ => fields.push(change.clone()),
        }
    }
}

/// Update an Opportunity: the note and the fields passed change;
/// `{"Status":"Success","Message":{"Id":…}}`.
pub(super) fn update(shared: &Shared, call: &Call<'_>) -> Answer {
    let id = call.text("ProspectOpportunityId").unwrap_or_default();
    let note = call.body.get("OpportunityNote").cloned();
    let changes = call
        .body
        .get("Fields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let updated = shared.with_store(|store, _| {
        store.update_opportunity(id, |row| {
            merge_fields(row, &changes);
            if let (Some(note), Value::Object(map)) = (note, row) {
                map.insert("OpportunityNote".into(), note);
            }
        })
    });
    match updated {
        Some(Ok(())) => Ok(success(json!({ "Id": id }))),
        Some(Err(error)) => Err(refused(&error)),
        None => Err(unknown(Kind::Opportunity, id)),
    }
}

/// Delete an Opportunity: `{"Status":"Success","Message":{"IsSuccessful":true}}`.
pub(super) fn delete(shared: &Shared, call: &Call<'_>) -> Answer {
    let id = call.param("Id").unwrap_or_default();
    if shared.with_store(|store, _| store.delete_opportunity(id)) {
        Ok(success(json!({ "IsSuccessful": true })))
    } else {
        Err(unknown(Kind::Opportunity, id))
    }
}

/// Stores the opportunity of Get an Opportunity by Id's documented answer, under the id its
/// documented request asks for, with the answer's fields as they are.
pub(super) fn seed_from_answer(store: &mut Store, endpoint: &EndpointSchema) {
    let id = endpoint
        .query_example
        .iter()
        .find(|(name, _)| *name == "OpportunityId")
        .map(|(_, id)| id.to_string());
    let answer = endpoint
        .response_example
        .and_then(|text| serde_json::from_str::<Value>(text).ok());
    if let (Some(id), Some(answer)) = (id, answer) {
        store.seed_opportunity(Opportunity {
            id,
            lead_id: String::new(),
            event_code: 0,
            row: json!({ "Fields": answer.get("Fields").cloned().unwrap_or(json!([])) }),
            request_seq: 0,
            row_number: 0,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_changes_fields_by_schema_name_and_adds_new_ones() {
        let mut row = json!({ "Fields": [{ "SchemaName": "Status", "Value": "Open", "DataType": "Dropdown" }] });
        merge_fields(
            &mut row,
            &[
                json!({ "SchemaName": "Status", "Value": "Won" }),
                json!({ "SchemaName": "mx_Custom_6", "Value": "200,000" }),
            ],
        );
        assert_eq!(
            row,
            json!({ "Fields": [
                { "SchemaName": "Status", "Value": "Won", "DataType": "Dropdown" },
                { "SchemaName": "mx_Custom_6", "Value": "200,000" }
            ] })
        );
        let mut empty = json!({});
        merge_fields(&mut empty, &[json!({ "SchemaName": "a", "Value": "b" })]);
        assert_eq!(empty, json!({ "Fields": [{ "SchemaName": "a", "Value": "b" }] }));
    }

    #[test]
    fn a_record_has_the_ids_the_event_and_the_columns_asked_for() {
        let opportunity = Opportunity {
            id: "o".into(),
            lead_id: "l".into(),
            event_code: 12000,
            row: json!({ "OpportunityNote": "n", "Fields": [
                { "SchemaName": "Status", "Value": "Open" }, { "SchemaName": "mx_Custom_1", "Value": "Deal" }
            ] }),
            request_seq: 0,
            row_number: 1,
        };
        let all = record_json(&opportunity, None);
        assert_eq!(
            all,
            json!({ "ProspectActivityId": "o", "RelatedProspectId": "l", "OpportunityEvent": "12000",
                    "OpportunityNote": "n", "Status": "Open", "mx_Custom_1": "Deal" })
        );
        let some = record_json(&opportunity, Some(&["status".to_string()]));
        assert_eq!(
            some,
            json!({ "ProspectActivityId": "o", "RelatedProspectId": "l", "OpportunityEvent": "12000", "Status": "Open" })
        );
    }
}

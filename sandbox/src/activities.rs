//! The behaviour of the lead activity endpoints: Post an Activity on a Lead stores the
//! activity; Get Activities of a Lead lists a lead's activities.
//!
//! An activity is stored as the body that posted it. Neither page shows its answer, so both
//! answers are the sandbox's own (see the crate docs).

use serde_json::{Map, Value, json};

use leadsquared::ExceptionType;

use crate::behaviour::{Answer, Call, refused, success, unknown};
use crate::store::Kind;
use crate::{Activity, Lead, state::Shared};

/// The lead fields taken from the post when it creates the lead it names by email address.
const LEAD_FIELDS: [&str; 4] = ["EmailAddress", "FirstName", "LastName", "Phone"];

/// Post an Activity on a Lead: the lead is `RelatedProspectId`, or the lead with
/// `EmailAddress` (created from the post's `EmailAddress`, `FirstName`, `LastName` and `Phone`
/// when no lead has it). `{"Status":"Success","Message":{"Id":…,"RelatedId":…}}`: the activity's
/// id and the lead's, the answer the sibling Post an Activity on an Opportunity page documents.
pub(crate) fn post(shared: &Shared, call: &Call<'_>) -> Answer {
    let event_code = call.body.get("ActivityEvent").and_then(Value::as_i64).unwrap_or(0);
    if event_code <= 0 {
        return Err((
            500,
            ExceptionType::InvalidActivity,
            "Event Code is invalid or empty".into(),
        ));
    }
    let (id, lead_id) = shared.with_store(|store, _| {
        let lead_id = match (call.text("RelatedProspectId"), call.text("EmailAddress")) {
            (Some(id), _) if !id.is_empty() => match store.lead(id) {
                Some(_) => id.to_string(),
                None => return Err(unknown(Kind::Lead, id)),
            },
            (_, Some(email)) if !email.trim().is_empty() => {
                match store.find_lead("EmailAddress", email).and_then(Lead::id) {
                    Some(id) => id.to_string(),
                    None => {
                        let lead = LEAD_FIELDS.iter().fold(Lead::new(), |lead, field| {
                            match call.text(field).filter(|value| !value.is_empty()) {
                                Some(value) => lead.with_field(*field, value),
                                None => lead,
                            }
                        });
                        let mut ids = store.add_leads(vec![lead]).map_err(|error| refused(&error))?;
                        ids.pop().unwrap_or_default()
                    }
                }
            }
            _ => {
                return Err((
                    500,
                    ExceptionType::MandatoryAttributeMissing,
                    "Pass the lead's id in RelatedProspectId, or its EmailAddress".to_string(),
                ));
            }
        };
        let id = store
            .post_activity(&lead_id, event_code, call.body)
            .map_err(|error| refused(&error))?;
        Ok((id, lead_id))
    })?;
    Ok(success(json!({ "Id": id, "RelatedId": lead_id })))
}

/// An activity as Get Activities of a Lead answers it: `Id`, `EventCode`, `CreatedOn` (the
/// posted `ActivityDateTime`, when there was one), `ActivityNote`, and `Data`, the non-empty
/// field values by schema name.
fn activity_json(activity: &Activity) -> Value {
    let mut map = Map::new();
    map.insert("Id".into(), Value::from(activity.id.as_str()));
    map.insert("EventCode".into(), Value::from(activity.event_code));
    for (from, to) in [("ActivityDateTime", "CreatedOn"), ("ActivityNote", "ActivityNote")] {
        if let Some(value) = activity.post.get(from).and_then(Value::as_str) {
            map.insert(to.into(), Value::from(value));
        }
    }
    let data: Map<String, Value> = activity
        .post
        .get("Fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|field| {
            let name = field.get("SchemaName")?.as_str()?;
            let value = field.get("Value")?.as_str().filter(|value| !value.is_empty())?;
            Some((name.to_string(), Value::from(value)))
        })
        .collect();
    map.insert("Data".into(), Value::Object(data));
    Value::Object(map)
}

/// Get Activities of a Lead: `{"RecordCount":…,"ProspectActivities":[…]}`, the lead's activities
/// (of `Parameter.ActivityEvent` only, when given), most recent first, `Paging.RowCount` of
/// them (25 when absent) from `Paging.Offset`. `RecordCount` counts every matching activity. A
/// lead the sandbox does not hold has none.
pub(crate) fn of_lead(shared: &Shared, call: &Call<'_>) -> Answer {
    let lead_id = call.param("leadId").unwrap_or_default();
    let event_code = call.body.pointer("/Parameter/ActivityEvent").and_then(Value::as_i64);
    let number = |name: &str, default: usize| -> Result<usize, (u16, ExceptionType, String)> {
        match call.body.pointer(&format!("/Paging/{name}")).and_then(Value::as_str) {
            None => Ok(default),
            Some(text) => text.trim().parse().map_err(|_| {
                (
                    500,
                    ExceptionType::InvalidInput,
                    format!("Paging.{name} must be a whole number written as a string, e.g. \"10\"; got \"{text}\""),
                )
            }),
        }
    };
    let (offset, rows) = (number("Offset", 0)?, number("RowCount", 25)?);
    let matching: Vec<Value> = shared.with_store(|store, _| {
        store
            .activities()
            .rev()
            .filter(|a| a.lead_id == lead_id && event_code.is_none_or(|code| a.event_code == code))
            .map(activity_json)
            .collect()
    });
    let total = matching.len();
    let window: Vec<Value> = matching.into_iter().skip(offset).take(rows).collect();
    Ok(json!({ "RecordCount": total, "ProspectActivities": window }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activity_answers_its_note_date_and_non_empty_fields() {
        let activity = Activity {
            id: "a".into(),
            lead_id: "l".into(),
            event_code: 201,
            post: json!({
                "ActivityNote": "Called", "ActivityDateTime": "2015-10-11 12:13:44",
                "Fields": [{ "SchemaName": "mx_Custom_1", "Value": "1" }, { "SchemaName": "mx_Custom_2", "Value": "" }]
            }),
        };
        assert_eq!(
            activity_json(&activity),
            json!({ "Id": "a", "EventCode": 201, "CreatedOn": "2015-10-11 12:13:44", "ActivityNote": "Called",
                    "Data": { "mx_Custom_1": "1" } })
        );
    }
}

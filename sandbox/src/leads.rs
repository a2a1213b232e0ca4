//! The behaviour of the lead endpoints: create, update, create-or-update, read by email, phone
//! or ids, and delete, over the store's leads.
//!
//! A lead travels as a list of `{"Attribute":…,"Value":…}` pairs; the store keeps each
//! attribute's value by schema name. The value of a custom field set (an attribute with
//! `Fields`) is kept as sent (usually empty); its own fields are not kept. A lead is answered
//! as one object: `ProspectID` and every field it has.

use serde_json::{Map, Value, json};

use leadsquared::ExceptionType;

use crate::Lead;
use crate::behaviour::{Answer, Call, CallError, refused, success};
use crate::schema::EndpointSchema;
use crate::state::Shared;
use crate::store::{Kind, Store};

/// The attribute of a lead list that names the field to search by; not a lead field.
const SEARCH_BY: &str = "SearchBy";

/// The fields of which Create a Lead needs at least one.
const IDENTIFYING: [&str; 4] = ["FirstName", "LastName", "EmailAddress", "Phone"];

/// The (schema name, value) pairs of a `[{"Attribute":…,"Value":…}]` list, without `SearchBy`
/// and `ProspectID` (which no call sets), and the `SearchBy` value when there is one.
pub(crate) fn attributes(list: &Value) -> (Vec<(String, String)>, Option<String>) {
    let mut pairs = Vec::new();
    let mut search_by = None;
    for item in list.as_array().into_iter().flatten() {
        let (Some(name), Some(value)) = (
            item.get("Attribute").and_then(Value::as_str),
            item.get("Value").and_then(Value::as_str),
        ) else {
            continue;
        };
        if name == SEARCH_BY {
            search_by = Some(value.to_string());
        } else if !name.eq_ignore_ascii_case("ProspectID") {
            pairs.push((name.to_string(), value.to_string()));
        }
    }
    (pairs, search_by)
}

/// A lead as the read endpoints answer it: `ProspectID` and its fields.
pub(crate) fn lead_json(lead: &Lead) -> Value {
    let mut map: Map<String, Value> = lead
        .fields()
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    if let Some(id) = lead.id() {
        map.insert("ProspectID".into(), Value::from(id));
    }
    Value::Object(map)
}

fn lead_of(pairs: &[(String, String)]) -> Lead {
    pairs.iter().fold(Lead::new(), |lead, (name, value)| {
        lead.with_field(name.clone(), value.clone())
    })
}

/// Stores a new lead of `pairs`; its id.
fn store_new(store: &mut Store, pairs: &[(String, String)]) -> Result<String, CallError> {
    let mut ids = store.add_leads(vec![lead_of(pairs)]).map_err(|error| refused(&error))?;
    Ok(ids.pop().unwrap_or_default())
}

/// Create a Lead: `{"Status":"Success","Message":{"Id":…}}`.
pub(crate) fn create(shared: &Shared, call: &Call<'_>) -> Answer {
    let (pairs, _) = attributes(call.body);
    let identified = pairs
        .iter()
        .any(|(name, value)| IDENTIFYING.contains(&name.as_str()) && !value.trim().is_empty());
    if !identified {
        return Err((
            500,
            ExceptionType::MandatoryAttributeMissing,
            format!("Pass at least one of {} to create a lead", IDENTIFYING.join(", ")),
        ));
    }
    let id = shared.with_store(|store, _| store_new(store, &pairs))?;
    Ok(success(json!({ "Id": id })))
}

/// Create or Update a Lead: the lead found by the field `SearchBy` names (by `EmailAddress`,
/// then `Phone`, without it) is updated, or a lead is created;
/// `{"Status":"Success","Message":{"Id":…,"AffectedRows":1}}` either way.
pub(crate) fn create_or_update(shared: &Shared, call: &Call<'_>) -> Answer {
    let (pairs, search_by) = attributes(call.body);
    let value_of = |field: &str| {
        pairs
            .iter()
            .rev()
            .find(|(name, value)| name == field && !value.trim().is_empty())
            .map(|(_, value)| value.as_str())
    };
    let id = shared.with_store(|store, ignore_case| {
        let found = match &search_by {
            Some(search_by) => {
                let field = store
                    .search_field(search_by, ignore_case)
                    .map_err(|_| {
                        (
                            500,
                            ExceptionType::InvalidInput,
                            format!("Invalid SearchBy value provided: `{search_by}` is not a unique lead field"),
                        )
                    })?
                    .to_string();
                let value = value_of(&field).ok_or_else(|| {
                    (
                        500,
                        ExceptionType::MandatoryAttributeMissing,
                        format!("SearchBy is {field}, but the lead has no {field} attribute"),
                    )
                })?;
                store.find_lead(&field, value)
            }
            None => ["EmailAddress", "Phone"]
                .iter()
                .find_map(|field| value_of(field).and_then(|value| store.find_lead(field, value))),
        };
        match found.and_then(Lead::id).map(String::from) {
            Some(id) => match store.update_lead(&id, &pairs) {
                Some(Ok(())) => Ok(id),
                Some(Err(error)) => Err(refused(&error)),
                None => Err(crate::behaviour::unknown(Kind::Lead, &id)),
            },
            None if store.unique_fields().iter().any(|field| value_of(field).is_some()) => store_new(store, &pairs),
            None => Err((
                500,
                ExceptionType::MandatoryAttributeMissing,
                format!(
                    "Pass at least one unique lead field ({}) to create or update a lead",
                    store.unique_fields().join(", ")
                ),
            )),
        }
    })?;
    Ok(success(json!({ "Id": id, "AffectedRows": 1 })))
}

/// Update a Lead: the fields passed change; `{"Status":"Success","Message":{"AffectedRows":1}}`.
pub(crate) fn update(shared: &Shared, call: &Call<'_>) -> Answer {
    let id = call.param("leadId").unwrap_or_default();
    let (pairs, _) = attributes(call.body);
    match shared.with_store(|store, _| store.update_lead(id, &pairs)) {
        Some(Ok(())) => Ok(success(json!({ "AffectedRows": 1 }))),
        Some(Err(error)) => Err(refused(&error)),
        None => Err(crate::behaviour::unknown(Kind::Lead, id)),
    }
}

/// Get a Lead by Email: the lead in a list, or `[]` when no lead has the address (as
/// documented).
pub(crate) fn by_email(shared: &Shared, call: &Call<'_>) -> Answer {
    let email = call.param("emailaddress").unwrap_or_default();
    let lead = shared.with_store(|store, _| store.find_lead("EmailAddress", email).map(lead_json));
    Ok(Value::Array(lead.into_iter().collect()))
}

/// The digits of a phone number.
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a stored number and a number asked for are the same, with or without a country
/// code: the digits are equal, or one ends with the other and the shorter has at least 7.
fn same_number(stored: &str, asked: &str) -> bool {
    let (stored, asked) = (digits(stored), digits(asked));
    let (short, long) = if stored.len() <= asked.len() {
        (&stored, &asked)
    } else {
        (&asked, &stored)
    };
    !short.is_empty() && (short == long || (short.len() >= 7 && long.ends_with(short.as_str())))
}

/// Get a Lead by Phone Number: the lead whose `Phone` or `Mobile` is the number, with or
/// without a country code, in a list (`[]` when none). Of several, the one with the most
/// recent activity, else the most recently created, as the page says.
pub(crate) fn by_phone(shared: &Shared, call: &Call<'_>) -> Answer {
    let phone = call.param("phone").unwrap_or_default();
    let lead = shared.with_store(|store, _| {
        let matches = |lead: &&Lead| {
            ["Phone", "Mobile"]
                .iter()
                .any(|field| lead.field(field).is_some_and(|stored| same_number(stored, phone)))
        };
        let latest_activity = store
            .activities()
            .rev()
            .find_map(|activity| store.lead(&activity.lead_id).filter(|lead| matches(lead)));
        latest_activity
            .or_else(|| store.leads().rev().find(matches))
            .map(lead_json)
    });
    Ok(Value::Array(lead.into_iter().collect()))
}

/// The 1-based page `index` of `size` items from `items`, for `Paging`.
pub(crate) fn page<T>(items: Vec<T>, paging: Option<&Value>) -> Vec<T> {
    let number = |key: &str| paging.and_then(|p| p.get(key)).and_then(Value::as_u64);
    let (Some(index), Some(size)) = (number("PageIndex"), number("PageSize")) else {
        return items;
    };
    let skip = usize::try_from(index.saturating_sub(1).saturating_mul(size)).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(usize::MAX);
    items.into_iter().skip(skip).take(take).collect()
}

/// The columns of `Columns.Include_CSV`, or `None` for every column (absent or empty).
pub(crate) fn columns(body: &Value, key: &str) -> Option<Vec<String>> {
    let csv = body.get("Columns")?.get(key)?.as_str()?;
    let list: Vec<String> = csv
        .split(',')
        .map(|column| column.trim().to_string())
        .filter(|column| !column.is_empty())
        .collect();
    (!list.is_empty()).then_some(list)
}

/// Whether `name` is one of `columns` (compared without regard to case, as LeadSquared's
/// examples mix `ProspectId` and `ProspectID`); every name is when there is no list.
pub(crate) fn wanted(columns: Option<&[String]>, name: &str) -> bool {
    columns.is_none_or(|columns| columns.iter().any(|column| column.eq_ignore_ascii_case(name)))
}

/// Get Leads in Bulk by Ids: `{"RecordCount":…,"Leads":[…]}`, the leads found in the order of
/// the ids, with the columns asked for, one page of them.
pub(crate) fn by_ids(shared: &Shared, call: &Call<'_>) -> Answer {
    let ids: Vec<&str> = call
        .body
        .pointer("/SearchParameters/LeadIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let columns = columns(call.body, "Include_CSV");
    let found: Vec<Value> = shared.with_store(|store, _| {
        ids.iter()
            .filter_map(|id| store.lead(id))
            .map(|lead| {
                let Value::Object(all) = lead_json(lead) else {
                    return Value::Null;
                };
                Value::Object(
                    all.into_iter()
                        .filter(|(name, _)| wanted(columns.as_deref(), name))
                        .collect(),
                )
            })
            .collect()
    });
    let total = found.len();
    Ok(json!({ "RecordCount": total, "Leads": page(found, call.body.get("Paging")) }))
}

/// Delete a Lead: the lead and everything attached to it; `{"Status":"Success"}`.
pub(crate) fn delete(shared: &Shared, call: &Call<'_>) -> Answer {
    let id = call.param("leadId").unwrap_or_default();
    if shared.with_store(|store, _| store.delete_lead(id)) {
        Ok(json!({ "Status": "Success" }))
    } else {
        Err(crate::behaviour::unknown(Kind::Lead, id))
    }
}

/// Stores the leads of a documented read answer (a list of lead objects with `ProspectID`):
/// strings as they are, numbers and flags as their text, `null` left out.
pub(crate) fn seed_from_answer(store: &mut Store, endpoint: &EndpointSchema) {
    let Some(answer) = endpoint
        .response_example
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    else {
        return;
    };
    for item in answer.as_array().into_iter().flatten() {
        let Some(object) = item.as_object() else { continue };
        let mut lead = Lead::new();
        for (name, value) in object {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => continue,
            };
            lead = if name == "ProspectID" {
                lead.with_id(text)
            } else {
                lead.with_field(name.clone(), text)
            };
        }
        if lead.id().is_some_and(|id| store.lead(id).is_none()) {
            let _ = store.add_leads(vec![lead]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_with_or_without_a_country_code() {
        assert!(same_number("+91-9901111111", "9901111111"));
        assert!(same_number("9901111111", "919901111111"));
        assert!(same_number("(990) 111-1111", "9901111111"));
        assert!(!same_number("9901111111", "111111"), "too short to be a number");
        assert!(!same_number("9901111112", "9901111111"));
        assert!(!same_number("", ""));
    }

    #[test]
    fn pages_are_one_based_and_absent_paging_is_everything() {
        let items: Vec<u32> = (1..=5).collect();
        assert_eq!(page(items.clone(), None), items);
        let paging = json!({ "PageIndex": 2, "PageSize": 2 });
        assert_eq!(page(items.clone(), Some(&paging)), [3, 4]);
        let past = json!({ "PageIndex": 9, "PageSize": 2 });
        assert!(page(items, Some(&past)).is_empty());
    }

    #[test]
    fn attribute_lists_keep_fields_and_take_search_by_apart() {
        let list = json!([
            { "Attribute": "EmailAddress", "Value": "a@example.com" },
            { "Attribute": "SearchBy", "Value": "EmailAddress" },
            { "Attribute": "ProspectID", "Value": "x" },
            { "Attribute": "mx_KYC", "Value": "", "Fields": [{ "Attribute": "Status", "Value": "Pending" }] }
        ]);
        let (pairs, search_by) = attributes(&list);
        assert_eq!(
            pairs,
            [
                ("EmailAddress".to_string(), "a@example.com".to_string()),
                ("mx_KYC".to_string(), String::new())
            ]
        );
        assert_eq!(search_by.as_deref(), Some("EmailAddress"));
    }
}

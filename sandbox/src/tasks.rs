//! The behaviour of the task endpoints: create a task, list a lead's tasks, update a task,
//! delete tasks in bulk.
//!
//! A task is stored as the attributes it was created with, and updates set the attributes they
//! pass. It belongs to a lead when `RelatedEntity` is `1` (`RelatedEntityId` the lead's id), to
//! an opportunity when it is `5`, to nothing when it is `0` or absent; the lead or opportunity
//! must exist. Tasks stay `Pending`: the sandbox has no clock that would make them overdue.

use serde_json::{Map, Value, json};

use leadsquared::ExceptionType;

use crate::Task;
use crate::behaviour::{Answer, Call, CallError, refused, success, unknown};
use crate::state::Shared;
use crate::store::{Kind, Store};

/// `RelatedEntity` as a number: `1` for a lead, `5` for an opportunity.
fn related_entity(attributes: &Value) -> Option<i64> {
    match attributes.get("RelatedEntity")? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Checks that the lead or opportunity `attributes` relate the task to exists.
fn check_relation(store: &Store, attributes: &Value) -> Result<(), CallError> {
    let id = attributes
        .get("RelatedEntityId")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match related_entity(attributes) {
        None | Some(0) => Ok(()),
        Some(1) if store.lead(id).is_some() => Ok(()),
        Some(1) => Err(unknown(Kind::Lead, id)),
        Some(5) if store.opportunity(id).is_some() => Ok(()),
        Some(5) => Err(unknown(Kind::Opportunity, id)),
        Some(other) => Err((
            500,
            ExceptionType::InvalidInput,
            format!("RelatedEntity must be 1 (a lead), 5 (an opportunity) or 0 (nothing), not {other}"),
        )),
    }
}

/// Create an Appointment (or a To-Do): `{"Status":"Success","Message":{"Id":…}}` with the
/// task's id, the sandbox's own answer (the page's answer is not shown).
pub(crate) fn create(shared: &Shared, call: &Call<'_>) -> Answer {
    let id = shared.with_store(|store, _| {
        check_relation(store, call.body)?;
        store.create_task(call.body.clone()).map_err(|error| refused(&error))
    })?;
    Ok(success(json!({ "Id": id })))
}

/// A task as Get Tasks by Lead Id answers it: the attributes that call returns which the task
/// has (`OwnerID` is the `OwnerId` it was given, `Reminder` a string as on the page), and
/// `Status` `Pending`.
fn task_json(task: &Task) -> Value {
    let mut map = Map::new();
    map.insert("TaskID".into(), Value::from(task.id.as_str()));
    for (from, to) in [
        ("Name", "Name"),
        ("Description", "Description"),
        ("DueDate", "DueDate"),
        ("OwnerId", "OwnerID"),
    ] {
        if let Some(value) = task.task.get(from).and_then(Value::as_str) {
            map.insert(to.into(), Value::from(value));
        }
    }
    map.insert("Status".into(), Value::from("Pending"));
    if let Some(reminder) = task.task.get("Reminder").filter(|r| r.is_number()) {
        map.insert("Reminder".into(), Value::from(reminder.to_string()));
    }
    Value::Object(map)
}

/// Get Tasks by Lead Id: `{"RecordCount":…,"TaskList":[…]}`, the tasks related to the lead, in
/// creation order. A lead the sandbox does not hold has none.
pub(crate) fn of_lead(shared: &Shared, call: &Call<'_>) -> Answer {
    let lead_id = call.param("leadId").unwrap_or_default();
    let list: Vec<Value> = shared.with_store(|store, _| {
        store
            .tasks()
            .filter(|task| task.lead_id() == Some(lead_id))
            .map(task_json)
            .collect()
    });
    let total = list.len();
    Ok(json!({ "RecordCount": total, "TaskList": list }))
}

/// Update a Task: the attributes passed change. `{"Status":"Success","Message":{"AffectedRows":1}}`,
/// the start of the answer the page shows (it is cut after `AffectedRows`).
pub(crate) fn update(shared: &Shared, call: &Call<'_>) -> Answer {
    let id = call.text("UserTaskId").unwrap_or_default();
    let mut changes = call.body.as_object().cloned().unwrap_or_default();
    changes.remove("UserTaskId");
    let updated = shared.with_store(|store, _| {
        let current = store.task(id).map(|task| task.task.clone());
        if let Some(mut merged) = current {
            if let Value::Object(map) = &mut merged {
                map.extend(changes.clone());
            }
            check_relation(store, &merged)?;
        }
        Ok::<_, CallError>(store.update_task(id, &changes))
    })?;
    match updated {
        Some(Ok(())) => Ok(success(json!({ "AffectedRows": 1 }))),
        Some(Err(error)) => Err(refused(&error)),
        None => Err(unknown(Kind::Task, id)),
    }
}

/// Delete Tasks in Bulk: the tasks found are deleted at once (LeadSquared deletes in the
/// background); `{"Status":"Success","Operation":"Bulk Delete Tasks","TasksCount":…,
/// "DeletedTasksCount":…,"FailureReason":…}` with the reason `null` when every task was found.
pub(crate) fn delete_in_bulk(shared: &Shared, call: &Call<'_>) -> Answer {
    let ids: Vec<&str> = call
        .body
        .get("TaskIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let deleted = shared.with_store(|store, _| ids.iter().filter(|id| store.delete_task(id)).count());
    let missing = ids.len() - deleted;
    let reason = (missing > 0).then(|| format!("{missing} of the tasks do not exist or were already deleted"));
    Ok(json!({
        "Status": "Success",
        "Operation": "Bulk Delete Tasks",
        "TasksCount": ids.len(),
        "DeletedTasksCount": deleted,
        "FailureReason": reason,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_answers_the_attributes_of_the_list_call() {
        let task = Task {
            id: "t".into(),
            task: json!({ "Name": "Call", "DueDate": "2020-11-11 10:30:00", "OwnerId": "u", "Reminder": 30,
                          "OwnerEmailAddress": "o@example.com", "RelatedEntity": 1, "RelatedEntityId": "l" }),
        };
        assert_eq!(
            task_json(&task),
            json!({ "TaskID": "t", "Name": "Call", "DueDate": "2020-11-11 10:30:00", "OwnerID": "u",
                    "Status": "Pending", "Reminder": "30" })
        );
        assert_eq!(task.lead_id(), Some("l"));
        assert_eq!(related_entity(&json!({ "RelatedEntity": "5" })), Some(5));
    }
}

//! A lead's life across the lead, opportunity, activity and task endpoints, through the typed
//! client against an in-process sandbox: what one endpoint creates, the others find, change and
//! remove. Each step is checked on the typed answer (raw JSON only where the spec types the
//! answer as JSON: Post an Activity on a Lead, Create an Appointment and Update a Task, whose
//! pages do not show their answers).

use leadsquared::activities::{ActivityField, LeadActivitiesQuery, LeadActivityPost};
use leadsquared::leads::LeadAttributes;
use leadsquared::opportunities::{
    OpportunityByLeadField, OpportunityField, OpportunityPage, OpportunityUpdate, SearchBy,
};
use leadsquared::tasks::{TaskCreate, TaskTypeName, TaskUpdate};
use leadsquared::{Client, DateTime, Error, ExceptionType};
use leadsquared_sandbox::Sandbox;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const EMAIL: &str = "ana.lifecycle@example.com";

/// The opportunity ids of a page, as the list call names them (`ProspectActivityId`).
fn ids(page: &OpportunityPage) -> Vec<String> {
    page.list
        .iter()
        .filter_map(|record| record.additional_fields.get("ProspectActivityId")?.as_str())
        .map(String::from)
        .collect()
}

async fn opportunities_of(client: &Client, lead: &str) -> Result<OpportunityPage, Error> {
    client.get_opportunities_by_lead_id(lead).await
}

#[tokio::test]
async fn a_lead_is_created_worked_on_and_deleted_across_modules() -> TestResult {
    let sandbox = Sandbox::builder().no_rate_limit().start().await?;
    let client = sandbox.client()?;

    // 1. Create the lead.
    let created = client
        .create_lead(
            LeadAttributes::new()
                .email_address(EMAIL)
                .first_name("Ana")
                .phone("+91-9876543210"),
        )
        .await?;
    let lead = created.id;
    let found = client.get_lead_by_email(EMAIL).await?;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].prospect_id.as_deref(), Some(lead.as_str()));
    assert_eq!(found[0].first_name.as_deref(), Some("Ana"));

    // 2. Add two opportunities in bulk, finding the lead by its email address.
    let row = |name: &str| {
        OpportunityByLeadField::new(EMAIL, 12114)
            .with_opportunity_note("From the lifecycle test")
            .with_fields(vec![
                OpportunityField::new("mx_Custom_1", name),
                OpportunityField::new("Status", "Open"),
            ])
    };
    let results = client
        .add_opportunities_in_bulk(SearchBy::EmailAddress, [row("Website"), row("Support")])
        .await?;
    assert!(
        results.iter().all(|result| result.opportunity_created == Some(true)),
        "{results:?}"
    );
    let added: Vec<String> = results
        .iter()
        .filter_map(|result| result.prospect_opportunity_id.clone())
        .collect();
    assert_eq!(added.len(), 2);

    // 3. List them by the lead's id: in one call without a body, and page by page, one per
    // page, the walker writing the `Paging` the body left out.
    let page = opportunities_of(&client, &lead).await?;
    assert_eq!(page.record_count, 2);
    assert_eq!(ids(&page), added);
    let mut pages = client.get_opportunities_by_lead_id(&lead).page(1, 1).pages();
    let mut walked = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page?;
        assert_eq!((page.items.len(), page.total), (1, Some(2)));
        walked.push(page.index);
    }
    assert_eq!(walked, [1, 2]);
    assert!(
        page.list
            .iter()
            .all(|record| record.related_prospect_id.as_deref() == Some(lead.as_str())
                && record.opportunity_event == Some(12114))
    );

    // 4. Update one, and read the change back.
    let update = OpportunityUpdate::new(&added[0])
        .with_opportunity_note("Won after the demo")
        .with_fields(vec![OpportunityField::new("Status", "Won")]);
    assert_eq!(client.update_opportunity(update).await?.id, added[0]);
    let details = client.get_opportunity_by_id(&added[0]).await?;
    let status = details
        .fields
        .unwrap_or_default()
        .into_iter()
        .find(|field| field.schema_name.as_deref() == Some("Status"))
        .and_then(|field| field.value);
    assert_eq!(status.as_deref(), Some("Won"));
    let page = opportunities_of(&client, &lead).await?;
    assert_eq!(page.list[0].additional_fields["Status"], "Won");
    assert_eq!(
        page.list[1].additional_fields["Status"], "Open",
        "the other one is unchanged"
    );

    // 5. Post an activity on the lead; it is listed.
    let posted = client
        .post_activity_on_lead(
            LeadActivityPost::new(201)
                .with_related_prospect_id(&lead)
                .with_activity_note("Demo call")
                .with_activity_date_time(DateTime::parse("2026-01-15 10:00:00")?)
                .with_fields(vec![ActivityField::new("mx_Custom_1", "45 minutes")]),
        )
        .await?;
    let activity = posted["Message"]["Id"].as_str().unwrap_or_default().to_string();
    assert!(!activity.is_empty(), "{posted}");
    let activities = client
        .get_activities_of_lead(&lead, LeadActivitiesQuery::default())
        .await?;
    assert_eq!(activities.record_count, 1);
    let listed = &activities.prospect_activities[0];
    assert_eq!(
        (
            listed.id.as_deref(),
            listed.event_code,
            listed.created_on.map(|at| at.to_string())
        ),
        (
            Some(activity.as_str()),
            Some(201),
            Some("2026-01-15 10:00:00".to_string())
        )
    );
    assert_eq!(listed.additional_fields["Data"]["mx_Custom_1"], "45 minutes");

    // 6. Create a task on the lead, and 7. list the lead's tasks.
    let task = TaskCreate::new("Send the proposal")
        .with_related_entity(1)
        .with_related_entity_id(&lead)
        .with_due_date(DateTime::parse("2026-01-20 09:00:00")?)
        .with_reminder(30)
        .with_task_type(TaskTypeName::new("Meeting"));
    let created = client.create_task(task).await?;
    let task_id = created["Message"]["Id"].as_str().unwrap_or_default().to_string();
    let tasks = client.get_tasks_by_lead_id(&lead).await?;
    assert_eq!(tasks.record_count, 1);
    let listed = &tasks.task_list[0];
    assert_eq!(
        (listed.task_id.as_deref(), listed.name.as_deref(), listed.reminder),
        (Some(task_id.as_str()), Some("Send the proposal"), Some(30))
    );
    let updated = client
        .update_task(TaskUpdate::new(&task_id).with_due_date(DateTime::parse("2026-01-21 09:00:00")?))
        .await?;
    assert_eq!(updated["Message"]["AffectedRows"], 1);
    let tasks = client.get_tasks_by_lead_id(&lead).await?;
    assert_eq!(
        tasks.task_list[0].due_date.map(|at| at.to_string()).as_deref(),
        Some("2026-01-21 09:00:00")
    );

    // 8. Delete the updated opportunity; 9. the listing no longer shows it.
    assert!(client.delete_opportunity(&added[0]).await?.is_successful);
    let page = opportunities_of(&client, &lead).await?;
    assert_eq!(page.record_count, 1);
    assert_eq!(ids(&page), [added[1].clone()]);
    let gone = client.get_opportunity_by_id(&added[0]).await.unwrap_err();
    assert_eq!(
        gone.exception_type(),
        Some(&ExceptionType::UnknownProspectActivity),
        "{gone}"
    );

    // 10. Delete the lead; 11. looking it up by email gives an empty list, and what was
    // attached to it went with it.
    assert_eq!(client.delete_lead(&lead).await?.status, "Success");
    assert!(client.get_lead_by_email(EMAIL).await?.is_empty());
    assert_eq!(opportunities_of(&client, &lead).await?.record_count, 0);
    assert_eq!(client.get_tasks_by_lead_id(&lead).await?.record_count, 0);
    assert!(sandbox.opportunities().is_empty() && sandbox.activities().is_empty() && sandbox.tasks().is_empty());
    let again = client.delete_lead(&lead).await.unwrap_err();
    assert_eq!(again.exception_type(), Some(&ExceptionType::InvalidLead), "{again}");
    Ok(())
}

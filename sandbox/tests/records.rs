//! The sandbox's records across endpoints: leads, opportunities, activities and tasks created
//! through one endpoint are found, changed and removed through the others, unknown ids and
//! duplicates are refused in the API's error envelope, and the store stays within its limits.
//! Each test talks to the sandbox through the generated client and reads back what it holds.

use leadsquared::activities::{LeadActivitiesQuery, LeadActivityPost, OffsetPaging};
use leadsquared::leads::LeadAttributes;
use leadsquared::leads::{LeadIds, LeadIdsQuery};
use leadsquared::opportunities::{
    CapturedOpportunity, LeadOpportunitiesQuery, OpportunityByLeadField, OpportunityCapture, OpportunityField,
    OpportunityUpdate, SearchBy,
};
use leadsquared::search::{Paging, SearchColumns};
use leadsquared::tasks::{TaskCreate, TaskDeletion, TaskUpdate};
use leadsquared::{Client, Error, ExceptionType};
use leadsquared_sandbox::{Lead, Sandbox, SandboxBuilder};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn builder() -> SandboxBuilder {
    Sandbox::builder().no_rate_limit()
}

fn fields(pairs: &[(&str, &str)]) -> LeadAttributes {
    pairs
        .iter()
        .fold(LeadAttributes::new(), |lead, (name, value)| lead.set(*name, *value))
}

/// The exception type and status of a refused call.
fn refusal(error: &Error) -> (Option<u16>, Option<&str>) {
    (error.status(), error.exception_type().map(ExceptionType::as_str))
}

async fn create_lead(client: &Client, email: &str, phone: &str) -> Result<String, Error> {
    let answer = client
        .create_lead(fields(&[
            ("EmailAddress", email),
            ("Phone", phone),
            ("FirstName", "Ana"),
        ]))
        .await?;
    Ok(answer.id)
}

#[tokio::test]
async fn leads_are_created_found_updated_and_deleted_across_endpoints() -> TestResult {
    let sandbox = builder().start().await?;
    let client = sandbox.client()?;
    let id = create_lead(&client, "Ana@Example.com", "+91-9901111111").await?;
    assert_eq!(id, "00000000-0000-4000-b000-000000000001");

    // Found by email (as unique values compare), by phone with or without the country code,
    // and by id with the columns asked for.
    let found = client.get_lead_by_email(" ana@example.COM").await?;
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].prospect_id.as_deref(), found[0].first_name.as_deref()),
        (Some(id.as_str()), Some("Ana"))
    );
    for phone in ["9901111111", "919901111111"] {
        let by_phone = client.get_lead_by_phone(phone).await?;
        assert_eq!(by_phone[0].prospect_id.as_deref(), Some(id.as_str()), "{phone}");
    }
    assert!(client.get_lead_by_phone("9901111112").await?.is_empty());
    assert!(client.get_lead_by_email("nobody@example.com").await?.is_empty());
    let query = LeadIdsQuery::new(
        LeadIds::new(vec![id.clone(), "unknown".into()]),
        SearchColumns::new("ProspectId, FirstName"),
        Paging::new(1, 10),
    );
    let page = client.get_leads_by_ids(query).await?;
    assert_eq!(page.record_count, 1);
    assert_eq!(
        (
            page.leads[0].first_name.as_deref(),
            page.leads[0].email_address.as_deref()
        ),
        (Some("Ana"), None),
        "only the columns asked for"
    );

    // Updated: the fields passed change, others keep their values.
    let updated = client
        .update_lead(&id, fields(&[("FirstName", "Ana María"), ("mx_City", "Pune")]))
        .await?;
    assert_eq!(updated.affected_rows, 1);
    let lead = &sandbox.leads()[0];
    assert_eq!(
        (lead.field("FirstName"), lead.field("mx_City"), lead.field("Phone")),
        (Some("Ana María"), Some("Pune"), Some("+91-9901111111"))
    );

    // A second lead may not take a unique value; nothing changes when it tries.
    let duplicate = create_lead(&client, "ana@example.com", "1").await.unwrap_err();
    assert_eq!(refusal(&duplicate), (Some(500), Some("MXDuplicateEntryException")));
    let other = create_lead(&client, "bo@example.com", "+91-8800000000").await?;
    let taken = client
        .update_lead(&other, fields(&[("EmailAddress", "ANA@example.com")]))
        .await
        .unwrap_err();
    assert_eq!(refusal(&taken), (Some(500), Some("MXDuplicateEntryException")));
    assert_eq!(sandbox.leads()[1].field("EmailAddress"), Some("bo@example.com"));
    let anonymous = client.create_lead(fields(&[("mx_City", "Pune")])).await.unwrap_err();
    assert_eq!(
        refusal(&anonymous),
        (Some(500), Some("MXMandatoryAttributeMissingException"))
    );

    // Create or Update: the lead SearchBy finds is updated, else one is created.
    let same = client
        .create_or_update_lead(fields(&[
            ("EmailAddress", "ana@example.com"),
            ("LastName", "Silva"),
            ("SearchBy", "EmailAddress"),
        ]))
        .await?;
    assert_eq!(same.id.as_deref(), Some(id.as_str()));
    assert_eq!(sandbox.leads()[0].field("LastName"), Some("Silva"));
    let new = client
        .create_or_update_lead(fields(&[("Phone", "+91-7700000000")]))
        .await?;
    assert_eq!(sandbox.leads().len(), 3);
    assert_ne!(new.id.as_deref(), Some(id.as_str()));

    // Deleted: not found any more, and calls naming it are refused.
    assert_eq!(client.delete_lead(&id).await?.status, "Success");
    assert!(client.get_lead_by_email("ana@example.com").await?.is_empty());
    for error in [
        client.delete_lead(&id).await.unwrap_err(),
        client
            .update_lead(&id, fields(&[("FirstName", "X")]))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(refusal(&error), (Some(500), Some("MXInvalidLeadException")));
        assert!(error.to_string().contains(&id), "{error}");
    }
    // The email is free again.
    create_lead(&client, "ana@example.com", "+91-9901111111").await?;
    Ok(())
}

#[tokio::test]
async fn opportunities_are_listed_read_changed_and_deleted_with_their_lead() -> TestResult {
    let sandbox = builder()
        .lead(Lead::new().with_email("ana@example.com"))
        .start()
        .await?;
    let client = sandbox.client()?;
    let lead = sandbox.leads()[0].id().unwrap_or_default().to_string();

    // Capture finds the lead (and updates it), or creates one.
    let capture = |email: &str, code: i64| {
        OpportunityCapture::new(
            fields(&[
                ("EmailAddress", email),
                ("mx_City", "Pune"),
                ("SearchBy", "EmailAddress"),
            ]),
            CapturedOpportunity::new(code)
                .with_opportunity_note("Captured")
                .with_fields(vec![OpportunityField::new("mx_Custom_1", "Deal")]),
        )
    };
    let captured = client.capture_opportunity(capture("ana@example.com", 12000)).await?;
    let first = captured.additional_details.unwrap_or_default()[0]
        .activity_id
        .clone()
        .unwrap_or_default();
    assert_eq!(sandbox.leads()[0].field("mx_City"), Some("Pune"));
    client.capture_opportunity(capture("bo@example.com", 12000)).await?;
    assert_eq!(sandbox.leads().len(), 2, "a lead was created for bo@example.com");
    let rows = [OpportunityByLeadField::new("ana@example.com", 12001)
        .with_fields(vec![OpportunityField::new("mx_Custom_1", "Other")])];
    let second = client.add_opportunities_in_bulk(SearchBy::EmailAddress, rows).await?[0]
        .prospect_opportunity_id
        .clone()
        .unwrap_or_default();

    // Listed by lead, of one type, with the columns asked for.
    let all = client.get_opportunities_by_lead_id(&lead).await?;
    assert_eq!(all.record_count, 2);
    let ids: Vec<&Value> = all
        .list
        .iter()
        .map(|record| &record.additional_fields["ProspectActivityId"])
        .collect();
    assert_eq!(ids, [&json!(first), &json!(second)]);
    assert_eq!(all.list[1].opportunity_event, Some(12001));
    let typed = client
        .get_opportunities_by_lead_id(&lead)
        .body(LeadOpportunitiesQuery::default().with_columns(SearchColumns::new("mx_Custom_1")))
        .opportunity_type(12000)
        .await?;
    assert_eq!(typed.record_count, 1);
    assert_eq!(typed.list[0].additional_fields["mx_Custom_1"], "Deal");
    assert!(!typed.list[0].additional_fields.contains_key("OpportunityNote"));

    // Read, changed, read again.
    let details = client.get_opportunity_by_id(&first).await?;
    assert_eq!(details.id.as_deref(), Some(first.as_str()));
    let value = |details: &leadsquared::opportunities::OpportunityDetails, name: &str| {
        details
            .fields
            .iter()
            .flatten()
            .find(|field| field.schema_name.as_deref() == Some(name))
            .and_then(|field| field.value.clone())
    };
    assert_eq!(value(&details, "ActivityEvent_Note").as_deref(), Some("Captured"));
    let update = OpportunityUpdate::new(&first)
        .with_opportunity_note("Won it")
        .with_fields(vec![
            OpportunityField::new("mx_Custom_1", "Big deal"),
            OpportunityField::new("Status", "Won"),
        ]);
    assert_eq!(client.update_opportunity(update).await?.id, first);
    let details = client.get_opportunity_by_id(&first).await?;
    assert_eq!(value(&details, "mx_Custom_1").as_deref(), Some("Big deal"));
    assert_eq!(value(&details, "Status").as_deref(), Some("Won"));
    assert_eq!(value(&details, "ActivityEvent_Note").as_deref(), Some("Won it"));
    assert_eq!(sandbox.opportunities()[0].field("Status"), Some("Won"));

    // Deleted: gone from the list, and calls naming it are refused.
    assert!(client.delete_opportunity(&first).await?.is_successful);
    let left = client.get_opportunities_by_lead_id(&lead).await?;
    assert_eq!(left.record_count, 1);
    for error in [
        client.get_opportunity_by_id(&first).await.unwrap_err(),
        client.delete_opportunity(&first).await.unwrap_err(),
        client
            .update_opportunity(OpportunityUpdate::new(&first).with_opportunity_note("x"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(refusal(&error), (Some(500), Some("MXUnknownProspectActivityException")));
    }

    // A lead takes its opportunities with it.
    client.delete_lead(&lead).await?;
    assert_eq!(sandbox.opportunities().len(), 1, "bo@example.com's");
    let none = client.get_opportunities_by_lead_id(&lead).await?;
    assert_eq!((none.record_count, none.list.len()), (0, 0));
    Ok(())
}

#[tokio::test]
async fn activities_and_tasks_belong_to_leads() -> TestResult {
    let sandbox = builder().start().await?;
    let client = sandbox.client()?;

    // An activity by email address creates the lead.
    let posted = client
        .post_activity_on_lead(
            LeadActivityPost::new(201)
                .with_email_address("new@example.com")
                .with_first_name("Nia")
                .with_activity_note("First call"),
        )
        .await?;
    let lead = posted["Message"]["RelatedId"].as_str().unwrap_or_default().to_string();
    assert_eq!(sandbox.leads()[0].field("FirstName"), Some("Nia"));
    assert_eq!(sandbox.leads()[0].id(), Some(lead.as_str()));
    for n in 0..3 {
        client
            .post_activity_on_lead(
                LeadActivityPost::new(202 + n)
                    .with_related_prospect_id(&lead)
                    .with_activity_note(format!("Note {n}")),
            )
            .await?;
    }
    let unknown = client
        .post_activity_on_lead(LeadActivityPost::new(201).with_related_prospect_id("nope"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&unknown), (Some(500), Some("MXInvalidLeadException")));
    // Most recent first, in a window of the matching ones.
    let window = LeadActivitiesQuery::default().with_paging(OffsetPaging::new(1, 2));
    let page = client.get_activities_of_lead(&lead, window).await?;
    assert_eq!(page.record_count, 4);
    let codes: Vec<Option<i64>> = page.prospect_activities.iter().map(|a| a.event_code).collect();
    assert_eq!(codes, [Some(203), Some(202)]);
    // Walked by offset, three at a time: each page's offset is the activities seen before it.
    let mut pages = client
        .get_activities_of_lead(&lead, LeadActivitiesQuery::default())
        .window(0, 3)
        .pages();
    let mut walked = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page?;
        walked.push((page.index, page.items.len(), page.total));
    }
    assert_eq!(walked, [(0, 3, Some(4)), (3, 1, Some(4))]);
    // A window the typed client cannot write: an offset that is not a number.
    let bad = client
        .call(
            leadsquared::endpoints::Method::Post,
            leadsquared::endpoints::GET_ACTIVITIES_OF_LEAD.path,
        )
        .query("leadId", lead.as_str())
        .body(json!({ "Paging": { "Offset": "one", "RowCount": "2" } }))
        .await;
    assert!(bad.is_err(), "{bad:?}");

    // Tasks on the lead: created, listed, changed, deleted.
    let task = |name: &str| {
        TaskCreate::new(name)
            .with_related_entity(1)
            .with_related_entity_id(&lead)
            .with_reminder(30)
    };
    let created = client.create_task(task("Call back")).await?;
    let task_id = created["Message"]["Id"].as_str().unwrap_or_default().to_string();
    client.create_task(task("Send offer")).await?;
    client
        .create_task(TaskCreate::new("Unrelated").with_related_entity(0))
        .await?;
    let orphan = client
        .create_task(task("x").with_related_entity_id("nope"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&orphan), (Some(500), Some("MXInvalidLeadException")));
    let list = client.get_tasks_by_lead_id(&lead).await?;
    assert_eq!(list.record_count, 2);
    assert_eq!(
        (
            list.task_list[0].name.as_deref(),
            list.task_list[0].reminder,
            list.task_list[0].status.as_deref()
        ),
        (Some("Call back"), Some(30), Some("Pending"))
    );
    client
        .update_task(TaskUpdate::new(&task_id).with_name("Call back at 5"))
        .await?;
    assert_eq!(
        client.get_tasks_by_lead_id(&lead).await?.task_list[0].name.as_deref(),
        Some("Call back at 5")
    );
    let missing = client.update_task(TaskUpdate::new("nope")).await.unwrap_err();
    assert_eq!(refusal(&missing), (Some(500), Some("MXInvalidInputException")));
    let deleted = client
        .delete_tasks_in_bulk(TaskDeletion::new(vec![task_id.clone(), "nope".into()]))
        .await?;
    assert_eq!((deleted.tasks_count, deleted.deleted_tasks_count), (Some(2), Some(1)));
    assert!(deleted.failure_reason.is_some());
    assert_eq!(client.get_tasks_by_lead_id(&lead).await?.record_count, 1);

    // The lead takes its activities and tasks with it; the unrelated task stays.
    client.delete_lead(&lead).await?;
    assert!(sandbox.activities().is_empty());
    assert_eq!(sandbox.tasks().len(), 1);
    assert_eq!(
        client
            .get_activities_of_lead(&lead, LeadActivitiesQuery::default())
            .await?
            .record_count,
        0
    );
    Ok(())
}

#[tokio::test]
async fn the_store_refuses_records_past_its_limits() -> TestResult {
    let sandbox = builder().max_records(2).start().await?;
    let client = sandbox.client()?;
    create_lead(&client, "a@example.com", "1111111").await?;
    create_lead(&client, "b@example.com", "2222222").await?;
    let full = create_lead(&client, "c@example.com", "3333333").await.unwrap_err();
    assert_eq!(refusal(&full), (Some(500), Some("MXSandboxLimitException")));
    assert!(full.to_string().contains("at most 2 leads"), "{full}");

    // A bulk call creates what fits and refuses the other rows one by one.
    let rows: Vec<OpportunityByLeadField> = (0..3)
        .map(|n| {
            OpportunityByLeadField::new("a@example.com", 12000)
                .with_fields(vec![OpportunityField::new("mx_Custom_1", format!("Deal {n}"))])
        })
        .collect();
    let results = client.add_opportunities_in_bulk(SearchBy::EmailAddress, rows).await?;
    let created: Vec<Option<bool>> = results.iter().map(|r| r.opportunity_created).collect();
    assert_eq!(created, [Some(true), Some(true), Some(false)]);
    assert_eq!(
        results[2].exception_type.as_ref().map(ExceptionType::as_str),
        Some("MXSandboxLimitException")
    );

    // Deleting makes room.
    let lead = sandbox.leads()[1].id().unwrap_or_default().to_string();
    client.delete_lead(&lead).await?;
    create_lead(&client, "c@example.com", "3333333").await?;

    // Bytes are limited too: one large lead fits, two do not.
    let small = builder().max_store_bytes(3_000).start().await?;
    let big = "x".repeat(2_000);
    let client = small.client()?;
    client
        .create_lead(fields(&[("EmailAddress", "a@example.com"), ("mx_Notes", &big)]))
        .await?;
    let full = client
        .create_lead(fields(&[("EmailAddress", "b@example.com"), ("mx_Notes", &big)]))
        .await
        .unwrap_err();
    assert_eq!(refusal(&full), (Some(500), Some("MXSandboxLimitException")));
    Ok(())
}

#[tokio::test]
async fn documented_records_make_every_documented_request_find_its_record() -> TestResult {
    let plain = builder().start().await?;
    assert!(plain.leads().is_empty() && plain.opportunities().is_empty() && plain.tasks().is_empty());
    let empty = plain.client()?.get_lead_by_email("george@example.com").await?;
    assert!(empty.is_empty(), "no lead unless asked: {empty:?}");

    let sandbox = builder().documented_records(true).start().await?;
    let client = sandbox.client()?;
    let george = client.get_lead_by_email("george@example.com").await?;
    assert_eq!(
        (
            george[0].prospect_id.as_deref(),
            george[0].score,
            george[0].do_not_email
        ),
        (Some("6f75b09d-0187-45d6-86dd-f848bd5a0aca"), Some(-10), Some(false))
    );
    let prashant = client.get_lead_by_phone("9901111111").await?;
    assert_eq!(prashant[0].first_name.as_deref(), Some("Prashant"));
    let loan = client
        .get_opportunity_by_id("4597c076-be5a-4ba2-9b08-ecd21626750f")
        .await?;
    let status = &loan.fields.unwrap_or_default()[0];
    assert_eq!(
        (status.schema_name.as_deref(), status.option_set.is_some()),
        (Some("Status"), true),
        "the documented field, as documented"
    );
    // The records each documented request names by id.
    let summary = sandbox.summary();
    assert_eq!((summary.leads, summary.tasks), (3, 1), "{summary:?}");
    assert_eq!(sandbox.opportunities().len(), 2);
    // They are part of the state a reset goes back to.
    client.delete_lead("6f75b09d-0187-45d6-86dd-f848bd5a0aca").await?;
    sandbox.reset();
    assert_eq!(client.get_lead_by_email("george@example.com").await?.len(), 1);
    Ok(())
}

//! The documented responses of the endpoints beyond Add Opportunities in Bulk, decoded by the
//! generated client from the sandbox, with the values checked: envelopes unwrapped, numbers and
//! flags sent as strings accepted, JSON inside strings decoded, unnamed attributes kept, pages
//! walked. (Each endpoint's request side is checked by its doc example.)

mod common;

use leadsquared::leads::LeadAttributes;
use leadsquared::opportunities::{OpportunityCapture, OpportunityField, OpportunityUpdate};
use leadsquared::search::{Paging, SearchCriteria, SearchParameter, SqlOperator};
use leadsquared_sandbox::{Fault, Sandbox};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn update_returns_the_id_inside_the_message_envelope() -> TestResult {
    let sandbox = Sandbox::builder().keep_bodies(true).start().await?;
    // An id other than the documented example's, answered as the server would for it: what the
    // method returns must come from the answer's `Message`, not from the example.
    let id = "0f1e2d3c-0000-4000-8000-000000000042";
    sandbox.inject(
        Fault::Response {
            status: 200,
            body: json!({ "Status": "Success", "Message": { "Id": id } }).to_string(),
        },
        1,
    );
    let update = OpportunityUpdate::new(id).with_fields(vec![OpportunityField::new("Status", "Won")]);
    let answer = sandbox.client()?.update_opportunity(update).await?;
    assert_eq!(answer.id, id);
    let sent = sandbox.requests().pop().and_then(|r| r.body).unwrap_or_default();
    assert_eq!(sent["ProspectOpportunityId"], id, "{sent}");
    Ok(())
}

#[tokio::test]
async fn an_opportunity_decodes_its_option_set_and_string_flags() -> TestResult {
    let sandbox = Sandbox::start().await?;
    // The documented answer, as the page shows it (the sandbox's own answer for a stored
    // opportunity carries no type names).
    let documented = leadsquared_sandbox::SCHEMA
        .endpoint_named("get_opportunity_by_id")
        .and_then(|schema| schema.response_example)
        .unwrap_or_default();
    sandbox.inject(
        Fault::Response {
            status: 200,
            body: documented.into(),
        },
        1,
    );
    let details = sandbox.client()?.get_opportunity_by_id("4597c076").await?;
    assert_eq!(details.name.as_deref(), Some("Loan"));
    let fields = details.fields.unwrap_or_default();
    let status = &fields[0];
    assert_eq!((status.is_mandatory, status.sequence), (Some(true), Some(2)));
    assert_eq!(
        status.option_set,
        Some(json!([{ "Value": "Open", "Label": "Open" }, { "Value": "Won", "Label": "Won" }]))
    );
    // The same answer with the flags as strings, as the API sometimes sends them.
    sandbox.inject(
        Fault::Response {
            status: 200,
            body: json!({ "ID": "t", "Fields": [{ "IsMandatory": "false", "Sequence": "7", "OptionSet": "", "Custom": 1 }] })
                .to_string(),
        },
        1,
    );
    let details = sandbox.client()?.get_opportunity_by_id("4597c076").await?;
    let field = &details.fields.unwrap_or_default()[0];
    assert_eq!(
        (field.is_mandatory, field.sequence, &field.option_set),
        (Some(false), Some(7), &None)
    );
    assert_eq!(field.additional_fields["Custom"], 1);
    Ok(())
}

#[tokio::test]
async fn a_lead_keeps_string_numbers_and_unnamed_fields() -> TestResult {
    // The documented lead, george@example.com, with its numbers and flags as strings.
    let sandbox = Sandbox::builder().documented_records(true).start().await?;
    let client = sandbox.client()?;
    let leads = client.get_lead_by_email("george@example.com").await?;
    let [lead] = &leads[..] else {
        panic!("one lead: {leads:?}")
    };
    assert_eq!(
        (lead.score, lead.do_not_email, lead.phone.as_deref()),
        (Some(-10), Some(false), None)
    );
    assert_eq!(lead.prospect_auto_id.as_deref(), Some("1016"));

    sandbox.inject(
        Fault::Response {
            status: 200,
            body: "[]".into(),
        },
        1,
    );
    assert!(
        client.get_lead_by_email("nobody@example.com").await?.is_empty(),
        "no lead is an empty list"
    );
    sandbox.inject(
        Fault::Response {
            status: 200,
            body: json!([{ "mx_City": "Pune", "Score": 3 }]).to_string(),
        },
        1,
    );
    let leads = client.get_lead_by_email("x@example.com").await?;
    assert_eq!(
        (leads[0].score, &leads[0].additional_fields["mx_City"]),
        (Some(3), &json!("Pune"))
    );
    Ok(())
}

#[tokio::test]
async fn opportunities_by_lead_field_walk_every_page_to_the_string_total() -> TestResult {
    let sandbox = Sandbox::builder().keep_bodies(true).start().await?;
    let record = |id: &str| json!({ "RelatedProspectId": id, "OpportunityEvent": "12000" });
    for page in [
        json!({ "RecordCount": "3", "List": [record("a"), record("b")] }),
        json!({ "RecordCount": "3", "List": [record("c")] }),
    ] {
        sandbox.inject(
            Fault::Response {
                status: 200,
                body: page.to_string(),
            },
            1,
        );
    }
    let search = SearchCriteria::new(
        SearchParameter::new("Mobile", "+91-8271229832", SqlOperator::Eq),
        Paging::new(1, 2),
    );
    let client = sandbox.client()?;
    let mut pages = client.get_opportunities_by_unique_lead_field_pages(search);
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page?;
        assert_eq!(page.total, Some(3));
        seen.extend(
            page.items
                .into_iter()
                .map(|r| (r.related_prospect_id.unwrap_or_default(), r.opportunity_event)),
        );
    }
    assert_eq!(
        seen,
        [
            ("a".into(), Some(12000)),
            ("b".into(), Some(12000)),
            ("c".into(), Some(12000))
        ]
    );
    let indexes: Vec<_> = sandbox
        .requests()
        .iter()
        .map(|r| r.body.as_ref().map(|b| b["Paging"]["PageIndex"].clone()))
        .collect();
    assert_eq!(indexes, [Some(json!(1)), Some(json!(2))]);
    Ok(())
}

#[tokio::test]
async fn a_capture_with_both_duplicate_flags_is_refused_before_sending() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let capture = OpportunityCapture::new(
        LeadAttributes::new()
            .email_address("a@example.com")
            .search_by("EmailAddress"),
        leadsquared::opportunities::CapturedOpportunity::new(12231)
            .with_overwrite_fields(true)
            .with_update_empty_fields(true),
    );
    let error = sandbox.client()?.capture_opportunity(capture).await.unwrap_err();
    assert!(matches!(error, leadsquared::Error::InvalidBody { .. }), "{error:?}");
    assert!(sandbox.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn bulk_activities_refuse_26_and_put_the_opportunity_in_the_query() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let client = sandbox.client()?;
    let activity = leadsquared::activities::OpportunityActivity::new(208, "owner@example.com");
    let too_many = vec![activity.clone(); 26];
    let error = client
        .post_bulk_activities_on_opportunity("opp-1", too_many)
        .await
        .unwrap_err();
    assert!(
        matches!(error, leadsquared::Error::ItemCount { count: 26, .. }),
        "{error:?}"
    );
    client.post_bulk_activities_on_opportunity("opp-1", [activity]).await?;
    assert_eq!(
        sandbox.requests()[0].query,
        [("opportunityId".to_string(), "opp-1".to_string())]
    );
    Ok(())
}

/// A server holding five opportunities that serves two per page unless asked otherwise, as
/// LeadSquared serves its own page size to a call without `Paging`.
struct FiveOpportunities;

impl wiremock::Respond for FiveOpportunities {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let body: Option<serde_json::Value> = serde_json::from_slice(&request.body).ok();
        let paging = body.as_ref().and_then(|body| body.get("Paging"));
        let number = |key: &str| paging.and_then(|paging| paging[key].as_u64());
        let (index, size) = (number("PageIndex").unwrap_or(1), number("PageSize").unwrap_or(2));
        let start = ((index - 1) * size).min(5);
        let list: Vec<_> = (start..(start + size).min(5))
            .map(|n| json!({ "ProspectActivityId": format!("opp-{n}") }))
            .collect();
        wiremock::ResponseTemplate::new(200).set_body_json(json!({ "RecordCount": 5, "List": list }))
    }
}

#[tokio::test]
async fn a_walk_without_a_body_sends_none_first_then_the_page_size_the_server_served() -> TestResult {
    let (server, client) = common::mock(leadsquared::AuthPlacement::Header).await?;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(FiveOpportunities)
        .mount(&server)
        .await;
    let mut pages = client.get_opportunities_by_lead_id_pages("lead-1");
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page?;
        sizes.push((page.index, page.items.len()));
    }
    assert_eq!(sizes, [(1, 2), (2, 2), (3, 1)]);
    let bodies: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| String::from_utf8_lossy(&request.body).into_owned())
        .collect();
    assert_eq!(
        bodies,
        [
            "",
            r#"{"Paging":{"PageIndex":2,"PageSize":2}}"#,
            r#"{"Paging":{"PageIndex":3,"PageSize":2}}"#
        ]
    );
    Ok(())
}

//! The documented examples, built with the generated types, against the documented JSON.
//!
//! The request examples come from the Add Opportunities in Bulk page
//! (https://apidocs.leadsquared.com/add-opportunities-in-bulk/): its first example, both rows,
//! verbatim, and a second one with its Postman placeholders kept as literal strings, as the docs
//! print them. Comparing `serde_json::Value`s makes the check independent of key order and
//! spacing. Answers are decoded by the client itself, from a local mock server.

mod common;

use common::{answer, mock};
use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, OpportunityRowResult, SearchBy};
use leadsquared::rules::{Rule, Validate};
use leadsquared::{AuthPlacement, Client, Credentials, Error, ExceptionType};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

/// The page's request example, exactly as printed there.
const SEED_REQUEST: &str = r#"[ { "SearchByValue":"+91-2543456794", "OpportunityEventCode":12114, "OpportunityNote":"Add/ByEmailAddress", "UpdateEmptyFields":true, "DoNotChangeOwner":true, "Fields":[ { "SchemaName":"mx_Custom_1", "Value":"XYZ" }, { "SchemaName":"mx_Custom_2", "Value":"ABC" }, { "SchemaName":"mx_Custom_19", "Value":"One" }, { "SchemaName":"Status", "Value":"Open" } ] }, { "SearchByValue":"+91-2543456791", "OpportunityEventCode":12114, "OpportunityNote":"Add/ByEmailAddress", "UpdateEmptyFields":true, "DoNotChangeOwner":true, "Fields":[ { "SchemaName":"mx_Custom_1", "Value":"ABC" }, { "SchemaName":"mx_Custom_2", "Value":"XYZ" }, { "SchemaName":"mx_Custom_19", "Value":"One" }, { "SchemaName":"Status", "Value":"Open" } ] } ]"#;

/// The page's response example, exactly as printed there.
const SEED_RESPONSE: &str = r#"{ "Response":[ { "ProspectOpportunityId":"001ea287-b311-4b05-8d7f-2f398379801f", "RowNumber":1, "OpportunityCreated":true }, { "ProspectOpportunityId":"189eddf1-3bc6-4580-96b8-dc57e49eab12", "RowNumber":2, "OpportunityCreated":true } ] }"#;

fn field(schema_name: &str, value: &str) -> OpportunityField {
    OpportunityField::new(schema_name, value)
}

fn seed_row(phone: &str, custom_1: &str, custom_2: &str) -> OpportunityByLeadField {
    OpportunityByLeadField::new(phone, 12114)
        .with_opportunity_note("Add/ByEmailAddress")
        .with_update_empty_fields(true)
        .with_do_not_change_owner(true)
        .with_fields(vec![
            field("mx_Custom_1", custom_1),
            field("mx_Custom_2", custom_2),
            field("mx_Custom_19", "One"),
            field("Status", "Open"),
        ])
}

/// What `add_opportunities_in_bulk` returns when the server answers `body` with 200.
async fn parse_response(body: &str) -> Result<Vec<OpportunityRowResult>, Error> {
    let (server, client) = mock(AuthPlacement::Header).await?;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json"),
    )
    .await;
    client
        .add_opportunities_in_bulk(SearchBy::Phone, [OpportunityByLeadField::new("+91-2543456794", 12114)])
        .await
}

/// A client whose calls can only fail before anything is sent: nothing listens at its address.
fn offline_client() -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:9/v2")
        .credentials(Credentials::new("access", "secret"))
        .build()
        .expect("a valid configuration")
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("generated types serialize")
}

#[test]
fn seed_request_example_serializes_to_the_documented_json() {
    let rows = [
        seed_row("+91-2543456794", "XYZ", "ABC"),
        seed_row("+91-2543456791", "ABC", "XYZ"),
    ];
    let documented: Value = serde_json::from_str(SEED_REQUEST).expect("the seed example is JSON");
    assert_eq!(to_value(&rows), documented);
    for row in &rows {
        assert_eq!(row.validate(), Ok(()));
    }
}

#[test]
fn seed_request_example_parses_back_into_the_same_rows() {
    let parsed: Vec<OpportunityByLeadField> = serde_json::from_str(SEED_REQUEST).expect("parses");
    assert_eq!(
        parsed,
        [
            seed_row("+91-2543456794", "XYZ", "ABC"),
            seed_row("+91-2543456791", "ABC", "XYZ")
        ]
    );
}

#[test]
fn example_b_with_owner_email_and_a_nested_custom_field_set() {
    let rows = [OpportunityByLeadField::new("kiran@example.com", 12186)
        .with_opportunity_note("Add/ByEmailAddress")
        .with_opportunity_owner_email("Anu@example.com")
        .with_fields(vec![
            field("mx_Custom_20", "").with_fields(vec![field("mx_CustomObject_1", "Galloctos")]),
            field("mx_Custom_1", "{{mx_Custom1}}"),
            field("mx_Custom_6", "123"),
            field("mx_Custom_8", "2020-05-04 12:13:44"),
            field("mx_Custom_19", "two"),
        ])];
    let documented = json!([
      {
        "SearchByValue": "kiran@example.com",
        "OpportunityEventCode": 12186,
        "OpportunityNote": "Add/ByEmailAddress",
        "OpportunityOwnerEmail": "Anu@example.com",
        "Fields": [
          { "SchemaName": "mx_Custom_20", "Value": "",
            "Fields": [ { "SchemaName": "mx_CustomObject_1", "Value": "Galloctos" } ] },
          { "SchemaName": "mx_Custom_1", "Value": "{{mx_Custom1}}" },
          { "SchemaName": "mx_Custom_6", "Value": "123" },
          { "SchemaName": "mx_Custom_8", "Value": "2020-05-04 12:13:44" },
          { "SchemaName": "mx_Custom_19", "Value": "two" }
        ]
      }
    ]);
    assert_eq!(to_value(&rows), documented);
}

#[tokio::test]
async fn seed_response_example_parses_with_the_right_values() {
    let response = parse_response(SEED_RESPONSE).await.expect("parses");
    let rows: Vec<_> = response
        .iter()
        .map(|row| {
            (
                row.prospect_opportunity_id.as_deref(),
                row.row_number,
                row.opportunity_created,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (Some("001ea287-b311-4b05-8d7f-2f398379801f"), Some(1), Some(true)),
            (Some("189eddf1-3bc6-4580-96b8-dc57e49eab12"), Some(2), Some(true)),
        ]
    );
    assert!(
        response
            .iter()
            .all(|row| row.exception_type.is_none() && row.exception_message.is_none())
    );
}

#[tokio::test]
async fn undocumented_row_shapes_still_parse() {
    let body = r#"{"Response":[
        {"RowNumber":"3","OpportunityCreated":"false","ExceptionType":"MXInvalidActivityFieldsException",
         "ExceptionMessage":"Field name : 'mx_Custom_19' of datatype : 'String' is mandatory.",
         "SomethingNew":{"nested":[1,2]}},
        {},
        {"RowNumber":" 5 ","OpportunityCreated":"True","ExceptionType":"MXBrandNewException","Extra":null}
    ],"RequestId":"abc"}"#;
    let response = parse_response(body).await.expect("parses");
    let [failed, empty, unknown] = &response[..] else {
        panic!("three rows expected: {response:?}")
    };
    assert_eq!((failed.row_number, failed.opportunity_created), (Some(3), Some(false)));
    assert_eq!(failed.prospect_opportunity_id, None);
    assert_eq!(failed.exception_type, Some(ExceptionType::InvalidActivityFields));
    assert!(
        failed
            .exception_message
            .as_deref()
            .is_some_and(|m| m.contains("mx_Custom_19"))
    );
    assert_eq!(
        (empty.row_number, empty.opportunity_created, &empty.exception_type),
        (None, None, &None)
    );
    assert_eq!((unknown.row_number, unknown.opportunity_created), (Some(5), Some(true)));
    assert_eq!(
        unknown.exception_type,
        Some(ExceptionType::Other("MXBrandNewException".into()))
    );
}

#[tokio::test]
async fn a_response_without_its_required_list_is_an_error() {
    let missing = parse_response(r#"{"Status":"Success"}"#).await.unwrap_err();
    assert!(matches!(missing, Error::Decode { .. }), "{missing:?}");
    let mistyped = parse_response(r#"{"Response":[{"RowNumber":"x"}]}"#).await.unwrap_err();
    assert!(matches!(mistyped, Error::Decode { .. }), "{mistyped:?}");
}

#[test]
fn optional_fields_left_unset_are_not_sent() {
    let row = OpportunityByLeadField::new("john@example.com", 12114);
    assert_eq!(
        to_value(&row),
        json!({ "SearchByValue": "john@example.com", "OpportunityEventCode": 12114 })
    );
    assert_eq!(
        to_value(&field("Status", "Open")),
        json!({ "SchemaName": "Status", "Value": "Open" })
    );
}

#[test]
fn every_optional_field_is_sent_under_its_wire_name() {
    let row = OpportunityByLeadField::new("john@example.com", 12114)
        .with_opportunity_note("n")
        .with_opportunity_owner_email("o@example.com")
        .with_fields(vec![])
        .with_overwrite_fields(true)
        .with_do_not_post_duplicate_activity(false)
        .with_do_not_change_owner(true);
    assert_eq!(
        to_value(&row),
        json!({
            "SearchByValue": "john@example.com",
            "OpportunityEventCode": 12114,
            "OpportunityNote": "n",
            "OpportunityOwnerEmail": "o@example.com",
            "Fields": [],
            "OverwriteFields": true,
            "DoNotPostDuplicateActivity": false,
            "DoNotChangeOwner": true
        })
    );
}

#[test]
fn an_empty_field_list_is_sent_as_an_empty_array() {
    let row = OpportunityByLeadField::new("john@example.com", 12114).with_fields(vec![]);
    assert_eq!(to_value(&row)["Fields"], json!([]));
}

#[test]
fn search_by_round_trips_known_and_custom_values() {
    for (value, wire) in [
        (SearchBy::EmailAddress, "EmailAddress"),
        (SearchBy::Phone, "Phone"),
        (SearchBy::Mobile, "Mobile"),
        (SearchBy::Other("mx_Unique".into()), "mx_Unique"),
    ] {
        assert_eq!(to_value(&value), json!(wire));
        assert_eq!(serde_json::from_value::<SearchBy>(json!(wire)).expect("parses"), value);
        assert_eq!(SearchBy::from(wire), value);
        assert_eq!(value.to_string(), wire);
    }
    assert!(serde_json::from_value::<SearchBy>(json!(12)).is_err());
}

#[test]
fn both_overwrite_and_update_empty_break_the_rule() {
    let row = row_with(Some(true), Some(true));
    let violation = row.validate().expect_err("both flags true must be refused");
    assert_eq!(violation.rule, Rule::AtMostOneOf);
    assert_eq!(violation.type_name, "OpportunityByLeadField");
    assert_eq!(violation.fields, ["OverwriteFields", "UpdateEmptyFields"]);
    assert!(
        violation.to_string().contains("`OverwriteFields`, `UpdateEmptyFields`"),
        "{violation}"
    );

    // A flag sent as false asks for the default, so it does not count as set.
    assert_eq!(row_with(Some(true), Some(false)).validate(), Ok(()));
    assert_eq!(row_with(Some(false), Some(true)).validate(), Ok(()));
    assert_eq!(row_with(None, Some(true)).validate(), Ok(()));
}

#[tokio::test]
async fn a_rule_broken_in_a_batch_names_the_item() {
    let rows = [row_with(None, Some(true)), row_with(Some(true), Some(true))];
    let error = offline_client()
        .add_opportunities_in_bulk(SearchBy::EmailAddress, rows)
        .await
        .expect_err("the second row is invalid");
    let Error::InvalidItem {
        endpoint,
        index,
        violation,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*endpoint, *index, violation.rule),
        ("add_opportunities_in_bulk", 1, Rule::AtMostOneOf)
    );
    assert!(
        error
            .to_string()
            .starts_with("item 1 (0-based) of the add_opportunities_in_bulk call is invalid"),
        "{error}"
    );
}

#[tokio::test]
async fn item_limits_are_checked_before_sending() {
    let rows: Vec<_> = (0..26)
        .map(|n| OpportunityByLeadField::new(format!("{n}@example.com"), 1))
        .collect();
    for count in [0, 26] {
        let error = offline_client()
            .add_opportunities_in_bulk(SearchBy::EmailAddress, &rows[..count])
            .await
            .expect_err("outside 1..=25");
        let Error::ItemCount {
            endpoint,
            count: got,
            limit,
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(
            (*endpoint, *got, limit.min, limit.max),
            ("add_opportunities_in_bulk", count, 1, Some(25))
        );
    }
    for count in [1, 25] {
        // Within the limit the call is sent: nothing listens, so it fails to connect.
        let error = offline_client()
            .add_opportunities_in_bulk(SearchBy::EmailAddress, &rows[..count])
            .await
            .expect_err("nothing listens");
        assert!(matches!(error, Error::Connect { .. }), "{count} rows: {error:?}");
    }
}

fn row_with(overwrite: Option<bool>, update_empty: Option<bool>) -> OpportunityByLeadField {
    let mut row = OpportunityByLeadField::new("john@example.com", 12114);
    if let Some(flag) = overwrite {
        row = row.with_overwrite_fields(flag);
    }
    if let Some(flag) = update_empty {
        row = row.with_update_empty_fields(flag);
    }
    row
}

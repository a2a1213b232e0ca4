//! Compiles the generator's golden outputs (`codegen/tests/golden/*/expected/`) against this
//! crate's runtime, so every expected file is known to be valid Rust, and checks a few of the
//! behaviours each golden case is about. Test-only; `lib.rs` includes it under `cfg(test)`.
//!
//! The golden specs give their endpoints unique names (`golden_*`), because every case adds
//! its methods to the one `crate::Client`.

#![allow(dead_code, unreachable_pub)]

#[path = "../../codegen/tests/golden/attributes/expected/mod.rs"]
mod attributes;
#[path = "../../codegen/tests/golden/array_body/expected/mod.rs"]
mod array_body;
#[path = "../../codegen/tests/golden/as_string/expected/mod.rs"]
mod as_string;
#[path = "../../codegen/tests/golden/bulk_rows/expected/mod.rs"]
mod bulk_rows;
#[path = "../../codegen/tests/golden/datetime/expected/mod.rs"]
mod datetime;
#[path = "../../codegen/tests/golden/enums/expected/mod.rs"]
mod enums;
#[path = "../../codegen/tests/golden/envelopes/expected/mod.rs"]
mod envelopes;
#[path = "../../codegen/tests/golden/evolve_v1/expected/mod.rs"]
mod evolve_v1;
#[path = "../../codegen/tests/golden/evolve_v2/expected/mod.rs"]
mod evolve_v2;
#[path = "../../codegen/tests/golden/features/expected/mod.rs"]
mod features;
#[path = "../../codegen/tests/golden/field_limits/expected/mod.rs"]
mod field_limits;
#[path = "../../codegen/tests/golden/get_query/expected/mod.rs"]
mod get_query;
#[path = "../../codegen/tests/golden/groups/expected/mod.rs"]
mod groups;
#[path = "../../codegen/tests/golden/integer_enums/expected/mod.rs"]
mod integer_enums;
#[path = "../../codegen/tests/golden/json_text/expected/mod.rs"]
mod json_text;
#[path = "../../codegen/tests/golden/lenient/expected/mod.rs"]
mod lenient;
#[path = "../../codegen/tests/golden/object_body/expected/mod.rs"]
mod object_body;
#[path = "../../codegen/tests/golden/open_objects/expected/mod.rs"]
mod open_objects;
#[path = "../../codegen/tests/golden/paged/expected/mod.rs"]
mod paged;
#[path = "../../codegen/tests/golden/paged_optional/expected/mod.rs"]
mod paged_optional;
#[path = "../../codegen/tests/golden/rate_classes/expected/mod.rs"]
mod rate_classes;
#[path = "../../codegen/tests/golden/recursion/expected/mod.rs"]
mod recursion;
#[path = "../../codegen/tests/golden/rules/expected/mod.rs"]
mod rules;
#[path = "../../codegen/tests/golden/state_changing_get/expected/mod.rs"]
mod state_changing_get;
// Each case's wire schema, for the sandbox.
#[path = "../../codegen/tests/golden/attributes/expected/schema.rs"]
mod attributes_schema;
#[path = "../../codegen/tests/golden/array_body/expected/schema.rs"]
mod array_body_schema;
#[path = "../../codegen/tests/golden/as_string/expected/schema.rs"]
mod as_string_schema;
#[path = "../../codegen/tests/golden/bulk_rows/expected/schema.rs"]
mod bulk_rows_schema;
#[path = "../../codegen/tests/golden/datetime/expected/schema.rs"]
mod datetime_schema;
#[path = "../../codegen/tests/golden/enums/expected/schema.rs"]
mod enums_schema;
#[path = "../../codegen/tests/golden/envelopes/expected/schema.rs"]
mod envelopes_schema;
#[path = "../../codegen/tests/golden/evolve_v1/expected/schema.rs"]
mod evolve_v1_schema;
#[path = "../../codegen/tests/golden/evolve_v2/expected/schema.rs"]
mod evolve_v2_schema;
#[path = "../../codegen/tests/golden/features/expected/schema.rs"]
mod features_schema;
#[path = "../../codegen/tests/golden/field_limits/expected/schema.rs"]
mod field_limits_schema;
#[path = "../../codegen/tests/golden/get_query/expected/schema.rs"]
mod get_query_schema;
#[path = "../../codegen/tests/golden/groups/expected/schema.rs"]
mod groups_schema;
#[path = "../../codegen/tests/golden/integer_enums/expected/schema.rs"]
mod integer_enums_schema;
#[path = "../../codegen/tests/golden/json_text/expected/schema.rs"]
mod json_text_schema;
#[path = "../../codegen/tests/golden/lenient/expected/schema.rs"]
mod lenient_schema;
#[path = "../../codegen/tests/golden/object_body/expected/schema.rs"]
mod object_body_schema;
#[path = "../../codegen/tests/golden/open_objects/expected/schema.rs"]
mod open_objects_schema;
#[path = "../../codegen/tests/golden/paged/expected/schema.rs"]
mod paged_schema;
#[path = "../../codegen/tests/golden/paged_optional/expected/schema.rs"]
mod paged_optional_schema;
#[path = "../../codegen/tests/golden/rate_classes/expected/schema.rs"]
mod rate_classes_schema;
#[path = "../../codegen/tests/golden/recursion/expected/schema.rs"]
mod recursion_schema;
#[path = "../../codegen/tests/golden/rules/expected/schema.rs"]
mod rules_schema;
#[path = "../../codegen/tests/golden/state_changing_get/expected/schema.rs"]
mod state_changing_get_schema;

use crate::runtime::Validate;

#[test]
fn open_enums_keep_unknown_values_and_closed_ones_refuse_them() {
    use enums::types::{Direction, Operator};
    let op: Operator = serde_json::from_str("\"<>\"").unwrap();
    assert_eq!(op, Operator::Ne);
    let unknown: Operator = serde_json::from_str("\"BETWEEN\"").unwrap();
    assert_eq!(unknown, Operator::Other("BETWEEN".into()));
    assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"BETWEEN\"");
    assert_eq!(serde_json::from_str::<Direction>("\"1\"").unwrap(), Direction::Descending);
    assert!(serde_json::from_str::<Direction>("\"2\"").is_err());
}

#[test]
fn integer_enums_go_out_as_integers_and_read_quoted_ones() {
    use integer_enums::types::{Channel, Listing, SortOrder};
    let listing = Listing::new(SortOrder::Descending).with_channels(vec![Channel::Email, Channel::from(30)]);
    assert_eq!(serde_json::to_value(&listing).unwrap(), serde_json::json!({ "Direction": 1, "Channels": [10, 30] }));
    let read: Listing = serde_json::from_str(r#"{"Direction":"0","Channels":["20",40]}"#).unwrap();
    assert_eq!((read.direction, read.channels), (SortOrder::Ascending, Some(vec![Channel::Phone, Channel::Other(40)])));
    assert_eq!((SortOrder::Ascending.as_i64(), Channel::Other(40).to_string()), (0, "40".to_owned()));
    let error = serde_json::from_str::<SortOrder>("2").unwrap_err().to_string();
    assert_eq!(error, "invalid value: integer `2`, expected a SortOrder: one of 1, 0");
    assert!(serde_json::from_str::<SortOrder>("\"up\"").is_err());
    use crate::runtime::QueryValue;
    assert_eq!(Channel::Phone.to_query(), "20");
}

#[test]
fn json_text_goes_out_exactly_as_written() {
    use json_text::types::AdvancedSearch;
    // Keys out of alphabetical order, and spaces: a `serde_json::Value` would change both.
    let criteria = r#"{"GrpConOp":"And", "Conditions":[{"Type":"Opportunity"}]}"#;
    let search = AdvancedSearch::new(crate::JsonText::new(criteria).unwrap()).with_note(crate::JsonText::new("[2, 1]").unwrap());
    let wire = serde_json::to_value(&search).unwrap();
    assert_eq!(wire, serde_json::json!({ "Criteria": criteria, "Note": "[2, 1]" }));
    let read: AdvancedSearch = serde_json::from_value(wire).unwrap();
    assert_eq!(read.criteria.as_str(), criteria);
    assert_eq!(read, search);
    let blank: AdvancedSearch = serde_json::from_str(r#"{"Criteria":"{}","Note":""}"#).unwrap();
    assert_eq!(blank.note, None);
    assert!(serde_json::from_str::<AdvancedSearch>(r#"{"Criteria":"{oops"}"#).is_err());
}

#[test]
fn a_get_that_changes_state_says_so_and_is_not_idempotent() {
    use state_changing_get::endpoints::{GOLDEN_DELETE_RECORD, GOLDEN_READ_RECORD};
    const { assert!(GOLDEN_DELETE_RECORD.changes_state && !GOLDEN_DELETE_RECORD.idempotent) };
    const { assert!(!GOLDEN_READ_RECORD.changes_state) };
    assert_eq!(GOLDEN_DELETE_RECORD.method, crate::runtime::Method::Get);
    let docs = include_str!("../../codegen/tests/golden/state_changing_get/expected/endpoints.rs");
    assert_eq!(docs.matches("**This GET changes state.**").count(), 1);
}

#[test]
fn lenient_fields_accept_strings_and_strict_ones_do_not() {
    use lenient::types::Record;
    let record: Record = serde_json::from_str(r#"{"Count":"7","Score":"1.5","Active":"true"}"#).unwrap();
    assert_eq!((record.count, record.score, record.active), (7, Some(1.5), Some(true)));
    assert!(serde_json::from_str::<Record>(r#"{"Count":1,"Strict":"2"}"#).is_err());
}

#[test]
fn rules_are_checked_in_nested_items_and_boxes_validate_their_content() {
    use rules::types::{Batch, Flags};
    let ok = Flags::default().with_overwrite(true).with_fill_empty(false);
    assert!(ok.validate().is_ok());
    let both = Flags::default().with_overwrite(true).with_fill_empty(true);
    let nested = Batch::new(vec![ok.clone(), both.clone()]);
    let violation = nested.validate().unwrap_err();
    assert_eq!(violation.fields, &["Overwrite", "FillEmpty"]);
    assert!(Batch::new(vec![]).with_main(both).validate().is_err());

    use rules::types::Target;
    let violation = Target::default().with_lead_id("l-1").with_notes(false).validate().unwrap_err();
    assert_eq!(violation.to_string(), "Target: at least one of `Notes`, `Tasks` must be set");
    assert!(Target::default().with_lead_id("l-1").with_notes(true).validate().is_ok());
    let both = Target::default().with_lead_id("l-1").with_email("e@example.com").with_tasks(vec![]);
    assert_eq!(
        both.validate().unwrap_err().to_string(),
        "Target: exactly one of `LeadId`, `Email` must be set (A lead is named one way)"
    );
    let neither = Target::default().with_tasks(vec!["t-1".into()]).validate().unwrap_err();
    assert_eq!(neither.rule, crate::rules::Rule::ExactlyOneOf);
    assert!(Batch::new(vec![]).with_target(Target::default()).validate().is_err());

    use recursion::types::Node;
    let tree = Node::new("root").with_parent(Node::new("up")).with_children(vec![Node::new("leaf")]);
    // Without rules, a type has no `Validate` impl to run.
    assert_eq!(serde_json::to_value(&tree).unwrap()["Parent"]["Name"], "up");
}

#[test]
fn open_objects_keep_unnamed_attributes_and_json_strings_are_decoded() {
    use open_objects::types::Record;
    let wire = serde_json::json!({
        "Id": "r-1", "OptionSet": "[{\"Value\":\"Open\"}]", "Settings": "{\"a\":1}", "mx_Custom_9": "kept"
    });
    let record: Record = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(record.option_set.as_ref().map(|set| set[0].value.as_str()), Some("Open"));
    assert_eq!(record.settings, serde_json::json!({ "a": 1 }));
    assert_eq!(record.additional_fields["mx_Custom_9"], "kept");
    assert_eq!(serde_json::to_value(&record).unwrap(), wire);
    let bare: Record = serde_json::from_value(serde_json::json!({ "Id": "r-2", "Settings": "null", "OptionSet": "" })).unwrap();
    assert_eq!((bare.option_set, bare.additional_fields.len()), (None, 0));
}

#[test]
fn optional_query_parameters_are_builder_methods() {
    let client = crate::Client::builder()
        .base_url("http://127.0.0.1:9/v2")
        .credentials(crate::Credentials::new("a", "s"))
        .build()
        .unwrap();
    let call = client.golden_get_thing("t-1", get_query::types::Color::DarkBlue).limit(5).label("x");
    let shown = format!("{call:?}");
    assert!(shown.contains("limit: Some(5)") && shown.contains("label: Some(\"x\")") && shown.contains("with_files: None"), "{shown}");
    assert_eq!(array_body::endpoints::GOLDEN_ADD_ROWS.items.and_then(|limit| limit.max), Some(10));
    assert_eq!(array_body::endpoints::GOLDEN_ADD_ROWS.rate_class.name, "bulk");
}

#[test]
fn endpoints_name_their_rate_limit_class_and_plans_give_each_class_a_figure() {
    use crate::runtime::RateLimit;
    use rate_classes::api::{API, Plan, RateLimitClass};
    use rate_classes::endpoints::{GOLDEN_COUNT_ITEMS, GOLDEN_IMPORT_ITEMS};
    assert_eq!(RateLimitClass::of(&GOLDEN_COUNT_ITEMS), Some(RateLimitClass::Standard), "no class named: the first");
    assert_eq!(RateLimitClass::of(&GOLDEN_IMPORT_ITEMS), Some(RateLimitClass::Bulk));
    assert_eq!(RateLimitClass::default(), RateLimitClass::Standard);
    assert_eq!((GOLDEN_IMPORT_ITEMS.rate_class.name, GOLDEN_IMPORT_ITEMS.rate_class.index), ("bulk", 1));
    let limit = |calls, seconds: u64| RateLimit { calls, per_millis: seconds * 1000 };
    assert_eq!(RateLimitClass::Bulk.default_limit(), limit(2, 5));
    assert_eq!(RateLimitClass::Bulk.limit(Plan::Small), limit(1, 5));
    assert_eq!(RateLimitClass::Bulk.limit(Plan::Large), limit(2, 5), "no figure for the plan: the default");
    assert_eq!(RateLimitClass::Standard.limit(Plan::Small), limit(4, 2));
    assert_eq!((Plan::from_name("LARGE"), Plan::Large.name(), Plan::Large.index()), (Some(Plan::Large), "Large", 1));
    assert_eq!(RateLimitClass::from_name("Bulk"), Some(RateLimitClass::Bulk));
    assert_eq!(API.plans, ["Small", "Large"]);
}
/// The same caller's code, for the endpoint before and after the API gained an optional query
/// parameter and an optional body field: it compiles against both, and each version's new
/// inputs are reached only through builder methods and setters.
macro_rules! note_caller {
    ($case:ident, $method:ident) => {
        pub async fn add_note(client: &crate::Client) -> Result<serde_json::Value, crate::Error> {
            let note = super::$case::evolve::Note::new("Called back");
            client.$method("lead-1", note).await
        }
    };
}

mod evolve_v1_caller {
    note_caller!(evolve_v1, golden_add_note_v1);
}

mod evolve_v2_caller {
    note_caller!(evolve_v2, golden_add_note_v2);

    /// The new inputs, used the only way they can be.
    pub async fn add_pinned_note(client: &crate::Client) -> Result<serde_json::Value, crate::Error> {
        let note = super::evolve_v2::evolve::Note::new("Called back").with_pinned(true);
        client.golden_add_note_v2("lead-1", note).notify(true).await
    }
}

#[test]
fn groups_put_types_in_their_modules_and_refer_across_them() {
    use groups::billing::{Currency, Money};
    use groups::orders::{Order, OrderLine};
    let order = Order::new("o-1")
        .with_total(Money::new(12.5).with_currency(Currency::Inr))
        .with_lines(vec![OrderLine::new("sku-1")]);
    assert_eq!(
        serde_json::to_value(&order).unwrap(),
        serde_json::json!({ "Id": "o-1", "Total": { "Amount": 12.5, "Currency": "INR" }, "Lines": [{ "Sku": "sku-1" }] })
    );
}

/// The sandbox serves any generated schema: endpoints without hand-written behaviour are
/// validated like the others and answered with their spec example (or, without one, the
/// smallest value of the response type).
mod sandbox {
    use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Fault, Sandbox};

    use super::*;

    /// A builder for a client of this crate's test build (the golden methods exist only here)
    /// pointed at `sandbox`.
    fn client_builder(sandbox: &Sandbox) -> crate::ClientBuilder {
        crate::Client::builder()
            .base_url(sandbox.base_url())
            .credentials(crate::Credentials::new(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY))
    }

    /// A golden case's schema with this crate's API section: the client under test is this
    /// crate's, so it sends the real API's key names below the real API's base path.
    fn golden(schema: &leadsquared_sandbox::schema::Schema) -> &'static leadsquared_sandbox::schema::Schema {
        let api = leadsquared_sandbox::SCHEMA.api;
        Box::leak(Box::new(leadsquared_sandbox::schema::Schema { api, ..*schema }))
    }

    fn client(sandbox: &Sandbox) -> crate::Client {
        client_builder(sandbox).build().unwrap()
    }

    /// A client whose every rate-limit class allows 100 calls a second: a golden endpoint's
    /// class is a position among this crate's classes, whatever the golden API names it.
    fn fast_client(sandbox: &Sandbox) -> crate::Client {
        let mut builder = client_builder(sandbox);
        for &class in crate::RateLimitClass::ALL {
            builder = builder.rate_limit_for(class, 100, std::time::Duration::from_secs(1));
        }
        builder.build().unwrap()
    }

    #[tokio::test]
    async fn an_endpoint_with_an_example_is_answered_with_it_after_validation() {
        // The endpoint is in the golden API's second class, which this sandbox (serving the real
        // API's classes) counts in the real second class's windows: unlimited here.
        let sandbox = Sandbox::builder().schema(golden(&array_body_schema::SCHEMA)).no_rate_limit().start().await.unwrap();
        let client = client(&sandbox);
        let rows = [array_body::types::Row::new("first", 1)];
        assert_eq!(client.golden_add_rows(rows.clone()).await.unwrap(), ["id-1", "id-2"]);

        // The sandbox checks what the client sent against the schema, not with its serde types.
        let raw = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::client::tls_config().unwrap())
            .build()
            .unwrap()
            .post(format!("{}/Rows.svc/Bulk/Add", sandbox.base_url()))
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
            .json(&serde_json::json!([{ "Name": "x", "Count": "1" }]))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), 400);
        let text = raw.text().await.unwrap();
        assert!(text.contains("$[0].Count: expected a whole number, found the string"), "{text}");
        let processed: Vec<bool> = sandbox.requests().iter().map(|r| r.processed).collect();
        assert_eq!(processed, [true, false]);

        // Faults apply to every endpoint alike.
        sandbox.inject(Fault::Status(500), 1);
        assert_eq!(client.golden_add_rows(rows).await.unwrap_err().status(), Some(500));
    }

    #[tokio::test]
    async fn an_envelope_is_unwrapped_and_a_bare_array_is_returned_as_is() {
        let sandbox = Sandbox::builder().schema(golden(&envelopes_schema::SCHEMA)).start().await.unwrap();
        let client = client(&sandbox);
        let updated = client.golden_update_thing(envelopes::types::IdResult::new("t-1")).await.unwrap();
        assert_eq!(updated.id, "t-1");
        assert_eq!(client.golden_list_things().await.unwrap(), []);
        // Without the envelope's attribute the answer is a decode error, not a default value.
        sandbox.inject(Fault::Response { status: 200, body: r#"{"Status":"Success"}"#.into() }, 1);
        let error = client.golden_update_thing(envelopes::types::IdResult::new("t-1")).await.unwrap_err();
        assert!(matches!(error, crate::Error::Decode { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn date_times_go_out_in_the_wire_format_and_the_sandbox_holds_requests_to_it() {
        use datetime::types::Meeting;
        let sandbox = Sandbox::builder().schema(golden(&datetime_schema::SCHEMA)).keep_bodies(true).start().await.unwrap();
        let client = client(&sandbox);
        let at = crate::DateTime::parse("2021-06-08 10:30:00").unwrap();
        let answer = client.golden_schedule(Meeting::new("Review", at)).await.unwrap();
        // The answer's `.000` and blank optional date-time decode.
        assert_eq!((answer.starts_at, answer.ends_at), (at, None));
        let sent = sandbox.requests().pop().unwrap();
        assert_eq!(sent.body.unwrap()["StartsAt"], "2021-06-08 10:30:00");
        client.golden_meetings_since(at).await.unwrap();
        let sent = sandbox.requests().pop().unwrap();
        assert!(sent.query.contains(&("from".to_owned(), "2021-06-08 10:30:00".to_owned())), "{:?}", sent.query);

        // Another shape is refused by the sandbox, naming the attribute.
        let raw = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::client::tls_config().unwrap())
            .build()
            .unwrap()
            .post(format!("{}/Meetings.svc/Schedule", sandbox.base_url()))
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
            .json(&serde_json::json!({ "Title": "x", "StartsAt": "2021-06-08T10:30:00Z" }))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), 400);
        let text = raw.text().await.unwrap();
        assert!(text.contains("$.StartsAt: expected a UTC date-time"), "{text}");
    }

    #[tokio::test]
    async fn numbers_taken_as_strings_go_out_quoted_and_the_sandbox_insists() {
        use as_string::types::Window;
        let sandbox = Sandbox::builder().schema(golden(&as_string_schema::SCHEMA)).keep_bodies(true).start().await.unwrap();
        let client = client(&sandbox);
        let answer = client.golden_window(Window::new(12003).with_row_count(10).with_plain(1)).await.unwrap();
        // The answer carries one number bare and one quoted: both read.
        assert_eq!((answer.event_code, answer.share, answer.row_count), (12003, Some(0.5), None));
        let sent = sandbox.requests().pop().unwrap();
        assert_eq!(sent.body.unwrap(), serde_json::json!({ "EventCode": "12003", "RowCount": "10", "Plain": 1 }));

        let raw = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::client::tls_config().unwrap())
            .build()
            .unwrap()
            .post(format!("{}/Windows.svc/Get", sandbox.base_url()))
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
            .json(&serde_json::json!({ "EventCode": 12003 }))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), 400);
        let text = raw.text().await.unwrap();
        assert!(text.contains("$.EventCode: expected the number as a string"), "{text}");
    }

    #[tokio::test]
    async fn array_fields_past_their_item_limit_are_refused_before_sending() {
        use field_limits::types::{Group, IdBatch};
        let sandbox = Sandbox::builder().schema(golden(&field_limits_schema::SCHEMA)).start().await.unwrap();
        let client = client(&sandbox);
        let ids = |n: usize| (0..n).map(|i| format!("id-{i}")).collect::<Vec<_>>();
        client.golden_read_ids(IdBatch::new(ids(3))).await.unwrap();
        let error = client.golden_read_ids(IdBatch::new(ids(4))).await.unwrap_err();
        assert!(error.to_string().contains("IdBatch: `Ids` holds 4 items; it takes at most 3"), "{error}");
        assert!(matches!(&error, crate::Error::InvalidBody { violation, .. }
            if violation.rule == crate::rules::Rule::ItemCount { count: 4, limit: crate::endpoints::ItemLimit { min: 0, max: Some(3) } }));
        let error = client.golden_read_ids(IdBatch::new(ids(1)).with_tags(vec![])).await.unwrap_err();
        assert!(error.to_string().contains("`Tags` holds 0 items; it takes 1 to 2"), "{error}");
        // In a bulk body, the row is refused by its index.
        let error = client.golden_add_groups(vec![Group::new(ids(2)), Group::new(ids(1))]).await.unwrap_err();
        assert!(matches!(error, crate::Error::InvalidItem { index: 1, .. }), "{error:?}");
        assert_eq!(sandbox.requests().len(), 1, "only the call within the limits was sent");

        // The sandbox holds a raw request to the same limit.
        let raw = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::client::tls_config().unwrap())
            .build()
            .unwrap()
            .post(format!("{}/Ids.svc/Read", sandbox.base_url()))
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
            .json(&serde_json::json!({ "Ids": ids(4) }))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), 400);
        let text = raw.text().await.unwrap();
        assert!(text.contains("$.Ids: `Ids` has 4 items; it takes at most 3"), "{text}");
    }

    /// Scripts the sandbox to answer the next calls with `bodies`, in order.
    fn script(sandbox: &Sandbox, bodies: &[serde_json::Value]) {
        for body in bodies {
            sandbox.inject(Fault::Response { status: 200, body: body.to_string() }, 1);
        }
    }

    fn page_indexes(sandbox: &Sandbox) -> Vec<i64> {
        let requests = sandbox.requests();
        requests.iter().filter_map(|r| r.body.as_ref()?["Paging"]["PageIndex"].as_i64()).collect()
    }

    #[tokio::test]
    async fn a_paged_walk_asks_page_after_page_and_stops_at_the_total() {
        use serde_json::json;
        let sandbox = Sandbox::builder().schema(golden(&paged_schema::SCHEMA)).keep_bodies(true).start().await.unwrap();
        let client = client(&sandbox);
        let item = |id: &str| json!({ "Id": id });
        // Five items in pages of two: pages 1 to 3, and no call for a fourth.
        script(&sandbox, &[
            json!({ "RecordCount": "5", "List": [item("a"), item("b")] }),
            json!({ "RecordCount": "5", "List": [item("c"), item("d")] }),
            json!({ "RecordCount": 5, "List": [item("e")] }),
        ]);
        let search = paged::types::Search::new("x", paged::types::Paging::new(1, 2));
        let mut pages = client.golden_search_items_pages(search.clone());
        fn is_a_stream<S: futures_core::Stream>(_: &S) {}
        is_a_stream(&pages);
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.unwrap();
            assert_eq!(page.total, Some(5));
            ids.extend(page.items.into_iter().map(|item| item.id));
        }
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
        assert_eq!(page_indexes(&sandbox), [1, 2, 3]);

        // Full pages up to the total stop without an extra call.
        script(&sandbox, &[json!({ "RecordCount": 2, "List": [item("a"), item("b")] })]);
        let mut pages = client.golden_search_items_pages(search.clone());
        assert_eq!(pages.next().await.unwrap().unwrap().items.len(), 2);
        assert!(pages.next().await.is_none());
        assert_eq!(page_indexes(&sandbox), [1, 2, 3, 1]);
    }

    #[tokio::test]
    async fn a_paged_walk_without_a_total_stops_at_a_short_page_and_reports_errors() {
        use serde_json::json;
        let sandbox = Sandbox::builder().schema(golden(&paged_schema::SCHEMA)).keep_bodies(true).start().await.unwrap();
        let client = client(&sandbox);
        let items = |page: usize, n: usize| json!((0..n).map(|i| json!({ "Id": format!("{page}-{i}") })).collect::<Vec<_>>());
        script(&sandbox, &[items(1, 2), items(2, 2), items(3, 1)]);
        let search = paged::types::Search::new("x", paged::types::Paging::new(1, 2));
        let mut pages = client.golden_list_items("owner-1", search.clone()).verbose(true).pages();
        let mut sizes = Vec::new();
        while let Some(page) = pages.next().await {
            sizes.push(page.unwrap().items.len());
        }
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(page_indexes(&sandbox), [1, 2, 3]);
        assert!(sandbox.requests().iter().all(|r| r.query.contains(&("ownerId".into(), "owner-1".into()))));

        // An error ends the walk after it is reported.
        sandbox.inject(Fault::Status(500), 1);
        let mut pages = client.golden_list_items("owner-1", search).verbose(true).pages();
        assert!(pages.next().await.unwrap().is_err());
        assert!(pages.next().await.is_none());
    }

    #[tokio::test]
    async fn a_bulk_job_splits_rows_by_the_spec_limit_and_reads_each_row_result() {
        use crate::bulk::{BulkOptions, RowOutcome};
        let sandbox = Sandbox::builder().schema(golden(&bulk_rows_schema::SCHEMA)).start().await.unwrap();
        let client = client(&sandbox);
        // Three calls of at most five rows; the second answer is scripted: row 2 refused.
        let results = |n: usize| (1..=n).map(|i| serde_json::json!({ "Row": i, "Done": "true", "Id": format!("id-{i}") })).collect::<Vec<_>>();
        let mut second = results(5);
        second[1] = serde_json::json!({ "Row": 2, "Done": false });
        script(&sandbox, &[
            serde_json::json!({ "Results": results(5) }),
            serde_json::json!({ "Results": second }),
            serde_json::json!({ "Results": results(2) }),
        ]);
        let rows = (0..12).map(|i| bulk_rows::types::Item::new(format!("item-{i}")));
        let options = BulkOptions::default().concurrency(1);
        let mut job = client.golden_add_items_all(rows).options(options);
        let mut outcomes = Vec::new();
        while let Some(report) = job.next().await {
            outcomes.push((report.index, match report.outcome {
                RowOutcome::Applied { id, .. } => id.unwrap_or_default(),
                RowOutcome::Refused { .. } => "refused".into(),
                _ => "other".into(),
            }));
        }
        outcomes.sort();
        assert_eq!(outcomes.len(), 12);
        assert_eq!(outcomes[6], (6, "refused".into()));
        assert_eq!(outcomes[11], (11, "id-2".into()));
        let sizes: Vec<_> = sandbox.requests().iter().filter_map(|r| r.rows()).collect();
        assert_eq!(sizes, [5, 5, 2]);
    }

    #[tokio::test]
    async fn a_bulk_job_without_per_row_answers_counts_whole_calls() {

        let sandbox = Sandbox::builder().schema(golden(&array_body_schema::SCHEMA)).no_rate_limit().start().await.unwrap();
        let client = fast_client(&sandbox);
        let rows = (0..23).map(|i| array_body::types::Row::new(format!("r{i}"), i));
        let mut job = client.golden_add_rows_all(rows);
        let mut accepted = 0;
        while let Some(report) = job.next().await {
            accepted += usize::from(report.outcome.kind() == crate::bulk::OutcomeKind::Accepted);
        }
        assert_eq!(accepted, 23);
        let sizes: Vec<_> = sandbox.requests().iter().filter_map(|r| r.rows()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 23);
        assert!(sizes.iter().all(|&size| size <= 10));
    }

    #[tokio::test]
    async fn a_caller_compiles_and_sends_the_same_against_both_versions_of_an_endpoint() {
        for schema in [&evolve_v1_schema::SCHEMA, &evolve_v2_schema::SCHEMA] {
            let sandbox = Sandbox::builder().schema(golden(schema)).keep_bodies(true).start().await.unwrap();
            let client = client(&sandbox);
            if std::ptr::eq(schema, &evolve_v1_schema::SCHEMA) {
                super::evolve_v1_caller::add_note(&client).await.unwrap();
            } else {
                super::evolve_v2_caller::add_note(&client).await.unwrap();
                super::evolve_v2_caller::add_pinned_note(&client).await.unwrap();
            }
            let bodies: Vec<_> = sandbox.requests().into_iter().map(|r| (r.query, r.body)).collect();
            assert_eq!(bodies[0].0, [("leadId".to_string(), "lead-1".to_string())]);
            assert_eq!(bodies[0].1, Some(serde_json::json!({ "Text": "Called back" })));
            if let Some((query, body)) = bodies.get(1) {
                assert!(query.contains(&("notify".to_string(), "true".to_string())), "{query:?}");
                assert_eq!(body, &Some(serde_json::json!({ "Text": "Called back", "Pinned": true })));
            }
        }
    }

    /// A page walk and a bulk job built by a helper that returns them (they own their client and
    /// arguments), then run on `tokio::spawn`.
    fn jobs(client: &crate::Client) -> (crate::pages::Pages<paged::types::Item>, crate::bulk::Bulk<()>) {
        let search = paged::types::Search::new("x", paged::types::Paging::new(1, 2));
        let rows: Vec<_> = (0..23).map(|i| array_body::types::Row::new(format!("r{i}"), i)).collect();
        (client.golden_search_items_pages(search), client.golden_add_rows_all(rows))
    }

    #[tokio::test]
    async fn page_walks_and_bulk_jobs_run_on_spawned_tasks() {
        use futures_util::StreamExt;
        let pages = Sandbox::builder().schema(golden(&paged_schema::SCHEMA)).start().await.unwrap();
        let rows = Sandbox::builder().schema(golden(&array_body_schema::SCHEMA)).no_rate_limit().start().await.unwrap();
        script(&pages, &[serde_json::json!({ "RecordCount": 3, "List": [{ "Id": "a" }, { "Id": "b" }] }), serde_json::json!({ "RecordCount": 3, "List": [{ "Id": "c" }] })]);
        let (walk, _) = jobs(&client(&pages));
        let (_, job) = jobs(&fast_client(&rows));
        let walked = tokio::spawn(async move { walk.map(|page| page.map(|page| page.items.len())).collect::<Vec<_>>().await });
        let applied = tokio::spawn(async move { job.filter(|report| std::future::ready(report.outcome.kind() == crate::bulk::OutcomeKind::Accepted)).count().await });
        let sizes: Vec<usize> = walked.await.unwrap().into_iter().map(Result::unwrap).collect();
        assert_eq!(sizes, [2, 1]);
        assert_eq!(applied.await.unwrap(), 23);
    }

    #[tokio::test]
    async fn an_endpoint_without_an_example_gets_the_smallest_valid_answer() {
        let sandbox = Sandbox::builder().schema(golden(&get_query_schema::SCHEMA)).start().await.unwrap();
        let client = client(&sandbox);
        let thing = client.golden_get_thing("t-1", get_query::types::Color::DarkBlue).limit(3).with_files(true).await.unwrap();
        assert_eq!(thing.id, "");
        let logged = &sandbox.requests()[0];
        assert_eq!(logged.method, "GET");
        assert_eq!(logged.query, [
            ("thingId".to_string(), "t-1".to_string()),
            ("Color".to_string(), "dark-blue".to_string()),
            ("withFiles".to_string(), "true".to_string()),
            ("limit".to_string(), "3".to_string()),
        ]);
    }
}

#[test]
fn page_setters_make_the_objects_a_caller_left_out() {
    use paged_optional::types::{Filter, Lookup, Pager};
    let client = crate::Client::builder()
        .base_url("http://127.0.0.1:9/v2")
        .credentials(crate::Credentials::new("a", "s"))
        .build()
        .unwrap();
    // No body at all: `page` makes the body and its `Paging`.
    let shown = format!("{:?}", client.golden_filter_entries("o-1").page(3, 20));
    assert!(
        shown.contains("body: Some(Filter { name: None, paging: Some(Pager { page_index: 3, page_size: 20 }) })"),
        "{shown}"
    );
    // A body of the caller's keeps its other attributes; its `Paging` is overwritten in place.
    let body = Filter::default().with_name("x").with_paging(Pager::new(1, 5));
    let shown = format!("{:?}", client.golden_filter_entries("o-1").body(body).page(2, 5));
    assert!(
        shown.contains("name: Some(\"x\"), paging: Some(Pager { page_index: 2, page_size: 5 })"),
        "{shown}"
    );
    // Offset paging through an optional window of optional attributes.
    let shown = format!("{:?}", client.golden_lookup_entries(Lookup::new("o-1")).window(40, 20));
    assert!(
        shown.contains("window: Some(Window { offset: Some(40), row_count: Some(20) })"),
        "{shown}"
    );
}

#[test]
fn attribute_lists_read_like_builders_and_travel_as_pairs() {
    use attributes::types::{Company, CompanyProperties, PersonFields};
    let person = PersonFields::new()
        .email_address("ann@example.com")
        .first_name("Ann")
        .set("mx_City", "Pune")
        .set_with_fields("mx_KYC", "", PersonFields::new().set("Status", "Pending"))
        .first_name("Anne");
    assert_eq!(person.get("FirstName"), Some("Anne"));
    assert_eq!(person.len(), 4);
    let wire = serde_json::to_value(&person).unwrap();
    assert_eq!(
        wire,
        serde_json::json!([
            { "Attribute": "EmailAddress", "Value": "ann@example.com" },
            { "Attribute": "FirstName", "Value": "Anne" },
            { "Attribute": "mx_City", "Value": "Pune" },
            { "Attribute": "mx_KYC", "Value": "", "Fields": [ { "Attribute": "Status", "Value": "Pending" } ] }
        ])
    );
    assert_eq!(serde_json::from_value::<PersonFields>(wire).unwrap(), person);
    // Another list, inside an object, with its own pair names and no nested fields.
    let company = Company::new("Acme").with_properties(CompanyProperties::new().city("Pune"));
    assert_eq!(
        serde_json::to_value(&company).unwrap(),
        serde_json::json!({ "Name": "Acme", "Properties": [ { "SchemaName": "City", "Value": "Pune" } ] })
    );
    let misspelt = serde_json::json!([{ "SchemaName": "City", "Vaule": "Pune" }]);
    assert!(serde_json::from_value::<CompanyProperties>(misspelt).is_err());
}

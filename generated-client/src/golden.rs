//! Compiles the generator's golden outputs (`codegen/tests/golden/*/expected/`) against this
//! crate's runtime, so every expected file is known to be valid Rust, and checks a few of the
//! behaviours each golden case is about. Test-only; `lib.rs` includes it under `cfg(test)`.
//!
//! The golden specs give their endpoints unique names (`golden_*`), because every case adds
//! its methods to the one `crate::Client`.

#![allow(dead_code, unreachable_pub)]

#[path = "../../codegen/tests/golden/array_body/expected/mod.rs"]
mod array_body;
#[path = "../../codegen/tests/golden/bulk_rows/expected/mod.rs"]
mod bulk_rows;
#[path = "../../codegen/tests/golden/enums/expected/mod.rs"]
mod enums;
#[path = "../../codegen/tests/golden/envelopes/expected/mod.rs"]
mod envelopes;
#[path = "../../codegen/tests/golden/get_query/expected/mod.rs"]
mod get_query;
#[path = "../../codegen/tests/golden/lenient/expected/mod.rs"]
mod lenient;
#[path = "../../codegen/tests/golden/object_body/expected/mod.rs"]
mod object_body;
#[path = "../../codegen/tests/golden/open_objects/expected/mod.rs"]
mod open_objects;
#[path = "../../codegen/tests/golden/paged/expected/mod.rs"]
mod paged;
#[path = "../../codegen/tests/golden/recursion/expected/mod.rs"]
mod recursion;
#[path = "../../codegen/tests/golden/rules/expected/mod.rs"]
mod rules;

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

    use recursion::types::Node;
    let tree = Node::new("root").with_parent(Node::new("up")).with_children(vec![Node::new("leaf")]);
    assert!(tree.validate().is_ok());
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
fn optional_query_parameters_live_in_an_options_struct() {
    let options = get_query::endpoints::GoldenGetThingOptions::default().with_limit(5).with_label("x");
    assert_eq!((options.limit, options.label.as_deref(), options.with_files), (Some(5), Some("x"), None));
    assert_eq!(array_body::endpoints::GOLDEN_ADD_ROWS.items.and_then(|limit| limit.max), Some(10));
    assert_eq!(array_body::endpoints::GOLDEN_ADD_ROWS.rate_limit.calls, 1);
}
/// The sandbox serves any generated schema: endpoints without hand-written behaviour are
/// validated like the others and answered with their spec example (or, without one, the
/// smallest value of the response type).
#[cfg(feature = "sandbox")]
mod sandbox {
    use super::{array_body, bulk_rows, envelopes, get_query, paged};
    use crate::sandbox::{Fault, Sandbox};

    #[tokio::test]
    async fn an_endpoint_with_an_example_is_answered_with_it_after_validation() {
        let sandbox = Sandbox::builder().schema(&array_body::schema::SCHEMA).start().await.unwrap();
        let client = sandbox.client().unwrap();
        let rows = [array_body::types::Row::new("first", 1)];
        assert_eq!(client.golden_add_rows(&rows).await.unwrap(), ["id-1", "id-2"]);

        // The sandbox checks what the client sent against the schema, not with its serde types.
        let raw = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::client::tls_config().unwrap())
            .build()
            .unwrap()
            .post(format!("{}/Rows.svc/Bulk/Add", sandbox.base_url()))
            .header("x-LSQ-AccessKey", crate::sandbox::DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", crate::sandbox::DEFAULT_SECRET_KEY)
            .json(&serde_json::json!([{ "Name": "x", "Count": "1" }]))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), 400);
        let text = raw.text().await.unwrap();
        assert!(text.contains("$[0].Count: expected a whole number, found the string"), "{text}");
        let processed: Vec<bool> = sandbox.requests().iter().map(|r| r.processed).collect();
        assert_eq!(processed, [true, false]);

        // Its per-endpoint rate limit is the spec's; the sandbox enforces the account limit it
        // was given, and faults apply to every endpoint alike.
        sandbox.inject(Fault::Status(500), 1);
        assert_eq!(client.golden_add_rows(&rows).await.unwrap_err().status(), Some(500));
    }

    #[tokio::test]
    async fn an_envelope_is_unwrapped_and_a_bare_array_is_returned_as_is() {
        let sandbox = Sandbox::builder().schema(&envelopes::schema::SCHEMA).start().await.unwrap();
        let client = sandbox.client().unwrap();
        let updated = client.golden_update_thing(&envelopes::types::IdResult::new("t-1")).await.unwrap();
        assert_eq!(updated.id, "t-1");
        assert_eq!(client.golden_list_things().await.unwrap(), []);
        // Without the envelope's attribute the answer is a decode error, not a default value.
        sandbox.inject(Fault::Response { status: 200, body: r#"{"Status":"Success"}"#.into() }, 1);
        let error = client.golden_update_thing(&envelopes::types::IdResult::new("t-1")).await.unwrap_err();
        assert!(matches!(error, crate::Error::Decode { .. }), "{error:?}");
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
        let sandbox = Sandbox::builder().schema(&paged::schema::SCHEMA).start().await.unwrap();
        let client = sandbox.client().unwrap();
        let item = |id: &str| json!({ "Id": id });
        // Five items in pages of two: pages 1 to 3, and no call for a fourth.
        script(&sandbox, &[
            json!({ "RecordCount": "5", "List": [item("a"), item("b")] }),
            json!({ "RecordCount": "5", "List": [item("c"), item("d")] }),
            json!({ "RecordCount": 5, "List": [item("e")] }),
        ]);
        let search = paged::types::Search::new("x", paged::types::Paging::new(1, 2));
        let mut pages = client.golden_search_items_pages(&search);
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
        let mut pages = client.golden_search_items_pages(&search);
        assert_eq!(pages.next().await.unwrap().unwrap().items.len(), 2);
        assert!(pages.next().await.is_none());
        assert_eq!(page_indexes(&sandbox), [1, 2, 3, 1]);
    }

    #[tokio::test]
    async fn a_paged_walk_without_a_total_stops_at_a_short_page_and_reports_errors() {
        use serde_json::json;
        let sandbox = Sandbox::builder().schema(&paged::schema::SCHEMA).start().await.unwrap();
        let client = sandbox.client().unwrap();
        let items = |n: usize| json!((0..n).map(|i| json!({ "Id": i.to_string() })).collect::<Vec<_>>());
        script(&sandbox, &[items(2), items(2), items(1)]);
        let search = paged::types::Search::new("x", paged::types::Paging::new(1, 2));
        let options = paged::endpoints::GoldenListItemsOptions::default().with_verbose(true);
        let mut pages = client.golden_list_items_pages("owner-1", &options, &search);
        let mut sizes = Vec::new();
        while let Some(page) = pages.next().await {
            sizes.push(page.unwrap().items.len());
        }
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(page_indexes(&sandbox), [1, 2, 3]);
        assert!(sandbox.requests().iter().all(|r| r.query.contains(&("ownerId".into(), "owner-1".into()))));

        // An error ends the walk after it is reported.
        sandbox.inject(Fault::Status(500), 1);
        let mut pages = client.golden_list_items_pages("owner-1", &options, &search);
        assert!(pages.next().await.unwrap().is_err());
        assert!(pages.next().await.is_none());
    }

    #[tokio::test]
    async fn a_bulk_job_splits_rows_by_the_spec_limit_and_reads_each_row_result() {
        use crate::runtime::{BulkOptions, RowOutcome, bulk::from_iter};
        let sandbox = Sandbox::builder().schema(&bulk_rows::schema::SCHEMA).start().await.unwrap();
        let client = sandbox.client().unwrap();
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
        let mut job = client.golden_add_items_all(from_iter(rows), &options);
        let mut outcomes = Vec::new();
        while let Some(report) = job.next().await {
            outcomes.push((report.index, match report.outcome {
                RowOutcome::Succeeded { id, .. } => id.unwrap_or_default(),
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
        use crate::runtime::{BulkOptions, bulk::from_iter};
        let sandbox = Sandbox::builder().schema(&array_body::schema::SCHEMA).no_rate_limit().start().await.unwrap();
        let client = sandbox.client_builder().rate_limit(100, std::time::Duration::from_secs(1)).build().unwrap();
        let rows = (0..23).map(|i| array_body::types::Row::new(format!("r{i}"), i));
        let mut job = client.golden_add_rows_all(from_iter(rows), &BulkOptions::default());
        let mut succeeded = 0;
        while let Some(report) = job.next().await {
            succeeded += usize::from(report.outcome.is_success());
        }
        assert_eq!(succeeded, 23);
        let sizes: Vec<_> = sandbox.requests().iter().filter_map(|r| r.rows()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 23);
        assert!(sizes.iter().all(|&size| size <= 10));
    }

    #[tokio::test]
    async fn an_endpoint_without_an_example_gets_the_smallest_valid_answer() {
        let sandbox = Sandbox::builder().schema(&get_query::schema::SCHEMA).start().await.unwrap();
        let client = sandbox.client().unwrap();
        let options = get_query::endpoints::GoldenGetThingOptions::default().with_limit(3).with_with_files(true);
        let thing = client.golden_get_thing("t-1", &get_query::types::Color::DarkBlue, &options).await.unwrap();
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

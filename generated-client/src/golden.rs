//! Compiles the generator's golden outputs (`codegen/tests/golden/*/expected/`) against this
//! crate's runtime, so every expected file is known to be valid Rust, and checks a few of the
//! behaviours each golden case is about. Test-only; `lib.rs` includes it under `cfg(test)`.
//!
//! The golden specs give their endpoints unique names (`golden_*`), because every case adds
//! its methods to the one `crate::Client`.

#![allow(dead_code, unreachable_pub)]

#[path = "../../codegen/tests/golden/array_body/expected/mod.rs"]
mod array_body;
#[path = "../../codegen/tests/golden/enums/expected/mod.rs"]
mod enums;
#[path = "../../codegen/tests/golden/get_query/expected/mod.rs"]
mod get_query;
#[path = "../../codegen/tests/golden/lenient/expected/mod.rs"]
mod lenient;
#[path = "../../codegen/tests/golden/object_body/expected/mod.rs"]
mod object_body;
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
fn optional_query_parameters_live_in_an_options_struct() {
    let options = get_query::endpoints::GoldenGetThingOptions::default().with_limit(5).with_label("x");
    assert_eq!((options.limit, options.label.as_deref(), options.with_files), (Some(5), Some("x"), None));
    assert_eq!(array_body::endpoints::GOLDEN_ADD_ROWS.items.and_then(|limit| limit.max), Some(10));
    assert_eq!(array_body::endpoints::GOLDEN_ADD_ROWS.rate_limit.calls, 1);
}

//! Names the generated code uses beside the spec's own, and the spec names that would collide
//! with them.
//!
//! Generated code puts the spec's names next to names of its own: endpoint methods on `Client`
//! beside the hand-written ones, query parameters beside the arguments and locals of the
//! emitted bodies, types beside the crate root's items, groups beside the crate's modules. A
//! spec name equal to one of those would generate code that does not compile, or that quietly
//! means something else. [`RESERVED`] is the one list of them, each with the generated item
//! it would collide with, so the lowering can say so. When the emitters or the hand-written
//! crate gain a name, it goes here (a golden test tries every entry).
//!
//! Names derived from an endpoint's name (`<name>_all`, `<name>_pages`, the request builder
//! `UpperCamelCase(<name>)`, ...) can also collide with each other; [`endpoint_items`] lists
//! them and [`collisions`] finds the endpoints whose items meet.

use std::collections::HashMap;

use heck::{ToShoutySnakeCase, ToUpperCamelCase};

/// Where a name from the spec becomes a Rust name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// An endpoint's `name`: a method on `Client`.
    Endpoint,
    /// The Rust name of a query parameter: an argument of the endpoint's method, or a field
    /// and setter of its optional parameters.
    QueryParameter,
    /// A type's `name`: a type in the generated `types` module, re-exported at the crate root.
    Type,
    /// An endpoint's `group`: the name of the module its generated items go to.
    Group,
    /// A value's Rust name in an open enum (`open: true`, and `api.exceptions`).
    OpenEnumVariant,
    /// A field's Rust name in an object with `additional_fields: true`.
    OpenObjectField,
}

impl Place {
    /// How the spec names this place, for diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            Place::Endpoint => "endpoint name",
            Place::QueryParameter => "query parameter name",
            Place::Type => "type name",
            Place::Group => "group name",
            Place::OpenEnumVariant => "variant name",
            Place::OpenObjectField => "field name",
        }
    }
}

/// One reserved name: where the spec may not use it, and what generated item has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// Where in the spec the name is reserved.
    pub place: Place,
    /// The Rust name.
    pub name: &'static str,
    /// The generated or hand-written item with this name, as the diagnostic shows it.
    pub collides_with: &'static str,
}

const fn entry(place: Place, name: &'static str, collides_with: &'static str) -> Reserved {
    Reserved {
        place,
        name,
        collides_with,
    }
}

/// Every name the generated code uses beside the spec's names. One table, edited by hand when
/// the emitters or the hand-written crate (`generated-client/src/client.rs`, `lib.rs`) gain a
/// name; `tests/reserved.rs` tries each entry and pins its diagnostic.
pub const RESERVED: &[Reserved] = &[
    // Methods of `Client` (hand-written, or planned escape hatches), beside endpoint methods.
    entry(
        Place::Endpoint,
        "builder",
        "the hand-written constructor `Client::builder`",
    ),
    entry(
        Place::Endpoint,
        "from_env",
        "the hand-written constructor `Client::from_env`",
    ),
    entry(
        Place::Endpoint,
        "base_url",
        "the hand-written accessor `Client::base_url`",
    ),
    entry(
        Place::Endpoint,
        "auth_placement",
        "the hand-written accessor `Client::auth_placement`",
    ),
    entry(
        Place::Endpoint,
        "rate_limit",
        "the hand-written accessor `Client::rate_limit`",
    ),
    entry(
        Place::Endpoint,
        "rate_limit_for",
        "the hand-written accessor `Client::rate_limit_for`",
    ),
    entry(
        Place::Endpoint,
        "rate_limiter",
        "the client's internal method `Client::rate_limiter`",
    ),
    entry(
        Place::Endpoint,
        "wait_for_rate_limit",
        "the hand-written method `Client::wait_for_rate_limit`",
    ),
    entry(
        Place::Endpoint,
        "for_job",
        "the client's internal method `Client::for_job`, which bulk jobs and page walks call",
    ),
    entry(
        Place::Endpoint,
        "execute",
        "`Client::execute`, through which every generated method sends its request",
    ),
    entry(Place::Endpoint, "send", "the client's internal method `Client::send`"),
    entry(Place::Endpoint, "url", "the client's internal method `Client::url`"),
    entry(
        Place::Endpoint,
        "call",
        "the escape hatch `Client::call`, for endpoints the spec does not describe",
    ),
    entry(
        Place::Endpoint,
        "clone",
        "`Client::clone` (the client is `Clone`, and its own code calls `clone`)",
    ),
    // An endpoint's description constant is its name in SHOUTY_SNAKE_CASE, beside these.
    entry(
        Place::Endpoint,
        "all",
        "the list `endpoints::ALL` of every endpoint's description",
    ),
    entry(
        Place::Endpoint,
        "default_statuses",
        "the constant `endpoints::DEFAULT_STATUSES`, the statuses endpoints share",
    ),
    // A request builder is named after its endpoint in UpperCamelCase, in a module that uses
    // these standard names.
    entry(
        Place::Endpoint,
        "vec",
        "the standard `Vec` (the builder `requests::Vec` would shadow it)",
    ),
    entry(
        Place::Endpoint,
        "string",
        "the standard `String` (the builder `requests::String` would shadow it)",
    ),
    entry(
        Place::Endpoint,
        "option",
        "the standard `Option` (the builder `requests::Option` would shadow it)",
    ),
    entry(
        Place::Endpoint,
        "result",
        "the standard `Result` (the builder `requests::Result` would shadow it)",
    ),
    entry(
        Place::Endpoint,
        "some",
        "the standard `Some` (the builder `requests::Some` would shadow it)",
    ),
    entry(
        Place::Endpoint,
        "ok",
        "the standard `Ok` (the builder `requests::Ok` would shadow it)",
    ),
    entry(
        Place::Endpoint,
        "err",
        "the standard `Err` (the builder `requests::Err` would shadow it)",
    ),
    // Fields, arguments, locals and methods of the request builders, beside the fields and
    // setters named after query parameters.
    entry(
        Place::QueryParameter,
        "client",
        "the field `client` of each request builder, and the argument of its constructor",
    ),
    entry(
        Place::QueryParameter,
        "body",
        "the field and argument `body` of endpoints with an object body",
    ),
    entry(
        Place::QueryParameter,
        "items",
        "the field and argument `items` of endpoints with an array body",
    ),
    entry(
        Place::QueryParameter,
        "rows",
        "the argument `rows` of bulk methods (`…_all`)",
    ),
    entry(
        Place::QueryParameter,
        "request",
        "the local `request` that each request builder's `call` builds",
    ),
    entry(
        Place::QueryParameter,
        "new",
        "the constructor `new` of each request builder",
    ),
    entry(
        Place::QueryParameter,
        "send",
        "the method `send` of each request builder",
    ),
    entry(
        Place::QueryParameter,
        "call",
        "the method `call` of each request builder, which bulk jobs use for each batch",
    ),
    entry(
        Place::QueryParameter,
        "into_future",
        "the method `into_future` of each request builder (what `.await` calls)",
    ),
    entry(
        Place::QueryParameter,
        "pages",
        "the method `pages` of each paged request builder",
    ),
    entry(
        Place::QueryParameter,
        "page_index",
        "the method `page_index` of each paged request builder",
    ),
    entry(
        Place::QueryParameter,
        "page_size",
        "the method `page_size` of each paged request builder",
    ),
    entry(
        Place::QueryParameter,
        "set_page",
        "the private method `set_page` of each paged request builder",
    ),
    entry(
        Place::QueryParameter,
        "clone",
        "the method `clone` of each request builder (they are `Clone`)",
    ),
    // Items of the crate root, where the generated types are re-exported.
    entry(Place::Type, "Api", "the runtime's API description type `runtime::Api`"),
    entry(
        Place::Type,
        "ApiError",
        "the crate root's `ApiError` (what LeadSquared said about a failed call)",
    ),
    entry(Place::Type, "AuthPlacement", "the crate root's `AuthPlacement`"),
    entry(Place::Type, "Box", "the standard `Box`, which generated types use"),
    entry(
        Place::Type,
        "Call",
        "the crate root's `Call` (the escape hatch's builder)",
    ),
    entry(Place::Type, "Client", "the crate root's `Client`"),
    entry(Place::Type, "ClientBuilder", "the crate root's `ClientBuilder`"),
    entry(Place::Type, "Credentials", "the crate root's `Credentials`"),
    entry(
        Place::Type,
        "DateTime",
        "the crate root's `DateTime` (the spec's `datetime`)",
    ),
    entry(
        Place::Type,
        "DateTimeError",
        "the crate root's `DateTimeError` (a text that is not a date-time)",
    ),
    entry(
        Place::Type,
        "Endpoint",
        "the runtime's endpoint description type `runtime::Endpoint`",
    ),
    entry(Place::Type, "Error", "the crate root's `Error`"),
    entry(Place::Type, "ExceptionType", "the enum generated from `api.exceptions`"),
    entry(
        Place::Type,
        "JsonText",
        "the crate root's `JsonText` (the spec's `json_text`)",
    ),
    entry(
        Place::Type,
        "Option",
        "the standard `Option`, which generated types use",
    ),
    entry(Place::Type, "Plan", "the enum generated from `api.plans`"),
    entry(Place::Type, "Processed", "the crate root's `Processed`"),
    entry(
        Place::Type,
        "RateLimitClass",
        "the enum generated from `api.rate_limits`",
    ),
    entry(Place::Type, "Region", "the enum generated from `api.hosts`"),
    entry(Place::Type, "Request", "the runtime's request type `runtime::Request`"),
    entry(
        Place::Type,
        "Result",
        "the standard `Result`, which generated methods return",
    ),
    entry(
        Place::Type,
        "String",
        "the standard `String`, which generated types use",
    ),
    entry(Place::Type, "Vec", "the standard `Vec`, which generated types use"),
    // Modules of the crate, beside the modules named by groups.
    entry(
        Place::Group,
        "api",
        "the generated module `api` (the API's hosts and envelope)",
    ),
    entry(Place::Group, "bulk", "the crate's module `bulk` (bulk jobs)"),
    entry(Place::Group, "call", "the crate's module `call` (the escape hatch)"),
    entry(Place::Group, "client", "the crate's module `client`"),
    entry(
        Place::Group,
        "endpoints",
        "the generated module `endpoints` (the endpoint descriptions)",
    ),
    entry(Place::Group, "error", "the crate's module `error`"),
    entry(Place::Group, "generated", "the crate's module `generated`"),
    entry(Place::Group, "golden", "the crate's test module `golden`"),
    entry(
        Place::Group,
        "jiff",
        "the crate root's re-export of `jiff` (the date-time library)",
    ),
    entry(Place::Group, "pages", "the crate's module `pages` (page walks)"),
    entry(Place::Group, "requests", "the module `requests` (the request builders)"),
    entry(Place::Group, "rules", "the crate's module `rules` (the spec's rules)"),
    entry(Place::Group, "runtime", "the crate's module `runtime`"),
    entry(
        Place::Group,
        "types",
        "the generated module `types` (the types of no group)",
    ),
    // Members the generator adds to open enums and open objects.
    entry(
        Place::OpenEnumVariant,
        "Other",
        "the variant `Other(String)` that keeps the values the spec does not list",
    ),
    entry(
        Place::OpenObjectField,
        "additional_fields",
        "the map `additional_fields` that keeps the attributes the spec does not name",
    ),
];

/// The entry reserving `name` at `place`, if any.
pub fn reserved(place: Place, name: &str) -> Option<&'static Reserved> {
    RESERVED.iter().find(|entry| entry.place == place && entry.name == name)
}

/// The names reserved at `place`, for the diagnostic's help.
pub fn names_at(place: Place) -> impl Iterator<Item = &'static str> + Clone {
    RESERVED
        .iter()
        .filter(move |entry| entry.place == place)
        .map(|entry| entry.name)
}

/// One item generated for an endpoint, in the namespace where its name must be unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Where the name lives, e.g. "`Client`".
    pub namespace: &'static str,
    /// The item's Rust name.
    pub name: String,
    /// The item as a diagnostic shows it, e.g. "the bulk method `Client::x_all`".
    pub describe: String,
}

/// What the generator emits with an endpoint's name, beside the user's other names: its
/// method, the bulk method `<name>_all` (an array body with `max_items`), the page walker
/// `<name>_pages` (with `pagination`), its request builder and its description constant.
pub fn endpoint_items(name: &str, bulk: bool, paged: bool) -> Vec<Item> {
    let camel = name.to_upper_camel_case();
    let shouty = name.to_shouty_snake_case();
    let mut items = vec![Item {
        namespace: "`Client`",
        name: name.to_string(),
        describe: format!("the method `Client::{name}`"),
    }];
    if bulk {
        items.push(Item {
            namespace: "`Client`",
            name: format!("{name}_all"),
            describe: format!("the bulk method `Client::{name}_all`"),
        });
    }
    if paged {
        items.push(Item {
            namespace: "`Client`",
            name: format!("{name}_pages"),
            describe: format!("the page walker `Client::{name}_pages`"),
        });
    }
    items.push(Item {
        namespace: "module `requests`",
        name: camel.clone(),
        describe: format!("the request builder `requests::{camel}`"),
    });
    items.push(Item {
        namespace: "module `endpoints`",
        name: shouty.clone(),
        describe: format!("the description `endpoints::{shouty}`"),
    });
    items
}

/// A generated item of one endpoint that another endpoint, or a hand-written name, already has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The index (in the list given) of the endpoint whose item collides.
    pub endpoint: usize,
    /// The colliding item of that endpoint.
    pub item: Item,
    /// The item it collides with, as a diagnostic shows it.
    pub with: String,
    /// The index of the endpoint that has the other item, when it is an endpoint's.
    pub other: Option<usize>,
}

/// The first collision of each endpoint's items (see [`endpoint_items`]) with the items of the
/// endpoints before it, or with a name [`RESERVED`] for endpoints. Endpoints are given as
/// (name, has a bulk method, has a page walker). Linear in the number of endpoints.
pub fn collisions(endpoints: &[(&str, bool, bool)]) -> Vec<Collision> {
    let mut taken: HashMap<(&'static str, String), (usize, String)> = HashMap::new();
    let mut found = Vec::new();
    for (i, &(name, bulk, paged)) in endpoints.iter().enumerate() {
        let items = endpoint_items(name, bulk, paged);
        let clash = items.iter().find_map(|item| {
            if let Some((other, describe)) = taken.get(&(item.namespace, item.name.clone())) {
                return Some((item.clone(), describe.clone(), Some(*other)));
            }
            // The endpoint's own name is checked against the table where it is lowered.
            let derived = item.namespace == "`Client`" && item.name != name;
            let hand_written = derived.then(|| reserved(Place::Endpoint, &item.name)).flatten();
            hand_written.map(|entry| (item.clone(), entry.collides_with.to_string(), None))
        });
        if let Some((item, with, other)) = clash {
            found.push(Collision {
                endpoint: i,
                item,
                with,
                other,
            });
            continue;
        }
        for item in items {
            let describe = item.describe.clone();
            taken.entry((item.namespace, item.name)).or_insert((i, describe));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_place_and_name_is_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for entry in RESERVED {
            assert!(seen.insert((entry.place, entry.name)), "{entry:?} is listed twice");
            assert!(!entry.collides_with.is_empty());
        }
    }

    #[test]
    fn derived_items_collide_with_earlier_endpoints() {
        let found = collisions(&[
            ("x", true, false),
            ("x_all", false, false),
            ("y", false, true),
            ("y_pages", false, false),
        ]);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].endpoint, found[0].other), (1, Some(0)));
        assert_eq!(found[0].with, "the bulk method `Client::x_all`");
        assert_eq!(found[1].with, "the page walker `Client::y_pages`");
        let found = collisions(&[("get_lead2", false, false), ("get_lead_2", false, false)]);
        assert_eq!(found[0].item.name, "GetLead2");
        assert!(collisions(&[("a", true, true), ("b", true, true)]).is_empty());
    }
}

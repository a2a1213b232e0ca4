//! Emits `api.rs`: the `Region`, `Plan` and `RateLimitClass` enums and the `API` description the
//! runtime reads.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, inner_doc, lit};
use crate::model::{Api, AuthPlacement, RateLimit};

pub(super) fn emit_api(api: &Api) -> TokenStream {
    let module_doc = inner_doc(&format!(
        "API-level facts of {}: regional hosts, authentication, error envelope, plans and rate-limit classes.",
        api.name
    ));
    let region = emit_region(api);
    let plan = emit_plan(api);
    let class = emit_rate_class(api);
    let name = &api.name;
    let base_url = &api.base_url;
    let preferred = match api.auth.preferred {
        AuthPlacement::Header => quote! { Header },
        AuthPlacement::Query => quote! { Query },
    };
    let (header_access, header_secret) = (&api.auth.header.access_key, &api.auth.header.secret_key);
    let (query_access, query_secret) = (&api.auth.query.access_key, &api.auth.query.secret_key);
    let envelope = &api.error_envelope;
    let (status_field, error_value) = (&envelope.status_field, &envelope.error_value);
    let (type_field, message_field) = (&envelope.type_field, &envelope.message_field);
    let plans = &api.plans;
    let classes = api.rate_classes.iter().enumerate().map(|(index, class)| {
        let name = &class.name;
        let index = lit(index as u64);
        let default = emit_limit(class.default);
        let plans = (0..api.plans.len()).map(|plan| emit_limit(class.on_plan(plan)));
        quote! {
            crate::runtime::RateClass {
                name: #name,
                index: #index,
                default: #default,
                plans: &[#(#plans),*],
            }
        }
    });
    let api_doc = doc(api.description.as_deref().unwrap_or(""));
    quote! {
        #module_doc

        #region

        #plan

        #class

        /// The API's shared description: base URL, authentication, error envelope, plans and
        /// rate-limit classes.
        ///
        #api_doc
        pub const API: crate::runtime::Api = crate::runtime::Api {
            name: #name,
            base_url: #base_url,
            auth: crate::runtime::Auth {
                preferred: crate::runtime::AuthPlacement::#preferred,
                header_access_key: #header_access,
                header_secret_key: #header_secret,
                query_access_key: #query_access,
                query_secret_key: #query_secret,
            },
            error_envelope: crate::runtime::ErrorEnvelope {
                status_field: #status_field,
                error_value: #error_value,
                type_field: #type_field,
                message_field: #message_field,
            },
            plans: &[#(#plans),*],
            rate_classes: &[#(#classes),*],
        };
    }
}

fn emit_limit(limit: RateLimit) -> TokenStream {
    let (calls, per_millis) = (lit(limit.calls.into()), lit(limit.per_millis));
    quote! { crate::runtime::RateLimit { calls: #calls, per_millis: #per_millis } }
}

/// A limit as prose, e.g. `1 call per 5 s`.
pub(super) fn limit_text(limit: RateLimit) -> String {
    let calls = match limit.calls {
        1 => "1 call".to_string(),
        calls => format!("{calls} calls"),
    };
    format!("{calls} per {}", window_text(limit.per_millis))
}

/// A window as prose, e.g. `5 s`.
fn window_text(per_millis: u64) -> String {
    if per_millis % 1000 == 0 {
        format!("{} s", per_millis / 1000)
    } else {
        format!("{per_millis} ms")
    }
}

/// `Plan`: the spec's plans, for `ClientBuilder::plan`.
fn emit_plan(api: &Api) -> TokenStream {
    let variants = api.plans.iter().enumerate().map(|(index, plan)| {
        let variant = ident(plan);
        let figures: Vec<String> = api
            .rate_classes
            .iter()
            .map(|class| match class.plans.get(index).copied().flatten() {
                Some(limit) => format!("`{}` {}", class.name, limit_text(limit)),
                None => format!(
                    "`{}` {} (the class's default: the spec has no figure for the plan)",
                    class.name,
                    limit_text(class.default)
                ),
            })
            .collect();
        let docs = doc(&format!("{plan}: {}.", figures.join(", ")));
        quote! { #docs #variant, }
    });
    let all = api.plans.iter().map(|plan| {
        let variant = ident(plan);
        quote! { Plan::#variant }
    });
    let names = api.plans.iter().map(|plan| {
        let variant = ident(plan);
        quote! { Plan::#variant => #plan, }
    });
    let indexes = api.plans.iter().enumerate().map(|(index, plan)| {
        let variant = ident(plan);
        let index = lit(index as u64);
        quote! { Plan::#variant => #index, }
    });
    quote! {
        /// A subscription plan of the account, for the rate limits documented for it (see
        /// [`crate::ClientBuilder::plan`]).
        ///
        /// Each variant lists the calls each rate-limit class allows on the plan.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Plan {
            #(#variants)*
        }

        impl Plan {
            /// Every plan, in spec order.
            pub const ALL: &'static [Plan] = &[#(#all),*];

            /// The plan's name as documented, e.g. `Standard`.
            pub const fn name(self) -> &'static str {
                match self {
                    #(#names)*
                }
            }

            /// The plan named `name`, compared without regard to ASCII case.
            pub fn from_name(name: &str) -> ::core::option::Option<Plan> {
                Plan::ALL.iter().copied().find(|plan| plan.name().eq_ignore_ascii_case(name))
            }

            /// The plan's position in [`Plan::ALL`], and in each class's figures per plan.
            pub const fn index(self) -> usize {
                match self {
                    #(#indexes)*
                }
            }
        }
    }
}

/// `RateLimitClass`: the spec's rate-limit classes.
fn emit_rate_class(api: &Api) -> TokenStream {
    let variants = api.rate_classes.iter().enumerate().map(|(index, class)| {
        let variant = ident(&class.rust);
        let mut text = format!("`{}`", class.name);
        if let Some(description) = &class.description {
            text.push_str(&format!(": {}", description.trim()));
        }
        if index == 0 {
            text.push_str(
                "

The class of every endpoint that names no other.",
            );
        }
        text.push_str(&format!(
            "

Without a plan: {}.",
            limit_text(class.default)
        ));
        if !api.plans.is_empty() {
            // Every figure of a class has the class's window.
            let per_plan: Vec<String> = api
                .plans
                .iter()
                .enumerate()
                .map(|(plan, name)| match class.plans.get(plan).copied().flatten() {
                    Some(limit) => format!("{name} {}", limit.calls),
                    None => format!("{name} {} (the default: no figure in the spec)", class.default.calls),
                })
                .collect();
            text.push_str(&format!(
                " Per plan, in calls per {}: {}.",
                window_text(class.default.per_millis),
                per_plan.join(", ")
            ));
        }
        let docs = doc(&text);
        let default = (index == 0).then(|| quote! { #[default] });
        quote! { #docs #default #variant, }
    });
    let all = api.rate_classes.iter().map(|class| {
        let variant = ident(&class.rust);
        quote! { RateLimitClass::#variant }
    });
    let names = api.rate_classes.iter().map(|class| {
        let variant = ident(&class.rust);
        let name = &class.name;
        quote! { RateLimitClass::#variant => #name, }
    });
    let describes = api.rate_classes.iter().enumerate().map(|(index, class)| {
        let variant = ident(&class.rust);
        let index = lit(index as u64);
        quote! { RateLimitClass::#variant => &API.rate_classes[#index], }
    });
    quote! {
        /// A rate-limit class: the endpoints whose calls count against one limit of their own.
        ///
        /// Each endpoint's description names its class ([`crate::endpoints::Endpoint::rate_class`]);
        /// the client keeps one limiter per class, which bulk jobs and page walks wait on (and
        /// single calls, when asked: [`crate::ClientBuilder::wait_for_rate_limit`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum RateLimitClass {
            #(#variants)*
        }

        impl RateLimitClass {
            /// Every class, in spec order.
            pub const ALL: &'static [RateLimitClass] = &[#(#all),*];

            /// The class's name in the spec, e.g. `bulk`.
            pub const fn name(self) -> &'static str {
                match self {
                    #(#names)*
                }
            }

            /// The class named `name`, compared without regard to ASCII case.
            pub fn from_name(name: &str) -> ::core::option::Option<RateLimitClass> {
                RateLimitClass::ALL.iter().copied().find(|class| class.name().eq_ignore_ascii_case(name))
            }

            /// The class as data, as endpoint descriptions hold it.
            pub const fn describe(self) -> &'static crate::runtime::RateClass {
                match self {
                    #(#describes)*
                }
            }

            /// The class's limit when no plan is chosen.
            pub const fn default_limit(self) -> crate::runtime::RateLimit {
                self.describe().default
            }

            /// The class's limit on `plan`.
            pub const fn limit(self, plan: Plan) -> crate::runtime::RateLimit {
                self.describe().plans[plan.index()]
            }

            /// The class of `endpoint`, one of this API's endpoint descriptions.
            pub fn of(endpoint: &crate::runtime::Endpoint) -> ::core::option::Option<RateLimitClass> {
                RateLimitClass::ALL.iter().copied().find(|class| class.describe() == endpoint.rate_class)
            }
        }
    }
}

fn emit_region(api: &Api) -> TokenStream {
    let variants = api.hosts.iter().map(|host| {
        let variant = ident(&host.region);
        let docs = doc(&format!(
            "{} (`{}`).",
            host.description
                .as_deref()
                .unwrap_or(&host.region)
                .trim_end_matches('.'),
            host.host
        ));
        let default = host.default.then(|| quote! { #[default] });
        quote! { #docs #default #variant, }
    });
    let all = api.hosts.iter().map(|host| {
        let variant = ident(&host.region);
        quote! { Region::#variant }
    });
    let arms = api.hosts.iter().map(|host| {
        let variant = ident(&host.region);
        let name = &host.host;
        quote! { Region::#variant => #name, }
    });
    quote! {
        /// A region and its REST API host.
        ///
        /// API keys work only on their account's regional host; another region's host
        /// answers 401. The host is shown in the web app next to the API keys.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum Region {
            #(#variants)*
        }

        impl Region {
            /// Every documented region, in spec order.
            pub const ALL: &'static [Region] = &[#(#all),*];

            /// The REST API host of this region.
            pub const fn host(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }

            /// The region whose host is `host`, compared without regard to ASCII case.
            pub fn from_host(host: &str) -> ::core::option::Option<Region> {
                Region::ALL.iter().copied().find(|region| region.host().eq_ignore_ascii_case(host))
            }
        }
    }
}

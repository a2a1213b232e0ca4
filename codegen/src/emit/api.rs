//! Emits `api.rs`: the `Region` enum and the `API` description the runtime reads.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, ident, inner_doc, lit};
use crate::model::{Api, AuthPlacement};

pub(super) fn emit_api(api: &Api) -> TokenStream {
    let module_doc = inner_doc(&format!(
        "API-level facts of {}: regional hosts, authentication, error envelope and default rate limit.",
        api.name
    ));
    let region = emit_region(api);
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
    let (calls, per_millis) = (lit(api.rate_limit.calls.into()), lit(api.rate_limit.per_millis));
    let api_doc = doc(api.description.as_deref().unwrap_or(""));
    quote! {
        #module_doc

        #region

        /// The API's shared description: base URL, authentication, error envelope and rate limit.
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
            rate_limit: crate::runtime::RateLimit { calls: #calls, per_millis: #per_millis },
        };
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

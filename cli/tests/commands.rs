//! `leadsquared call`, `endpoints`, `config`, `completions` and `sandbox`, run as a person would.

mod common;

use std::io::{BufRead as _, BufReader, Write as _};

use common::*;
use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_prints_the_typed_answer_as_pretty_json() {
    // With the documented records: the opportunity of the page's example exists.
    let sandbox = Sandbox::builder()
        .documented_records(true)
        .leads(leads(1))
        .start()
        .await
        .unwrap();
    let output = run(command(Some(&sandbox)).args([
        "call",
        "Get an Opportunity by Id",
        "--query",
        "OpportunityId=4597c076-be5a-4ba2-9b08-ecd21626750f",
        "--query",
        "getFileURL=true",
    ]));
    assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // The typed answer, printed as the wire form: `OptionSet` is JSON inside a string.
    let options: serde_json::Value = serde_json::from_str(answer["Fields"][0]["OptionSet"].as_str().unwrap()).unwrap();
    assert_eq!(options[1]["Value"], "Won");
    assert!(String::from_utf8_lossy(&output.stdout).contains("\n  \"Fields\": ["));
    let request = sandbox.requests().pop().unwrap();
    assert_eq!(
        request.query,
        [
            (
                "OpportunityId".to_owned(),
                "4597c076-be5a-4ba2-9b08-ecd21626750f".to_owned()
            ),
            ("getFileURL".to_owned(), "true".to_owned())
        ]
    );

    // A body from standard input, converted to the endpoint's typed body.
    let mut child = command(Some(&sandbox))
        .args([
            "call",
            "add_opportunities_in_bulk",
            "-q",
            "SearchBy=EmailAddress",
            "--body",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"[{"SearchByValue":"lead-0@example.com","OpportunityEventCode":12114,"Fields":[{"SchemaName":"mx_Custom_1","Value":"Deal"}]}]"#)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer[0]["OpportunityCreated"], true);
    assert_eq!(sandbox.summary().opportunities, 1, "one created by the call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_prints_the_error_and_its_hint_and_exits_non_zero() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let output = run(command(Some(&sandbox))
        .env("LSQ_SECRET_KEY", "not-the-secret-key")
        .args(["call", "get_lead_by_email", "--query", "emailaddress=a@example.com"]));
    assert_eq!(output.status.code(), Some(1), "{}", shown(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: get_lead_by_email failed with HTTP 401"),
        "{stderr}"
    );
    assert!(stderr.contains("not processed"), "{stderr}");
    assert!(!stderr.contains("not-the-secret-key"), "{stderr}");
    assert!(output.stdout.is_empty());

    // Inputs that do not fit the endpoint are usage errors, before anything is sent.
    let calls = sandbox.requests().len();
    let body = std::env::temp_dir().join(format!("lsq-cli-body-{}.json", std::process::id()));
    std::fs::write(&body, r#"{"ProspectOpportunityId": 3}"#).unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["call", "get_lead_by_email"],
            "needs the query parameter `emailaddress`",
        ),
        (
            &[
                "call",
                "get_opportunity_by_id",
                "-q",
                "OpportunityId=x",
                "-q",
                "getFileURL=maybe",
            ],
            "`maybe` is not valid",
        ),
        (
            &["call", "update_opportunity", "--body"],
            "the body does not fit update_opportunity",
        ),
        (&["call", "nothing_like_it"], "possible values"),
    ];
    for (args, expected) in cases {
        let mut command = command(Some(&sandbox));
        command.args(args);
        if args.last() == Some(&"--body") {
            command.arg(&body);
        }
        let output = run(&mut command);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {}", shown(&output));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(expected),
            "{args:?}: {}",
            shown(&output)
        );
    }
    assert_eq!(sandbox.requests().len(), calls);
    let _ = std::fs::remove_file(body);
}

#[test]
fn endpoints_lists_every_endpoint_with_method_path_and_link() {
    let output = run(command(None).arg("endpoints"));
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for endpoint in leadsquared::endpoints::ALL {
        assert!(text.contains(endpoint.path), "{}", endpoint.name);
        assert!(
            text.contains(endpoint.docs_url.unwrap_or_default()),
            "{}",
            endpoint.name
        );
    }
    assert!(text.contains("add_opportunities_in_bulk  Add Opportunities in Bulk  [import]"));
    assert!(text.contains(
        "    POST /LeadManagement.svc/Lead/Bulk/Create\n    rate-limit class: bulk (1 call per 5 s without a plan)"
    ));
    for endpoint in leadsquared::endpoints::ALL.iter().filter(|e| e.changes_state) {
        let line = format!("{}  {}  [a GET that changes state]", endpoint.name, endpoint.title);
        assert!(text.contains(&line), "{line}");
    }
    assert!(text.contains("    POST /OpportunityManagement.svc/Bulk/Add/ByLeadField"));
    assert!(text.contains("    query SearchBy: EmailAddress | Phone | Mobile | …"));
    let json = run(command(None).args(["endpoints", "--json"]));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), leadsquared::endpoints::ALL.len());
    let classes: Vec<(&str, &str)> = lines
        .iter()
        .filter_map(|line| Some((line["name"].as_str()?, line["rate_limit_class"].as_str()?)))
        .collect();
    assert!(classes.contains(&("create_leads_in_bulk", "bulk")), "{classes:?}");
    assert!(
        classes.contains(&("add_opportunities_in_bulk", "standard")),
        "{classes:?}"
    );
    assert!(classes.contains(&("get_lead_by_email", "standard")), "{classes:?}");
    for (line, endpoint) in lines.iter().zip(leadsquared::endpoints::ALL) {
        assert_eq!(line["changes_state"], endpoint.changes_state, "{}", endpoint.name);
        assert_eq!(line["idempotent"], endpoint.idempotent, "{}", endpoint.name);
    }
}

#[test]
fn completions_cover_the_commands_and_the_endpoint_flags() {
    for shell in ["bash", "zsh", "fish"] {
        let output = run(command(None).args(["completions", shell]));
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&output.stdout);
        for word in [
            "import",
            "endpoints",
            "search-by",
            "add_opportunities_in_bulk",
            "resume",
        ] {
            assert!(text.contains(word), "{shell} completions lack {word}");
        }
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_come_from_a_private_config_file_and_keys_are_never_shown() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("config");
    let sandbox = Sandbox::builder().documented_records(true).start().await.unwrap();
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[profiles.default]\nbase_url = \"{}\"\naccess_key = \"{DEFAULT_ACCESS_KEY}\"\nsecret_key = \"{DEFAULT_SECRET_KEY}\"\nplan = \"standard\"\n\n[profiles.other]\nhost = \"api-in21.leadsquared.com\"\naccess_key = \"x\"\n",
            sandbox.base_url()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let with_config = |args: &[&str]| {
        let mut command = command(None);
        command.env("LEADSQUARED_CONFIG", &path).args(args);
        run(&mut command)
    };
    let open = with_config(&["config", "show"]);
    assert_eq!(open.status.code(), Some(3), "{}", shown(&open));
    assert!(
        String::from_utf8_lossy(&open.stderr).contains("chmod 600"),
        "{}",
        shown(&open)
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let show = with_config(&["config", "show"]);
    assert_eq!(show.status.code(), Some(0), "{}", shown(&show));
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        !text.contains(DEFAULT_ACCESS_KEY) && !text.contains(DEFAULT_SECRET_KEY),
        "{text}"
    );
    assert!(text.contains("access_key: set, masked (18 characters)"), "{text}");
    assert!(
        text.contains("[profiles.other]") && text.contains("secret_key: not set"),
        "{text}"
    );
    assert!(
        text.contains("plan = Standard (standard 15 calls per 5 s, bulk 1 call per 5 s)"),
        "{text}"
    );

    // Without LSQ_* keys, the `default` profile is used; another profile by name.
    let call = with_config(&["call", "get_lead_by_email", "-q", "emailaddress=george@example.com"]);
    assert_eq!(call.status.code(), Some(0), "{}", shown(&call));
    // The sandbox answers with the documented lead, decoded by the client: the lenient
    // `"Score":"-10"` is printed as the number it is.
    let answer: serde_json::Value = serde_json::from_slice(&call.stdout).unwrap();
    assert_eq!(answer[0]["Score"], -10);
    let other = with_config(&[
        "call",
        "get_lead_by_email",
        "-q",
        "emailaddress=a",
        "--profile",
        "other",
    ]);
    assert_eq!(other.status.code(), Some(3), "{}", shown(&other));
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("the profile `other`"),
        "{}",
        shown(&other)
    );
    assert!(String::from_utf8_lossy(&other.stderr).contains("has no secret_key"));
    let missing = with_config(&["call", "get_lead_by_email", "-q", "emailaddress=a", "--profile", "nope"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("it has: default, other"));
}

#[test]
fn the_sandbox_subcommand_serves_the_api_for_the_other_commands() {
    let mut sandbox = command(None)
        .args(["sandbox", "--rate-limit", "off", "--leads"])
        .arg(leads_file())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base_url = first.trim().to_owned();
    assert!(
        base_url.starts_with("http://127.0.0.1:") && base_url.ends_with("/v2"),
        "{first}"
    );
    let output = run(command(None)
        .env("LSQ_BASE_URL", &base_url)
        .env("LSQ_ACCESS_KEY", DEFAULT_ACCESS_KEY)
        .env("LSQ_SECRET_KEY", DEFAULT_SECRET_KEY)
        .args(["call", "get_lead_by_email", "-q", "emailaddress=lead-0@example.com"]));
    sandbox.kill().unwrap();
    let _ = sandbox.wait();
    assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        answer[0]["EmailAddress"], "lead-0@example.com",
        "the lead of the --leads file, found by the stateful sandbox"
    );
    assert!(answer[0]["ProspectID"].is_string(), "{answer}");

    let help = run(command(None).args(["sandbox", "--help"]));
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--mandatory-field NAME"));
    // The standalone sandbox's exit code for a usage error.
    let wrong = run(command(None).args(["sandbox", "--port", "1"]));
    assert_eq!(wrong.status.code(), Some(2), "{}", shown(&wrong));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("--port"));
}

fn leads_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("lsq-cli-leads-{}.json", std::process::id()));
    std::fs::write(&path, r#"[{"EmailAddress":"lead-0@example.com"}]"#).unwrap();
    path
}

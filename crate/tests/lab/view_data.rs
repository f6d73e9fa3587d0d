//! What the view data tells the page about a whole run, so that the page never reads other steps
//! to work it out: per-step flags for the diagram, the scene in force, which session-table cells
//! changed, the session-store events of a step, ticket lifetimes and the run's facts.

use sessionlab::engine::Side;
use sessionlab::options::TlsVersion;
use sessionlab::view::{LabView, StepView};
use sessionlab::{Lab, Options};

fn run(version: TlsVersion, chapter: &str) -> Lab {
    match Lab::with_chapter(Options::for_version(version), chapter) {
        Ok(lab) => lab,
        Err(err) => panic!("{chapter} ({version:?}): {err}"),
    }
}

/// The view at every step of the run.
fn views(lab: &mut Lab) -> Vec<LabView> {
    let total = lab.run().steps.len();
    (0..total)
        .map(|index| {
            assert!(lab.seek(index).is_ok());
            lab.view()
        })
        .collect()
}

fn current(view: &LabView) -> &StepView {
    match &view.current {
        Some(step) => step,
        None => panic!("no current step at {}", view.cursor),
    }
}

#[test]
fn every_step_names_the_scene_narration_in_force() {
    let mut lab = run(TlsVersion::Tls13, "whole-session");
    let narrations: Vec<Option<&str>> = lab.run().steps.iter().map(|s| s.narration).collect();
    assert!(narrations.first().is_some_and(Option::is_some));
    for view in views(&mut lab) {
        let step = current(&view);
        let Some(scene) = &step.scene else {
            panic!("step {} has no scene", step.index);
        };
        assert!(scene.step <= step.index);
        assert_eq!(narrations[scene.step], Some(scene.text.as_str()));
        assert!(narrations[scene.step + 1..=step.index]
            .iter()
            .all(Option::is_none));
        if step.scene_narration.is_some() {
            assert_eq!(scene.step, step.index);
        }
    }
}

#[test]
fn session_table_changes_and_store_events_follow_the_story() {
    let mut lab = run(TlsVersion::Tls13, "whole-session");
    let views = views(&mut lab);
    let steps = &lab.run().steps;
    let first = current(&views[0]);
    assert!(!first.table_changes.client_tickets && !first.table_changes.cookies);

    // The step that leaves the client holding its first ticket: the cell changes, and rustls'
    // storing it is this step's event.
    let stored = steps
        .iter()
        .position(|s| !s.tables.client_tickets.tickets.is_empty());
    let Some(stored) = stored else {
        panic!("no ticket stored");
    };
    let step = current(&views[stored]);
    assert!(step.table_changes.client_tickets);
    assert!(
        step.tls_events.iter().any(|e| e.starts_with("client: ")),
        "{:?}",
        step.tls_events
    );

    // The login: the server's store gains a session, then the client's jar a cookie.
    let login = steps.iter().position(|s| !s.tables.logins.is_empty());
    let cookie = steps.iter().position(|s| !s.tables.cookies.is_empty());
    let (Some(login), Some(cookie)) = (login, cookie) else {
        panic!("no login or no cookie");
    };
    assert!(current(&views[login]).table_changes.logins);
    assert!(current(&views[cookie]).table_changes.cookies);

    // A step that leaves every store as it was marks nothing.
    let quiet = (1..steps.len()).find(|&i| steps[i].tables == steps[i - 1].tables);
    let Some(quiet) = quiet else {
        panic!("every step changes a table");
    };
    let step = current(&views[quiet]);
    assert!(
        !step.table_changes.client_tickets
            && !step.table_changes.server_sessions
            && !step.table_changes.cookies
            && !step.table_changes.logins
            && step.tls_events.is_empty(),
        "step {quiet}"
    );
}

#[test]
fn held_tickets_carry_the_lifetime_their_new_session_ticket_gave() {
    let runs = [
        (TlsVersion::Tls13, "resume"),
        (TlsVersion::Tls12, "resume"),
        (TlsVersion::Tls12, "resume-ticket"),
    ];
    for (version, chapter) in runs {
        let mut lab = run(version, chapter);
        let views = views(&mut lab);
        let mut seen = 0;
        for view in &views {
            let step = current(view);
            let held = &step.tables.client_tickets;
            assert_eq!(step.ticket_lifetimes.tickets.len(), held.tickets.len());
            // A self-encrypted ticket lives as long as the server's ticket key (reported by the
            // server side, independently of the messages); rustls gives a TLS 1.3 ticket that
            // names a stateful cache entry 24 hours, and a TLS 1.2 session by id no lifetime.
            let key = step.tables.ticket_key_lifetime;
            for lifetime in &step.ticket_lifetimes.tickets {
                assert_eq!(
                    lifetime.map(|l| l.seconds),
                    Some(key.unwrap_or(24 * 60 * 60)),
                    "{version:?} step {}",
                    step.index
                );
            }
            if held.tls12_session.is_some() {
                assert_eq!(
                    step.ticket_lifetimes.tls12_session.map(|l| l.seconds),
                    key,
                    "{version:?} step {}",
                    step.index
                );
            }
            let lifetimes = step
                .ticket_lifetimes
                .tickets
                .iter()
                .flatten()
                .chain(&step.ticket_lifetimes.tls12_session);
            for lifetime in lifetimes {
                seen += 1;
                assert!(lifetime.step <= step.index);
                assert!(views[lifetime.step].steps[lifetime.step]
                    .title
                    .contains("NewSessionTicket"));
            }
        }
        assert!(
            seen > 0 || version == TlsVersion::Tls12 && chapter == "resume",
            "{version:?} {chapter}: no lifetime"
        );
    }
}

#[test]
fn summaries_flag_replays_plain_flights_and_flipped_bytes() {
    let lab = run(TlsVersion::Tls13, "zero-rtt");
    let view = lab.view();
    let replays: Vec<usize> = lab
        .run()
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.replay)
        .map(|(i, _)| i)
        .collect();
    assert!(!replays.is_empty());
    for summary in &view.steps {
        assert_eq!(summary.replay, replays.contains(&summary.index));
        assert!(!summary.plain);
    }

    let lab = run(TlsVersion::Tls13, "plain-http");
    assert!(lab.view().steps.iter().any(|s| s.plain));

    let mut lab = run(TlsVersion::Tls13, "whole-session");
    let Some(index) = lab.run().steps.iter().position(|s| s.from == Side::Server) else {
        panic!("no server flight");
    };
    assert!(lab.tamper(index, 7).is_ok());
    let view = lab.view();
    for summary in &view.steps {
        let flipped = summary.tampered.map(|t| t.offset);
        assert_eq!(flipped, (summary.index == index).then_some(7));
    }
}

#[test]
fn run_facts_say_which_chapters_use_client_certificates_and_early_data() {
    let plain = run(TlsVersion::Tls13, "whole-session").view().facts;
    assert!(plain.client_certificates.is_empty() && plain.early_data.is_empty());

    let mtls = run(TlsVersion::Tls13, "mtls");
    let subjects: Vec<String> = mtls
        .run()
        .steps
        .iter()
        .filter_map(|s| s.server.peer_certificate_subject.clone())
        .collect();
    let facts = mtls.view().facts;
    assert!(!facts.client_certificates.is_empty());
    assert!(facts
        .client_certificates
        .iter()
        .all(|s| subjects.contains(s)));

    let facts = run(TlsVersion::Tls13, "zero-rtt").view().facts;
    for state in ["offered", "accepted", "rejected"] {
        assert!(
            facts.early_data.iter().any(|e| e.starts_with(state)),
            "{state} in {:?}",
            facts.early_data
        );
    }
}

#[test]
fn the_cursor_view_is_the_lab_view_of_the_step_at_the_cursor() {
    for chapter in ["whole-session", "hello-retry", "zero-rtt"] {
        let mut lab = run(TlsVersion::Tls13, chapter);
        for view in views(&mut lab) {
            assert!(lab.seek(view.cursor).is_ok());
            let alone = lab.cursor_view();
            assert_eq!((alone.cursor, alone.total), (view.cursor, view.total));
            let json = |value: &Option<StepView>| serde_json::to_string(value).ok();
            assert_eq!(json(&alone.current), json(&view.current), "{chapter}");
        }
    }
}

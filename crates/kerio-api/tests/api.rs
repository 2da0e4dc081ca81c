//! Typed calls against the emulator: server info, SearchQuery features, user create/set/remove
//! with per-item errors, password policy, licence limit, and persistence across a restart.

mod common;

use common::{admin_client, domain_id, emulator, emulator_with, new_user, start_in};
use kerio_api::{
    ByteUnits, Client, Combining, Comparator, Direction, Error, ItemError, RemovalMethod,
    RemovalMode, RemovalRequest, SearchQuery, Secret, SizeLimit, User,
};

/// Creates alice, bob, carol and dave in example.com next to the admin; returns the domain id.
fn with_four_users(client: &mut Client) -> String {
    let domain = domain_id(client, "example.com");
    let users = [
        new_user(&domain, "alice", "Alice Smith"),
        new_user(&domain, "bob", "Bob Jones"),
        new_user(&domain, "carol", "Carol Smith"),
        new_user(&domain, "dave", "Dave Brown"),
    ];
    let created = client.users_create(&users).unwrap();
    let indexes: Vec<usize> = created.iter().map(|c| c.input_index).collect();
    assert_eq!(indexes, [0, 1, 2, 3]);
    assert!(
        created.iter().all(|c| c.id.starts_with("keriodb://user/")),
        "{created:?}"
    );
    domain
}

fn logins(client: &mut Client, domain: &str, query: &SearchQuery) -> Vec<String> {
    let users = client.users_get(domain, query).unwrap();
    users
        .list
        .into_iter()
        .map(|u| u.login_name.unwrap())
        .collect()
}

fn sorted(query: SearchQuery) -> SearchQuery {
    query.order_by("loginName", Direction::Asc)
}

fn user_id(client: &mut Client, domain: &str, login: &str) -> String {
    let query = SearchQuery::new()
        .fields(&["id"])
        .condition("loginName", Comparator::Eq, login);
    let mut users = client.users_get(domain, &query).unwrap().list;
    assert_eq!(users.len(), 1, "{login}");
    users.remove(0).id.unwrap()
}

#[test]
fn server_information_calls() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let version = client.server_version().unwrap();
    assert_eq!(version.product, "Kerio Connect");
    assert!(
        version.version.starts_with(&format!("{}.", version.major)),
        "{version:?}"
    );
    assert!(client.api_version().unwrap() > 0);
    assert_eq!(client.product_info().unwrap().product_name, "Kerio Connect");
    let me = client.who_am_i().unwrap();
    assert!(me.id.starts_with("keriodb://user/"), "{me:?}");
}

#[test]
fn domains_get_projects_fields_and_filters() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let all = client.domains_get(&SearchQuery::all()).unwrap();
    assert_eq!(all.total_items, 2);
    let query =
        SearchQuery::new()
            .fields(&["id", "name"])
            .condition("name", Comparator::Eq, "example.org");
    let found = client.domains_get(&query).unwrap();
    assert_eq!(found.total_items, 1);
    let domain = &found.list[0];
    assert_eq!(domain.name.as_deref(), Some("example.org"));
    assert!(domain
        .id
        .as_deref()
        .unwrap()
        .starts_with("keriodb://domain/"));
    assert_eq!(domain.is_primary, None, "not requested, so not returned");
}

#[test]
fn users_get_supports_every_search_query_feature() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let domain = with_four_users(&mut client);

    // fields projection
    let projected = client
        .users_get(&domain, &SearchQuery::new().fields(&["id", "loginName"]))
        .unwrap();
    assert_eq!(projected.total_items, 5);
    assert!(projected
        .list
        .iter()
        .all(|u| u.login_name.is_some() && u.id.is_some() && u.full_name.is_none()));

    // Eq, NotEq, Like with %
    let eq = SearchQuery::new().condition("loginName", Comparator::Eq, "bob");
    assert_eq!(logins(&mut client, &domain, &eq), ["bob"]);
    let not_eq = sorted(SearchQuery::new().condition("loginName", Comparator::NotEq, "admin"));
    assert_eq!(
        logins(&mut client, &domain, &not_eq),
        ["alice", "bob", "carol", "dave"]
    );
    let like = sorted(SearchQuery::new().condition("fullName", Comparator::Like, "%smith"));
    assert_eq!(logins(&mut client, &domain, &like), ["alice", "carol"]);

    // And / Or
    let and = SearchQuery::new()
        .condition("fullName", Comparator::Like, "Smith")
        .condition("loginName", Comparator::NotEq, "alice")
        .combining(Combining::And);
    assert_eq!(logins(&mut client, &domain, &and), ["carol"]);
    let or = sorted(
        SearchQuery::new()
            .condition("loginName", Comparator::Eq, "dave")
            .condition("loginName", Comparator::Eq, "alice")
            .combining(Combining::Or),
    );
    assert_eq!(logins(&mut client, &domain, &or), ["alice", "dave"]);

    // start / limit (with -1 = all) and orderBy both ways
    let page = sorted(SearchQuery::new()).start(1).limit(2);
    let result = client.users_get(&domain, &page).unwrap();
    assert_eq!(result.total_items, 5, "totalItems counts all matches");
    let page_logins: Vec<_> = result
        .list
        .iter()
        .map(|u| u.login_name.clone().unwrap())
        .collect();
    assert_eq!(page_logins, ["alice", "bob"]);
    let unlimited = sorted(SearchQuery::new()).start(3).limit(-1);
    assert_eq!(logins(&mut client, &domain, &unlimited), ["carol", "dave"]);
    let descending = SearchQuery::new()
        .order_by("loginName", Direction::Desc)
        .limit(2);
    assert_eq!(logins(&mut client, &domain, &descending), ["dave", "carol"]);

    // QUICKSEARCH looks in loginName and fullName
    let quick_full_name = SearchQuery::new().condition("QUICKSEARCH", Comparator::Eq, "Bob Jones");
    assert_eq!(logins(&mut client, &domain, &quick_full_name), ["bob"]);
    let quick_like = SearchQuery::new().condition("QUICKSEARCH", Comparator::Like, "caro%");
    assert_eq!(logins(&mut client, &domain, &quick_like), ["carol"]);
}

#[test]
fn duplicate_user_is_an_item_error_naming_the_login() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let domain = with_four_users(&mut client);
    let again = [
        new_user(&domain, "erin", "Erin"),
        new_user(&domain, "alice", "Alice Again"),
    ];
    let error = client.users_create(&again).unwrap_err();
    match &error {
        Error::Items { method, errors } => {
            assert_eq!(method, "Users.create");
            assert_eq!(errors.len(), 1, "{errors:?}");
            let ItemError {
                input_index,
                code,
                message,
            } = &errors[0];
            assert_eq!((*input_index, *code), (1, 1001));
            assert!(
                message.contains("alice") && !message.contains('%'),
                "{message}"
            );
        }
        other => panic!("expected per-item errors, got {other:?}"),
    }
    assert!(error.to_string().contains("alice"), "{error}");
}

#[test]
fn weak_password_breaks_the_domain_policy() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let domain = domain_id(&mut client, "example.com");
    let mut weak = new_user(&domain, "frank", "Frank");
    weak.password = Some(Secret::new("abc"));
    let error = client.users_create(&[weak]).unwrap_err();
    assert_eq!(error.kerio_code(), Some(1000), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("password policy"), "{text}");
    assert!(
        !text.contains("abc\""),
        "the password itself must not be echoed: {text}"
    );
    let none = SearchQuery::new().condition("loginName", Comparator::Eq, "frank");
    assert!(logins(&mut client, &domain, &none).is_empty());
}

#[test]
fn licence_limit_refuses_more_users() {
    // The admin is one active user; the licence allows one more.
    let emulator = emulator_with(|config| config.license_users = Some(2));
    let mut client = admin_client(&emulator.running);
    let domain = domain_id(&mut client, "example.com");
    client
        .users_create(&[new_user(&domain, "gina", "Gina")])
        .unwrap();
    let error = client
        .users_create(&[new_user(&domain, "hank", "Hank")])
        .unwrap_err();
    assert_eq!(error.kerio_code(), Some(1003), "{error:?}");
    assert!(error.to_string().contains("licen"), "{error}");
}

#[test]
fn users_set_changes_only_the_pattern_fields_and_reports_unknown_ids() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let domain = with_four_users(&mut client);
    let bob = user_id(&mut client, &domain, "bob");

    let quota = User {
        disk_size_limit: Some(SizeLimit::from_mb(2048)),
        is_enabled: Some(false),
        ..User::default()
    };
    client
        .users_set(std::slice::from_ref(&bob), &quota)
        .unwrap();
    let query = SearchQuery::new().condition("loginName", Comparator::Eq, "bob");
    let updated = client.users_get(&domain, &query).unwrap().list.remove(0);
    assert_eq!(updated.is_enabled, Some(false));
    assert_eq!(
        updated.full_name.as_deref(),
        Some("Bob Jones"),
        "untouched field kept"
    );
    let limit = updated.disk_size_limit.unwrap();
    assert!(limit.is_active);
    assert_eq!(limit.limit.to_mb_f64(), 2048.0);
    assert_eq!(limit.limit.to_bytes(), 2048 * 1024 * 1024);
    let used = updated.consumed_size.unwrap();
    assert!(matches!(
        used.units,
        ByteUnits::Bytes | ByteUnits::KiloBytes | ByteUnits::MegaBytes | ByteUnits::GigaBytes
    ));

    let unknown =
        "keriodb://user/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111";
    let error = client
        .users_set(&[unknown.to_string()], &quota)
        .unwrap_err();
    assert!(
        matches!(&error, Error::Items { errors, .. } if errors[0].code == 1002),
        "{error:?}"
    );
}

#[test]
fn users_remove_deletes_and_a_second_removal_fails() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let domain = with_four_users(&mut client);
    let count_before = client.domain_user_count(&domain).unwrap().current_users;
    let dave = user_id(&mut client, &domain, "dave");
    let request = RemovalRequest {
        user_id: dave,
        method: RemovalMethod::UDeleteFolder,
        remove_references: true,
        target_user_id: String::new(),
        mode: RemovalMode::DSModeDelete,
    };
    client.users_remove(std::slice::from_ref(&request)).unwrap();
    let gone = SearchQuery::new().condition("loginName", Comparator::Eq, "dave");
    assert!(logins(&mut client, &domain, &gone).is_empty());
    assert_eq!(
        client.domain_user_count(&domain).unwrap().current_users,
        count_before - 1
    );
    let error = client.users_remove(&[request]).unwrap_err();
    assert!(
        matches!(&error, Error::Items { method, .. } if method == "Users.remove"),
        "{error:?}"
    );
}

#[test]
fn find_entity_by_email_reports_taken_addresses_only() {
    let emulator = emulator();
    let mut client = admin_client(&emulator.running);
    let domain = with_four_users(&mut client);
    let taken = client
        .find_entity_by_email(&["alice@example.com".to_string()], &domain)
        .unwrap();
    assert!(
        taken
            .iter()
            .any(|e| !e.is_pattern && e.name.contains("alice")),
        "{taken:?}"
    );
    let free = client
        .find_entity_by_email(&["nobody@example.com".to_string()], &domain)
        .unwrap();
    assert!(free.iter().all(|e| e.is_pattern), "{free:?}");
}

#[test]
fn users_survive_an_emulator_restart() {
    let dir = common::TempDir::new();
    let first = start_in(dir.path(), |_| {});
    let fingerprint = first.fingerprint_sha256();
    let mut client = admin_client(&first);
    let domain = domain_id(&mut client, "example.org");
    client
        .users_create(&[new_user(&domain, "ivy", "Ivy Persisted")])
        .unwrap();
    drop(client);
    first.stop();

    let second = start_in(dir.path(), |_| {});
    assert_eq!(
        second.fingerprint_sha256(),
        fingerprint,
        "the certificate is kept too"
    );
    let mut client = admin_client(&second);
    let query = SearchQuery::new().condition("loginName", Comparator::Eq, "ivy");
    let users = client.users_get(&domain, &query).unwrap();
    assert_eq!(users.list[0].full_name.as_deref(), Some("Ivy Persisted"));
}

//! Webmail single sign-on page.
//!
//! Kerio Connect has no API that logs a user into webmail without the password. What it supports
//! is the form login: a POST of `kerio_username` and `kerio_password` to
//! `<webmail>/login/dologin` (Kerio Connect 7.4 and later). The engine renders a small page with
//! that form, submitted by script on load, with a button inside `<noscript>` for browsers without
//! JavaScript. The password travels only in the form body, never in a URL.
//!
//! A server whose webmail login page hands out a `kerio_csrf_token` (sign-in protection: the
//! token is bound to a cookie the server sets in the *browser*) refuses such a cross-site post,
//! and a token fetched by the engine would be bound to the engine's cookie, not the browser's.
//! So SSO is not possible there: the engine reads the login page first and, when it carries the
//! token field, refuses with `sso_protected` instead of handing out a form that would fail.

use crate::error::{Code, Error};
use crate::server::ServerSettings;
use serde::Serialize;

/// Path of Kerio's webmail form login, relative to the webmail URL.
const DOLOGIN_PATH: &str = "login/dologin";
/// Path of Kerio's webmail login page, relative to the webmail URL.
const LOGIN_PAGE_PATH: &str = "login/";
/// Name of the hidden field a protected login form carries (Kerio Connect 10.0.9
/// administration login; docs/emulator.md "Sign-in protection flag").
const CSRF_FIELD: &str = "kerio_csrf_token";

/// The rendered auto-login page and where it posts to.
#[derive(Debug, Clone, Serialize)]
pub struct SsoPage {
    /// Complete HTML document.
    pub html: String,
    /// The form's target URL (contains no secret).
    pub action: String,
}

/// Escapes text for an HTML element body or a double- or single-quoted attribute value.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The form-login URL under `webmail_url`, an URL already checked by
/// [`crate::server::ServerSettings::webmail_url`].
pub fn dologin_url(webmail_url: &str) -> String {
    under(webmail_url, DOLOGIN_PATH)
}

/// The login page URL under `webmail_url` (checked as for [`dologin_url`]).
pub fn login_page_url(webmail_url: &str) -> String {
    under(webmail_url, LOGIN_PAGE_PATH)
}

/// `path` under the base URL `webmail_url`, with exactly one slash between them.
fn under(webmail_url: &str, path: &str) -> String {
    let separator = if webmail_url.ends_with('/') { "" } else { "/" };
    format!("{webmail_url}{separator}{path}")
}

/// Whether a webmail login page's HTML asks for a CSRF token with the login (sign-in protection).
pub fn login_needs_token(login_page_html: &str) -> bool {
    login_page_html.contains(&format!("name=\"{CSRF_FIELD}\""))
}

/// Runs `work` while [`webmail_csrf`] reads the webmail login page over a connection of its own
/// (a client with the admin session's certificate trust that never logs in): the page's connect,
/// TLS handshake and request overlap the session's exchanges instead of following them, three
/// round trips fewer for SSO and Test Connection at a distance (make bench). Without
/// `webmail_url` no page is read and the answer is `None`.
pub fn alongside_webmail_csrf<T>(
    server: &ServerSettings,
    webmail_url: Option<&str>,
    work: impl FnOnce() -> Result<T, Error>,
) -> Result<(T, Option<bool>), Error> {
    let Some(url) = webmail_url else {
        return work().map(|value| (value, None));
    };
    let mut page_client = kerio_api::Client::new(server.client_config()?)?;
    std::thread::scope(|scope| {
        let page = scope.spawn(move || webmail_csrf(&mut page_client, url));
        let outcome = work();
        let csrf = page.join().unwrap_or(None);
        outcome.map(|value| (value, csrf))
    })
}

/// Whether the server's webmail sign-in needs a CSRF token: read from its login page; `None`
/// when the page could not be read (unknown).
fn webmail_csrf(client: &mut kerio_api::Client, webmail_url: &str) -> Option<bool> {
    client
        .fetch_page(&login_page_url(webmail_url))
        .ok()
        .map(|html| login_needs_token(&html))
}

/// The refusal of SSO on a server with sign-in protection (names the address to sign in with).
pub fn protected_error(address: &str, webmail_url: &str) -> Error {
    Error::new(
        Code::SsoProtected,
        format!("This server's webmail sign-in is protected against automatic sign-in (it asks for a kerio_csrf_token bound to the browser), so single sign-on cannot sign {address} in."),
        format!("Open {webmail_url} and sign in with {address} and the mailbox password; or switch SSO off for the product."),
    )
}

/// Renders the auto-submitting login page for `username` (the full address) and `password`.
pub fn login_page(webmail_url: &str, username: &str, password: &str) -> Result<SsoPage, Error> {
    let action = dologin_url(webmail_url);
    let html = format!(
        concat!(
            "<!doctype html>\n",
            "<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"referrer\" content=\"no-referrer\">",
            "<meta name=\"robots\" content=\"noindex\">",
            "<title>Opening webmail</title></head>\n",
            "<body>\n",
            "<form id=\"kerio-sso\" method=\"post\" action=\"{action}\" autocomplete=\"off\">\n",
            "<input type=\"hidden\" name=\"kerio_username\" value=\"{username}\">\n",
            "<input type=\"hidden\" name=\"kerio_password\" value=\"{password}\">\n",
            "<noscript><p>JavaScript is turned off. Press the button to open webmail.</p>",
            "<button type=\"submit\">Open webmail</button></noscript>\n",
            "</form>\n",
            "<script>document.getElementById(\"kerio-sso\").submit();</script>\n",
            "</body></html>\n"
        ),
        action = escape_html(&action),
        username = escape_html(username),
        password = escape_html(password),
    );
    Ok(SsoPage { html, action })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_html_special_character() {
        assert_eq!(
            escape_html(r#"a&b<c>d"e'f"#),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f"
        );
        assert_eq!(escape_html("plain % + \\ #"), "plain % + \\ #");
    }

    #[test]
    fn a_login_page_with_the_token_field_needs_a_token() {
        let protected = r#"<form><input type="hidden" name="kerio_csrf_token" value="ab12">"#;
        assert!(login_needs_token(protected));
        assert!(!login_needs_token(r#"<form><input name="kerio_username">"#));
        assert_eq!(
            login_page_url("https://mail.example.com/webmail"),
            "https://mail.example.com/webmail/login/"
        );
    }

    #[test]
    fn builds_the_dologin_url_with_or_without_trailing_slash() {
        assert_eq!(
            dologin_url("https://mail.example.com/webmail/"),
            "https://mail.example.com/webmail/login/dologin"
        );
        assert_eq!(
            dologin_url("https://mail.example.com/webmail"),
            "https://mail.example.com/webmail/login/dologin"
        );
    }

    #[test]
    fn password_is_escaped_in_the_form_body_only() {
        let password = r#"p&s"w<o>r'd \%+ #"#;
        let page = login_page(
            "https://mail.example.com/webmail/",
            "jdoe@example.com",
            password,
        )
        .unwrap();
        assert!(!page.html.contains(password));
        assert!(page
            .html
            .contains(r#"name="kerio_password" value="p&amp;s&quot;w&lt;o&gt;r&#39;d \%+ #""#));
        assert!(!page.action.contains("p&s"));
        assert!(page
            .html
            .contains(r#"action="https://mail.example.com/webmail/login/dologin""#));
        assert!(page.html.contains("method=\"post\""));
        assert!(page.html.contains("<noscript>"));
        assert!(page.html.contains(".submit()"));
    }

    #[test]
    fn username_and_action_are_escaped() {
        let page = login_page("https://h/a&b/", "x\"><script>@example.com", "pw").unwrap();
        assert!(page
            .html
            .contains("action=\"https://h/a&amp;b/login/dologin\""));
        assert!(page
            .html
            .contains("value=\"x&quot;&gt;&lt;script&gt;@example.com\""));
        assert_eq!(page.html.matches("<script>").count(), 1);
    }
}

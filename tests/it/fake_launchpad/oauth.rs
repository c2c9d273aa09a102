//! OAuth 1.0 as Launchpad speaks it: the PLAINTEXT signature (`&` + token secret, consumer
//! secrets being empty) checked on every web service request as `WebServicePublication.
//! getPrincipal` checks it, anonymous access for requests without a token, and the token
//! exchange of the web site (`+request-token`, `+authorize-token`, `+access-token`) as
//! `lp.services.oauth.browser` serves it. Texts and statuses follow Launchpad's code; the check
//! of used nonces follows the Launchpad of 2009–2016 (today's no longer keeps nonces).

use std::collections::HashSet;

use serde_json::json;
use sha2::{Digest, Sha256};

use super::model::BOT;
use super::params::{ApiError, Form, hex};
use crate::fake_gitlab::params::decode_component;

/// The access token that exists from the start, with any consumer key.
pub const TOKEN: &str = "docket-token";
pub const TOKEN_SECRET: &str = "docket-secret";
/// `OAUTH_CHALLENGE`, sent with the 401s of the token pages.
const CHALLENGE: &str = "OAuth realm=\"https://api.launchpad.net\"";
/// The access levels a person may grant (`OAuthPermission`, without desktop integration).
const ACCESS_LEVELS: [(&str, &str); 5] = [
    ("UNAUTHORIZED", "No Access"),
    ("READ_PUBLIC", "Read Non-Private Data"),
    ("WRITE_PUBLIC", "Change Non-Private Data"),
    ("READ_PRIVATE", "Read Anything"),
    ("WRITE_PRIVATE", "Change Anything"),
];

/// A person's answer to a request token.
#[derive(Debug, Clone, PartialEq)]
enum Review {
    Pending,
    Approved(String),
    Declined,
}

struct RequestToken {
    key: String,
    secret: String,
    consumer: String,
    review: Review,
}

struct AccessToken {
    key: String,
    secret: String,
    /// `None` for the token that exists from the start, which any consumer may use.
    consumer: Option<String>,
    person: String,
}

/// Who a web service request is made by.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    Anonymous,
    Person(String),
}

/// Consumers, request and access tokens, and the nonces used with each access token.
pub struct Tokens {
    consumers: Vec<String>,
    requests: Vec<RequestToken>,
    access: Vec<AccessToken>,
    nonces: HashSet<(String, String, String)>,
    issued: u64,
}

/// A text answer of the token pages.
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Page {
    fn text(status: u16, body: &str) -> Self {
        Self { status, content_type: "text/plain;charset=utf-8", headers: Vec::new(), body: body.to_owned() }
    }

    /// `request.unauthorized(OAUTH_CHALLENGE)` with a body.
    fn challenge(body: &str) -> Self {
        Self { headers: vec![("WWW-Authenticate".to_owned(), CHALLENGE.to_owned())], ..Self::text(401, body) }
    }
}

/// OAuth parameters of a request: the `Authorization: OAuth …` header's (the realm skipped, as
/// Launchpad's `_split_header` skips it), or else the request's form.
pub fn oauth_params(authorization: Option<&str>, form: &Form) -> Vec<(String, String)> {
    match authorization.and_then(|header| header.strip_prefix("OAuth ")) {
        Some(header) => header
            .split(',')
            .filter(|param| !param.contains("realm"))
            .filter_map(|param| param.trim().split_once('='))
            .map(|(name, value)| (name.to_owned(), decode_component(value.trim_matches('"'), false)))
            .collect(),
        None => form
            .names()
            .into_iter()
            .filter(|name| name.starts_with("oauth_"))
            .filter_map(|name| form.raw(name).map(|value| (name.to_owned(), value.to_owned())))
            .collect(),
    }
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
}

/// `check_oauth_signature`: PLAINTEXT only, `<consumer secret>&<token secret>` with the
/// consumer secret empty. `Err` carries the status Launchpad sets (400 for another method).
fn check_signature(params: &[(String, String)], token_secret: &str) -> Result<(), u16> {
    if get(params, "oauth_signature_method") != Some("PLAINTEXT") {
        return Err(400);
    }
    match get(params, "oauth_signature").unwrap_or_default().split('&').collect::<Vec<_>>().as_slice() {
        ["", secret] if *secret == token_secret => Ok(()),
        _ => Err(401),
    }
}

impl Tokens {
    pub fn new() -> Self {
        Self {
            consumers: Vec::new(),
            requests: Vec::new(),
            access: vec![AccessToken {
                key: TOKEN.to_owned(),
                secret: TOKEN_SECRET.to_owned(),
                consumer: None,
                person: BOT.to_owned(),
            }],
            nonces: HashSet::new(),
            issued: 0,
        }
    }

    /// A new key (20 characters) and secret (80), as Launchpad's `create_token` sizes them.
    fn new_key_and_secret(&mut self) -> (String, String) {
        self.issued += 1;
        let digest = |seed: String| -> String { hex(&Sha256::digest(seed.as_bytes())) };
        let key = digest(format!("key {}", self.issued))[..20].to_owned();
        let secret = [digest(format!("secret {}", self.issued)), digest(format!("more {}", self.issued))].concat()
            [..80]
            .to_owned();
        (key, secret)
    }

    pub fn request_token_keys(&self) -> Vec<String> {
        self.requests.iter().map(|token| token.key.clone()).collect()
    }

    pub fn access_token_keys(&self) -> Vec<String> {
        self.access.iter().map(|token| token.key.clone()).collect()
    }

    /// A person's answer on the `+authorize-token` page; `None` declines. Panics on a token
    /// that does not exist or was reviewed already.
    pub fn review(&mut self, key: &str, person: Option<&str>) {
        let token = self
            .requests
            .iter_mut()
            .find(|token| token.key == key)
            .unwrap_or_else(|| panic!("the fake Launchpad has no request token {key:?}"));
        assert_eq!(token.review, Review::Pending, "Request tokens can be reviewed only once.");
        token.review = person.map_or(Review::Declined, |person| Review::Approved(person.to_owned()));
    }

    /// Who makes a web service request, as `WebServicePublication.getPrincipal` decides.
    pub fn authenticate(&mut self, params: &[(String, String)]) -> Result<Principal, ApiError> {
        let unauthorized = |text: String| ApiError::new(401, text);
        let token_key = get(params, "oauth_token").unwrap_or_default();
        let Some(consumer) = get(params, "oauth_consumer_key") else {
            // No OAuth at all: an anonymous request (Launchpad names the consumer after the
            // User-Agent).
            return Ok(Principal::Anonymous);
        };
        if token_key.is_empty() {
            if consumer.is_empty() {
                return Err(unauthorized("No consumer key specified.".to_owned()));
            }
            return Ok(Principal::Anonymous);
        }
        let known_consumer = self.consumers.iter().any(|known| known == consumer);
        let Some(token) = self
            .access
            .iter()
            .find(|token| token.key == token_key && token.consumer.as_ref().is_none_or(|owner| owner == consumer))
        else {
            if !known_consumer && !self.access.iter().any(|token| token.key == token_key && token.consumer.is_none()) {
                return Err(unauthorized(format!("Unknown consumer ({consumer}).")));
            }
            return Err(unauthorized(format!("Unknown access token ({token_key}).")));
        };
        let nonce = (
            token.key.clone(),
            get(params, "oauth_nonce").unwrap_or_default().to_owned(),
            get(params, "oauth_timestamp").unwrap_or_default().to_owned(),
        );
        if self.nonces.contains(&nonce) {
            return Err(unauthorized("This nonce has been used already.".to_owned()));
        }
        if check_signature(params, &token.secret).is_err() {
            return Err(unauthorized("Invalid signature.".to_owned()));
        }
        let person = token.person.clone();
        self.nonces.insert(nonce);
        Ok(Principal::Person(person))
    }

    /// `POST /+request-token` (`OAuthRequestTokenView`).
    pub fn request_token(&mut self, params: &[(String, String)], wants_json: bool) -> Page {
        let consumer = get(params, "oauth_consumer_key").unwrap_or_default().to_owned();
        if consumer.is_empty() {
            return Page::challenge("");
        }
        if !self.consumers.contains(&consumer) {
            self.consumers.push(consumer.clone());
        }
        match check_signature(params, "") {
            Err(400) => return Page::text(400, ""),
            Err(_) => return Page::challenge(""),
            Ok(()) => {}
        }
        let (key, secret) = self.new_key_and_secret();
        self.requests.push(RequestToken {
            key: key.clone(),
            secret: secret.clone(),
            consumer: consumer.clone(),
            review: Review::Pending,
        });
        if wants_json {
            let levels: Vec<_> =
                ACCESS_LEVELS.iter().map(|(value, title)| json!({ "value": value, "title": title })).collect();
            let body = json!({
                "oauth_token": key,
                "oauth_token_consumer": consumer,
                "oauth_token_secret": secret,
                "access_levels": levels,
            });
            return Page { content_type: "application/json", ..Page::text(200, &body.to_string()) };
        }
        Page::text(200, &format!("oauth_token={key}&oauth_token_secret={secret}"))
    }

    /// `GET /+authorize-token?oauth_token=…`: the page where a person would allow or deny the
    /// application (here: [`Tokens::review`]).
    pub fn authorize_page(&self, form: &Form) -> Page {
        let key = form.raw("oauth_token").unwrap_or_default();
        let body = match self.requests.iter().find(|token| token.key == key) {
            Some(token) => {
                let buttons: Vec<String> = ACCESS_LEVELS
                    .iter()
                    .map(|(value, title)| {
                        format!("<input type=\"submit\" name=\"field.actions.{value}\" value=\"{title}\" />")
                    })
                    .collect();
                format!(
                    "<html><head><title>Authorize application to access Launchpad on your behalf</title></head>\
                     <body><h1>Authorize application to access Launchpad on your behalf</h1>\
                     <p>The application identified as <strong>{}</strong> wants to access Launchpad on your behalf.</p>\
                     <form method=\"post\">{}</form></body></html>",
                    token.consumer,
                    buttons.join("")
                )
            }
            None => {
                "<html><body><p>Unable to identify application. The request token may have expired.</p></body></html>"
                    .to_owned()
            }
        };
        Page { content_type: "text/html;charset=utf-8", ..Page::text(200, &body) }
    }

    /// `POST /+access-token` (`OAuthAccessTokenView`): a reviewed request token for an access
    /// token, once.
    pub fn access_token(&mut self, form: &Form, params: &[(String, String)]) -> Page {
        let consumer = form.raw("oauth_consumer_key").unwrap_or_default();
        if !self.consumers.iter().any(|known| known == consumer) {
            return Page::challenge("");
        }
        let key = form.raw("oauth_token").unwrap_or_default();
        let Some(index) = self.requests.iter().position(|token| token.key == key && token.consumer == consumer) else {
            return Page::challenge("No request token specified.");
        };
        match check_signature(params, &self.requests[index].secret) {
            Err(400) => return Page::text(400, "Invalid OAuth signature."),
            Err(_) => return Page::challenge("Invalid OAuth signature."),
            Ok(()) => {}
        }
        let person = match self.requests[index].review.clone() {
            Review::Pending => return Page::challenge("Request token has not yet been reviewed. Try again later."),
            Review::Declined => return Page::text(403, "End-user refused to authorize request token."),
            Review::Approved(person) => person,
        };
        let request = self.requests.remove(index);
        let (key, secret) = self.new_key_and_secret();
        self.access.push(AccessToken {
            key: key.clone(),
            secret: secret.clone(),
            consumer: Some(request.consumer),
            person,
        });
        Page::text(200, &format!("oauth_token={key}&oauth_token_secret={secret}&lp.context=None"))
    }
}

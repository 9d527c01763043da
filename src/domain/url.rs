//! Addresses people type into fields: the site's own URL, a gift, a webhook, a feature image.
//! Each rule is one pattern, matched by the server and published in the OpenAPI document as is,
//! so what the document allows is exactly what is accepted. Hosts are ASCII names (an
//! internationalized name in its `xn--` form is not accepted) or IPv4 addresses; paths are
//! printable ASCII (percent-encode the rest), without a backslash, which browsers read as `/`.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::text::{WHITESPACE, string_schema};

/// The longest URL accepted, in characters.
pub const MAX_URL_CHARS: usize = 2000;

const LABEL: &str = "[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*";
/// The last label starts with a letter: an all-digit name would be read as an IPv4 number.
const TOP_LABEL: &str = "[A-Za-z](?:[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)";
const OCTET: &str = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const PORT: &str = "(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0))?";
/// Printable ASCII but the backslash.
const URL_CHARS: &str = r"[!-\[\]-~]";

fn absolute() -> String {
    format!(
        r"https?://(?:(?:{LABEL}\.)*{TOP_LABEL}|(?:{OCTET}\.){{3}}{OCTET}){PORT}(?:[/?#]{URL_CHARS}*)?"
    )
}

/// A path on this server: `/` and not `//` (which would be another host).
fn local_path() -> String {
    format!(r"/(?:[!-.0-\[\]-~]{URL_CHARS}*)?")
}

/// White space at either end is allowed (and trimmed).
fn whole(core: &str) -> String {
    format!("^[{WHITESPACE}]*(?:{core})[{WHITESPACE}]*$")
}

macro_rules! url_rule {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $error:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl $name {
            pub fn pattern() -> String {
                $pattern
            }

            /// The trimmed URL, or why not.
            pub fn parse(raw: &str) -> Result<String, String> {
                static RULE: LazyLock<Regex> =
                    LazyLock::new(|| Regex::new(&$name::pattern()).expect("URL pattern"));
                if raw.chars().count() > MAX_URL_CHARS {
                    return Err(format!("must be at most {MAX_URL_CHARS} characters"));
                }
                if !RULE.is_match(raw) {
                    return Err($error.into());
                }
                Ok(raw.trim().to_string())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_schema(0, MAX_URL_CHARS, &Self::pattern())
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

url_rule!(
    /// An absolute `http://` or `https://` URL.
    HttpUrl,
    whole(&absolute()),
    "must be an absolute http:// or https:// URL"
);

url_rule!(
    /// An absolute http(s) URL, or blank for none.
    HttpUrlOrBlank,
    whole(&format!("{}|", absolute())),
    "must be an absolute http:// or https:// URL, or empty"
);

url_rule!(
    /// An image by absolute http(s) URL or by a path on this server such as `/media/...`.
    ImageUrl,
    whole(&format!("{}|{}", absolute(), local_path())),
    "must be an absolute http(s) URL or a path starting with /"
);

/// A page on the frontend: an absolute http(s) URL, or a path under the site's URL, that holds
/// one of the `placeholders` (e.g. `slug|id`).
fn page_template(placeholders: &str) -> String {
    let host =
        format!(r"https?://(?:(?:{LABEL}\.)*{TOP_LABEL}|(?:{OCTET}\.){{3}}{OCTET}){PORT}[/?#]");
    format!(
        r"(?:{host}{URL_CHARS}*|/(?:[!-.0-\[\]-~]{URL_CHARS}*)?)\{{(?:{placeholders})\}}{URL_CHARS}*"
    )
}

/// A filled-in template as an absolute URL: a path is put under `base` (the site's URL).
pub fn url_under(base: &str, filled: String) -> String {
    if filled.starts_with('/') {
        format!("{}{filled}", base.trim_end_matches('/'))
    } else {
        filled
    }
}

url_rule!(
    /// Where the site's frontend shows a post, e.g. `/posts/{slug}`, `/post.html?slug={slug}` or
    /// `https://blog.example/{id}`.
    PostUrlTemplate,
    whole(&page_template("slug|id")),
    "must be a path starting with / or an absolute http(s) URL, holding {slug} or {id}"
);

url_rule!(
    /// Where an e-mailed link leads on the frontend, e.g. `/confirm.html?token={token}`, or
    /// blank for the API's own endpoint.
    TokenUrlTemplate,
    whole(&format!("{}|", page_template("token"))),
    "must be a path starting with / or an absolute http(s) URL holding {token}, or empty"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_need_a_scheme_and_a_host() {
        for good in [
            "https://example.com/gift",
            " http://localhost:8080 ",
            "https://127.0.0.1/x?y=1#z",
            "https://a-b.example.co.uk",
        ] {
            assert!(HttpUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "example.com",
            "ftp://x",
            "https://",
            "https:///x",
            "http://a b",
            "javascript:alert(1)",
            "https://1.2.3.999/",
            "https://x:65536/",
            "https://a--b.example/",
            "https://user@example.com/",
            "https://example.com/\\evil",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn post_url_templates_hold_a_slug_or_an_id() {
        for good in [
            "/posts/{slug}",
            "/post.html?slug={slug}",
            "/{id}",
            "https://blog.example/{slug}/",
            "http://localhost:3000/p/{id}-{slug}",
        ] {
            assert!(PostUrlTemplate::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "/posts/",
            "posts/{slug}",
            "//evil.example/{slug}",
            "https://blog.example{slug}",
            "/posts/{title}",
            "/a b/{slug}",
            "javascript:{slug}",
        ] {
            assert!(PostUrlTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_url_templates_hold_a_token_or_are_blank() {
        for good in [
            "/unsubscribe.html?token={token}",
            "https://b.example/c/{token}",
            " ",
        ] {
            assert!(TokenUrlTemplate::parse(good).is_ok(), "{good}");
        }
        for bad in ["/confirm.html", "/p/{slug}", "//evil.example/{token}"] {
            assert!(TokenUrlTemplate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            url_under("https://b.example/", "/c?t=1".into()),
            "https://b.example/c?t=1"
        );
        assert_eq!(
            url_under("https://b.example", "https://o.example/".into()),
            "https://o.example/"
        );
    }

    #[test]
    fn every_accepted_url_parses() {
        for ok in ["https://x9", "http://0.0.0.0:0/", "https://a.b-c.d/?%zz#[]"] {
            let url = HttpUrl::parse(ok).expect(ok);
            assert!(reqwest::Url::parse(&url).is_ok(), "{url}");
        }
    }

    #[test]
    fn images_are_urls_or_local_paths() {
        assert!(ImageUrl::parse("/media/a.png").is_ok());
        assert!(ImageUrl::parse("https://images.example/a.png").is_ok());
        assert!(ImageUrl::parse("/").is_ok());
        for bad in [
            "//evil.example/a.png",
            "/\\evil.example",
            "media/a.png",
            "/a b",
        ] {
            assert!(ImageUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(HttpUrlOrBlank::parse("  "), Ok(String::new()));
    }
}

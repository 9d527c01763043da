use crate::db::models::Site;

/// Where e-mailed links lead, decided once at start-up from the public URL and whether a site
/// is served at `/`, and then by the site's settings (`for_site`): services put tokens and ids
/// into them, and never know a route.
#[derive(Debug, Clone)]
pub struct Links {
    /// Where the confirmation link leads, `{token}` to fill in.
    confirm: String,
    /// Where the unsubscribe link in an e-mail's text leads, `{token}` to fill in.
    unsubscribe: String,
    /// Where a draft preview link leads, `{token}` to fill in.
    preview: String,
    /// The API's one-click endpoint (RFC 8058), `?token=` to follow: mail clients POST to it.
    one_click: String,
    /// The moderation address of one comment, without the id.
    comments: String,
}

impl Links {
    /// With a site served, people land on its confirmation page rather than on JSON.
    pub fn new(public_url: &str, site_served: bool) -> Links {
        let base = public_url.trim_end_matches('/');
        Links {
            confirm: if site_served {
                format!("{base}/confirm.html?token={{token}}")
            } else {
                format!("{base}/api/v1/subscribers/confirm?token={{token}}")
            },
            unsubscribe: format!("{base}/api/v1/subscribers/unsubscribe?token={{token}}"),
            preview: format!("{base}/api/v1/preview/{{token}}"),
            one_click: format!("{base}/api/v1/subscribers/unsubscribe?token="),
            comments: format!("{base}/api/v1/comments/"),
        }
    }

    /// These links with the site's own pages for them, where it names any (`confirm_url`,
    /// `unsubscribe_url`; a path is under the site's URL).
    pub fn for_site(&self, site: &Site) -> Links {
        let page = |template: &str, default: &str| match template {
            "" => default.to_string(),
            t => crate::domain::url_under(&site.url, t.to_string()),
        };
        Links {
            confirm: page(&site.confirm_url, &self.confirm),
            unsubscribe: page(&site.unsubscribe_url, &self.unsubscribe),
            preview: page(&site.preview_url, &self.preview),
            ..self.clone()
        }
    }

    pub fn confirm(&self, token: &str) -> String {
        self.confirm.replace("{token}", token)
    }

    /// The link in an e-mail's text: a page that unsubscribes when opened.
    pub fn unsubscribe(&self, token: &str) -> String {
        self.unsubscribe.replace("{token}", token)
    }

    /// A draft preview link: the site's preview page, or the API's read of it.
    pub fn preview(&self, token: &str) -> String {
        self.preview.replace("{token}", token)
    }

    /// The `List-Unsubscribe` header's URL: always the API, which mail clients POST to.
    pub fn one_click(&self, token: &str) -> String {
        format!("{}{token}", self.one_click)
    }

    pub fn comment(&self, id: &str) -> String {
        format!("{}{id}", self.comments)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_site() {
        let api = Links::new("http://x.test/", false);
        assert_eq!(
            api.confirm("t"),
            "http://x.test/api/v1/subscribers/confirm?token=t"
        );
        assert_eq!(
            api.unsubscribe("u"),
            "http://x.test/api/v1/subscribers/unsubscribe?token=u"
        );
        assert_eq!(api.comment("c"), "http://x.test/api/v1/comments/c");
        assert_eq!(
            Links::new("http://x.test", true).confirm("t"),
            "http://x.test/confirm.html?token=t"
        );
    }

    #[test]
    fn the_site_can_name_its_own_pages() {
        let mut site = crate::db::models::Site {
            id: 1,
            title: String::new(),
            description: String::new(),
            url: "https://blog.example/".into(),
            gift_title: String::new(),
            gift_description: String::new(),
            gift_url: String::new(),
            comments_moderated: true,
            updated_at: chrono::NaiveDateTime::default(),
            post_url: "/posts/{slug}".into(),
            confirm_url: "/welcome?t={token}".into(),
            unsubscribe_url: String::new(),
            preview_url: String::new(),
        };
        let links = Links::new("http://api.example", false);
        let own = links.for_site(&site);
        assert_eq!(own.confirm("t"), "https://blog.example/welcome?t=t");
        assert_eq!(own.preview("p"), "http://api.example/api/v1/preview/p");
        assert_eq!(
            own.unsubscribe("u"),
            "http://api.example/api/v1/subscribers/unsubscribe?token=u"
        );
        site.unsubscribe_url = "https://o.example/bye/{token}".into();
        let own = links.for_site(&site);
        assert_eq!(own.unsubscribe("u"), "https://o.example/bye/u");
        assert_eq!(
            own.one_click("u"),
            "http://api.example/api/v1/subscribers/unsubscribe?token=u"
        );
    }
}

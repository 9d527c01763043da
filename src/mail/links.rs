/// Where e-mailed links lead, decided once at start-up from the public URL and whether a site
/// is served at `/`: services put tokens and ids into them, and never know a route.
#[derive(Debug, Clone)]
pub struct Links {
    /// `?token=` follows.
    confirm: String,
    /// `?token=` follows.
    unsubscribe: String,
    /// The moderation address of one comment, without the id.
    comments: String,
}

impl Links {
    /// With a site served, people land on its confirmation page rather than on JSON.
    pub fn new(public_url: &str, site_served: bool) -> Links {
        let base = public_url.trim_end_matches('/');
        Links {
            confirm: if site_served {
                format!("{base}/confirm.html")
            } else {
                format!("{base}/api/v1/subscribers/confirm")
            },
            unsubscribe: format!("{base}/api/v1/subscribers/unsubscribe"),
            comments: format!("{base}/api/v1/comments/"),
        }
    }

    pub fn confirm(&self, token: &str) -> String {
        format!("{}?token={token}", self.confirm)
    }

    pub fn unsubscribe(&self, token: &str) -> String {
        format!("{}?token={token}", self.unsubscribe)
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
}

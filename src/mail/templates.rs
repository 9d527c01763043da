//! Every e-mail Byline writes, one function each: plain values in, subject and text out. Nothing
//! here reads the database or knows a route; links come in ready-made (see `Links`).

/// An e-mail's words, before it has an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    /// An HTML alternative to `text`, for e-mails that carry one (newsletters).
    pub html: Option<String>,
}

/// How long a confirmation link works.
pub const CONFIRM_HOURS: i64 = 48;

/// The double opt-in: "please confirm", with the link.
pub fn confirm_subscription(
    site_title: &str,
    gift_title: &str,
    name: Option<&str>,
    confirm_url: &str,
    unsubscribe_url: &str,
) -> Message {
    let hello = name.map(|n| format!(" {n}")).unwrap_or_default();
    let gift = if gift_title.is_empty() {
        String::new()
    } else {
        format!(" and get \"{gift_title}\"")
    };
    Message {
        subject: format!("Confirm your subscription to {site_title}"),
        text: format!(
            "Hello{hello},\n\nPlease confirm your subscription to {site_title}{gift}:\n\n{confirm_url}\n\n\
             The link works for {CONFIRM_HOURS} hours. If you did not sign up, ignore this e-mail.\n\n\
             Unsubscribe: {unsubscribe_url}\n"
        ),
        html: None,
    }
}

/// The gift a confirmed subscriber gets, when the site offers one.
pub struct Gift<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub description: &'a str,
}

/// After confirmation: thanks, and the gift.
pub fn welcome(site_title: &str, gift: Option<Gift<'_>>, unsubscribe_url: &str) -> Message {
    let gift = gift
        .map(|g| {
            format!(
                "Here is your gift, {}:\n\n{}\n\n{}\n\n",
                g.title, g.url, g.description
            )
        })
        .unwrap_or_default();
    Message {
        subject: format!("Welcome to {site_title}"),
        text: format!(
            "Thank you for confirming your subscription to {site_title}.\n\n{gift}Unsubscribe: {unsubscribe_url}\n"
        ),
        html: None,
    }
}

/// To the site owner: a comment waits for moderation.
pub fn comment_awaiting_moderation(
    post_title: &str,
    author_name: &str,
    body: &str,
    moderation_url: &str,
) -> Message {
    Message {
        subject: format!("New comment awaiting moderation on \"{post_title}\""),
        text: format!(
            "{author_name} wrote on \"{post_title}\":\n\n{body}\n\nModerate it: PATCH {moderation_url}\n"
        ),
        html: None,
    }
}

/// To the site owner: a copy of a contact message (replies go to the sender).
pub fn contact_copy(
    subject: Option<&str>,
    name: Option<&str>,
    email: &str,
    message: &str,
) -> Message {
    Message {
        subject: format!("Contact form: {}", subject.unwrap_or("(no subject)")),
        text: format!("From: {} <{email}>\n\n{message}\n", name.unwrap_or("")),
        html: None,
    }
}

/// What a newsletter copy is made of; `html` is the post's sanitized HTML.
pub struct Newsletter<'a> {
    pub site_title: &'a str,
    pub subject: &'a str,
    pub post_title: &'a str,
    pub post_url: &'a str,
    pub html: &'a str,
    pub text: &'a str,
    /// Where this server is: the post's own links and images (`/media/...`) become absolute.
    pub public_url: &'a str,
}

/// A post as an e-mail: the text, and the HTML in a plain, readable layout with inline styles
/// (mail clients drop style sheets and never run scripts), the reader's own unsubscribe link
/// at the end of both.
pub fn newsletter(n: &Newsletter<'_>, unsubscribe_url: &str) -> Message {
    let Newsletter {
        site_title,
        subject,
        post_title,
        post_url,
        html,
        text,
        public_url,
    } = n;
    let base = public_url.trim_end_matches('/');
    // Mail clients drop style sheets: the few elements that need it get inline styles.
    let absolute = html
        .replace("src=\"/", &format!("src=\"{base}/"))
        .replace("href=\"/", &format!("href=\"{base}/"))
        .replace("<img ", "<img style=\"max-width:100%;height:auto\" ")
        .replace(
            "<pre>",
            "<pre style=\"white-space:pre-wrap;word-wrap:break-word;background:#f6f6f6;\
             padding:12px;font-size:14px;line-height:1.4\">",
        )
        .replace(
            "<blockquote>",
            "<blockquote style=\"margin:16px 0;padding:0 16px;border-left:4px solid #ddd;color:#555\">",
        );
    let (site, title, url, unsubscribe) = (
        escape(site_title),
        escape(post_title),
        escape(post_url),
        escape(unsubscribe_url),
    );
    let font =
        "font-family:Georgia,'Times New Roman',serif;font-size:18px;line-height:1.6;color:#222";
    Message {
        subject: subject.to_string(),
        text: format!(
            "{site_title}\n\n{post_title}\n{post_url}\n\n{text}\n\n-- \nRead it on the site: {post_url}\n\
             Unsubscribe: {unsubscribe_url}\n"
        ),
        html: Some(format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\n\
             <body style=\"margin:0;padding:0;background:#f4f4f4\">\n\
             <div style=\"max-width:600px;margin:0 auto;padding:24px;background:#ffffff;{font}\">\n\
             <p style=\"margin:0 0 8px;font-size:14px;color:#666\">{site}</p>\n\
             <h1 style=\"margin:0 0 24px;font-size:28px;line-height:1.25\">\
             <a href=\"{url}\" style=\"color:#222;text-decoration:none\">{title}</a></h1>\n\
             <div>\n{absolute}\n</div>\n\
             <hr style=\"border:none;border-top:1px solid #ddd;margin:32px 0 16px\">\n\
             <p style=\"margin:0;font-size:14px;color:#666\">\
             <a href=\"{url}\" style=\"color:#0645ad\">Read it on the site</a> &middot;\n\
             <a href=\"{unsubscribe}\" style=\"color:#666\">Unsubscribe</a></p>\n\
             </div></body></html>\n"
        )),
    }
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_names_the_gift_and_both_links() {
        let m = confirm_subscription("Blog", "Video", Some("Ann"), "https://c", "https://u");
        assert_eq!(m.subject, "Confirm your subscription to Blog");
        assert!(m.text.starts_with("Hello Ann,"));
        assert!(m.text.contains("and get \"Video\":\n\nhttps://c\n"));
        assert!(m.text.ends_with("Unsubscribe: https://u\n"));
    }

    #[test]
    fn the_welcome_has_the_gift_only_when_there_is_one() {
        let gift = Gift {
            title: "Video",
            url: "https://g",
            description: "Lessons",
        };
        assert!(
            welcome("Blog", Some(gift), "https://u")
                .text
                .contains("https://g")
        );
        assert!(!welcome("Blog", None, "https://u").text.contains("gift"));
    }
}

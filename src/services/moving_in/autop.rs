//! WordPress stores a classic post as text with line breaks, and renders it through `wpautop`
//! (blank lines → paragraphs, single line breaks → `<br>`) after expanding shortcodes. These do
//! the same for what an export holds, before the body is sanitized like any other.

use std::sync::LazyLock;

use regex::Regex;

/// The block elements `wpautop` never wraps in a paragraph.
const BLOCKS: &str = "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|iframe|video|audio|object";

static BLOCK_OPEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)(<(?:{BLOCKS})[\s/>])")).expect("block open pattern")
});
static BLOCK_CLOSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i)(</(?:{BLOCKS})>)")).expect("block close pattern"));
static STARTS_WITH_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)^</?(?:{BLOCKS})[\s/>]")).expect("block start pattern")
});
static PRE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<pre[\s>].*?</pre>").expect("pre pattern"));
static PARAGRAPH_BREAK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\n[ \t]*\n\s*").expect("paragraph break pattern"));

/// WordPress's paragraph rules: text split at blank lines becomes `<p>`s, a single line break
/// inside one a `<br />`; block elements stand alone and `<pre>` is left exactly as written.
/// Content from the block editor (it holds `<!-- wp:` markers) is already HTML and is returned
/// as it is, as WordPress does.
pub fn autop(text: &str) -> String {
    if text.contains("<!-- wp:") {
        return text.to_string();
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    // `<pre>` blocks are set aside, so nothing in them changes.
    let mut kept: Vec<String> = Vec::new();
    let text = PRE.replace_all(&text, |m: &regex::Captures<'_>| {
        kept.push(m[0].to_string());
        format!("\n\n<pre data-autop=\"{}\"></pre>\n\n", kept.len() - 1)
    });
    let text = BLOCK_OPEN.replace_all(&text, "\n\n$1");
    let text = BLOCK_CLOSE.replace_all(&text, "$1\n\n");
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for chunk in PARAGRAPH_BREAK.split(&text) {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        if let Some(n) = chunk
            .strip_prefix("<pre data-autop=\"")
            .and_then(|rest| rest.strip_suffix("\"></pre>"))
            .and_then(|n| n.parse::<usize>().ok())
            && let Some(pre) = kept.get(n)
        {
            out.push_str(pre);
        } else if STARTS_WITH_BLOCK.is_match(chunk) {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br />\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

static CAPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)\[caption([^\]]*)\](.*?)\[/caption\]").expect("caption pattern")
});
static CAPTION_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bcaption\s*=\s*"([^"]*)""#).expect("caption attribute"));
static IMAGE_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*((?:<a\s[^>]*>\s*)?<img\s[^>]*>(?:\s*</a>)?)\s*(.*?)\s*$")
        .expect("captioned image pattern")
});

/// `[caption ...]<img ...> The words[/caption]` becomes
/// `<figure><img ...><figcaption>The words</figcaption></figure>` (the words may also be in a
/// `caption="..."` attribute, as older versions wrote them).
pub fn captions_to_figures(html: &str) -> String {
    CAPTION
        .replace_all(html, |m: &regex::Captures<'_>| {
            let inner = &m[2];
            let (image, words) = match IMAGE_FIRST.captures(inner) {
                Some(parts) => (
                    parts[1].to_string(),
                    parts.get(2).map_or("", |w| w.as_str()).to_string(),
                ),
                None => (inner.to_string(), String::new()),
            };
            let words = if words.is_empty() {
                CAPTION_ATTR
                    .captures(&m[1])
                    .map_or(String::new(), |c| c[1].to_string())
            } else {
                words
            };
            if words.is_empty() {
                format!("<figure>{image}</figure>")
            } else {
                format!("<figure>{image}<figcaption>{words}</figcaption></figure>")
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_make_paragraphs_and_single_breaks_br() {
        let html = autop("First line\nsecond line\n\nSecond paragraph\n\n\n<h2>Head</h2>\nAfter");
        assert_eq!(
            html,
            "<p>First line<br />\nsecond line</p>\n<p>Second paragraph</p>\n<h2>Head</h2>\n<p>After</p>\n"
        );
    }

    #[test]
    fn lists_and_pre_stand_alone() {
        let html = autop("<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre>x\n\ny</pre>\ntail");
        assert_eq!(
            html,
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre>x\n\ny</pre>\n<p>tail</p>\n"
        );
    }

    #[test]
    fn block_editor_content_is_left_alone() {
        let html = "<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->";
        assert_eq!(autop(html), html);
    }

    #[test]
    fn captions_become_figures() {
        let html = captions_to_figures(
            r#"Before [caption id="attachment_6" align="alignright" width="300"]<a href="/big.jpg"><img src="/a.jpg" alt="A" /></a> The <em>view</em>[/caption] after"#,
        );
        assert_eq!(
            html,
            r#"Before <figure><a href="/big.jpg"><img src="/a.jpg" alt="A" /></a><figcaption>The <em>view</em></figcaption></figure> after"#
        );
        let old =
            captions_to_figures(r#"[caption caption="Old style"]<img src="/b.jpg">[/caption]"#);
        assert_eq!(
            old,
            r#"<figure><img src="/b.jpg"><figcaption>Old style</figcaption></figure>"#
        );
    }
}

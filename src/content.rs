//! Turning what authors write into what readers get: Markdown rendering, HTML sanitizing, plain
//! text for excerpts, search and reading time, and slugs from titles.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Markdown (CommonMark with tables, footnotes, strikethrough and task lists) to HTML. Headings
/// get ids derived from their text so readers can link to them. The result is not yet safe:
/// pass it through `sanitize`.
pub fn render_markdown(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut events: Vec<Event> = Parser::new_ext(markdown, options).collect();
    let mut used = Anchors::default();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id: None, .. }) = &events[i] {
            let text: String = events[i + 1..]
                .iter()
                .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let id = unique_anchor(&text, &mut used);
            if let Some(Event::Start(Tag::Heading { id: slot, .. })) = events.get_mut(i) {
                *slot = Some(CowStr::from(id));
            }
        }
        i += 1;
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Heading ids given so far, and per base the next number to try: numbering stays linear
/// however many headings share a name.
#[derive(Default)]
struct Anchors {
    used: HashSet<String>,
    next: HashMap<String, usize>,
}

fn unique_anchor(text: &str, anchors: &mut Anchors) -> String {
    let base = match slug::slugify(text) {
        s if s.is_empty() => "section".to_string(),
        s => s,
    };
    if anchors.used.insert(base.clone()) {
        return base;
    }
    let n = anchors.next.entry(base.clone()).or_insert(2);
    loop {
        let candidate = format!("{base}-{n}");
        *n += 1;
        if anchors.used.insert(candidate.clone()) {
            return candidate;
        }
    }
}

/// Elements may nest at most this deep in a post: far beyond what any article needs, and a
/// bound on the sanitizer's work, which grows with depth.
pub const MAX_NESTING: usize = 100;

/// Elements whose end tag is optional: a new one closes an open sibling, as browsers do.
const AUTO_CLOSING: [&str; 8] = ["p", "li", "dt", "dd", "option", "tr", "td", "th"];
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// How deep elements nest in `html`, about as a browser would build it. One pass; malformed
/// markup errs on the deep side.
pub fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut deepest = 0;
    let mut i = 0;
    while let Some(at) = html[i..].find('<').map(|p| p + i) {
        i = at + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |p| i + p + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name: String = html[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let end = html[start..].find('>').map_or(bytes.len(), |p| start + p);
        i = end.min(bytes.len());
        if name.is_empty() {
            continue;
        }
        if closing {
            if open.get(&name).is_some_and(|n| *n > 0) {
                while let Some(top) = stack.pop() {
                    if let Some(n) = open.get_mut(&top) {
                        *n -= 1;
                    }
                    if top == name {
                        break;
                    }
                }
            }
            continue;
        }
        let self_closing = end > 0 && bytes.get(end - 1) == Some(&b'/');
        if VOID.contains(&name.as_str()) || self_closing {
            continue;
        }
        if AUTO_CLOSING.contains(&name.as_str()) && stack.last() == Some(&name) {
            stack.pop();
            if let Some(n) = open.get_mut(&name) {
                *n -= 1;
            }
        }
        *open.entry(name.clone()).or_default() += 1;
        stack.push(name);
        deepest = deepest.max(stack.len());
    }
    deepest
}

/// Ids in a post are prefixed, and so are the in-page links to them, so a post can never take
/// the id of an element of the page around it (`<div id="comments">`).
pub const ID_PREFIX: &str = "post-";

fn filter_attribute<'u>(_element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match attribute {
        "id" => Some(Cow::Owned(format!("{ID_PREFIX}{value}"))),
        "href" | "src" => {
            // Browsers read `\` as `/`: `/\evil.example` would leave the site.
            if value.contains('\\') {
                None
            } else if let Some(fragment) = value.strip_prefix('#') {
                Some(Cow::Owned(format!("#{ID_PREFIX}{fragment}")))
            } else {
                Some(Cow::Borrowed(value))
            }
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input", "figure", "figcaption"])
        .add_tag_attribute_values("input", "type", ["checkbox"])
        .add_tag_attributes("input", ["checked", "disabled"])
        .add_tag_attributes("div", ["id", "class"])
        .add_tag_attributes("sup", ["id", "class"])
        .add_tag_attributes("code", ["class"])
        .attribute_filter(filter_attribute)
        .link_rel(Some("noopener noreferrer"));
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder
});

/// At most this much HTML comes out of one post's body, whatever it expands to.
pub const MAX_RENDERED_BYTES: usize = 8 << 20;

/// A post's body, rendered (Markdown) and sanitized, or why it cannot be: elements nested
/// deeper than `MAX_NESTING`, or more than `MAX_RENDERED_BYTES` of HTML. Checked before the
/// sanitizer runs, so its work stays bounded (linear in the size, times the depth).
pub fn render_post(source: Source<'_>) -> Result<String, String> {
    let raw = match source {
        Source::Markdown(md) => Cow::Owned(render_markdown(md)),
        Source::Html(html) => Cow::Borrowed(html),
    };
    if raw.len() > MAX_RENDERED_BYTES {
        return Err(format!(
            "renders to more than {} MiB of HTML",
            MAX_RENDERED_BYTES >> 20
        ));
    }
    if nesting_depth(&raw) > MAX_NESTING {
        return Err(format!("nests elements more than {MAX_NESTING} deep"));
    }
    Ok(sanitize(&raw))
}

/// What an author wrote a post's body in.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Markdown(&'a str),
    Html(&'a str),
}

/// Removes everything that could run in a reader's browser: scripts, event handlers,
/// `javascript:` URLs, SVG, styles. Links get `rel="noopener noreferrer"`.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The text of (sanitized) HTML, with tags removed and whitespace collapsed.
///
/// One pass over the sanitizer's own output (well-formed, comments gone, `<` in text escaped):
/// tags are skipped, quoted attribute values included, and each becomes a space so words in
/// adjacent blocks stay apart ("<p>a</p><p>b</p>").
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut quote: Option<char> = None;
    for c in html.chars() {
        match (in_tag, quote, c) {
            (false, _, '<') => {
                in_tag = true;
                text.push(' ');
            }
            (false, _, c) => text.push(c),
            (true, Some(q), c) if c == q => quote = None,
            (true, Some(_), _) => {}
            (true, None, '"' | '\'') => quote = Some(c),
            (true, None, '>') => in_tag = false,
            (true, None, _) => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of (sanitized) HTML as an e-mail's plain part reads it: paragraphs, headings,
/// quotes and code blocks apart by a blank line, list items on lines of their own ("- "), line
/// breaks kept; within a line, whitespace collapsed.
pub fn plain_text_blocks(html: &str) -> String {
    const BLOCKS: [&str; 13] = [
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "table",
        "figure",
    ];
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    // Line breaks in the source are spaces, but in `<pre>`.
    let mut in_pre = false;
    let push = |text: &mut String, s: &str, in_pre: bool| match in_pre {
        true => text.push_str(s),
        false => text.push_str(&s.replace(['\n', '\r'], " ")),
    };
    while let Some(open) = rest.find('<') {
        push(&mut text, &rest[..open], in_pre);
        let tag_end = tag_end(&rest[open..]).map_or(rest.len(), |e| open + e);
        let tag = &rest[open + 1..tag_end.saturating_sub(1).max(open + 1)];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if name == "pre" {
            in_pre = !closing;
        }
        match name.as_str() {
            "br" => text.push('\n'),
            "li" if !closing => text.push_str("\n- "),
            "tr" => text.push('\n'),
            n if BLOCKS.contains(&n) => text.push_str("\n\n"),
            _ => text.push(' '),
        }
        rest = &rest[tag_end..];
    }
    push(&mut text, rest, in_pre);
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        out.push_str(&line);
        out.push('\n');
        blank = false;
    }
    out.trim_end().to_string()
}

/// What an excerpt is made of: the text of (sanitized) HTML's paragraphs, outside headings,
/// lists, tables, code blocks, quotes and figures, inline markup adding no space
/// (`<em>quality</em>.` → `quality.`); paragraphs one space apart. A body with no such
/// paragraph (only a list, say) gives all of its text.
pub fn prose(html: &str) -> String {
    const NOT_PROSE: [&str; 13] = [
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "ul",
        "ol",
        "table",
        "blockquote",
        "figure",
        "dl",
    ];
    let mut text = String::with_capacity(html.len().min(64 * 1024));
    let mut rest = html;
    let mut in_paragraph = 0usize;
    let mut outside_prose = 0usize;
    while let Some(open) = rest.find('<') {
        if in_paragraph > 0 && outside_prose == 0 {
            text.push_str(&rest[..open]);
        }
        let tag_end = tag_end(&rest[open..]).map_or(rest.len(), |e| open + e);
        let tag = &rest[open + 1..tag_end.saturating_sub(1).max(open + 1)];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match name.as_str() {
            "p" if closing => {
                in_paragraph = in_paragraph.saturating_sub(1);
                text.push(' ');
            }
            "p" => in_paragraph += 1,
            n if NOT_PROSE.contains(&n) && closing => {
                outside_prose = outside_prose.saturating_sub(1);
            }
            n if NOT_PROSE.contains(&n) => outside_prose += 1,
            "br" => text.push(' '),
            _ => {}
        }
        rest = &rest[tag_end..];
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        plain_text(html)
    } else {
        text
    }
}

/// Where the tag starting `s` (at its `<`) ends, after its `>`: quoted values may hold `>`.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i + 1),
            (None, _) => {}
        }
    }
    None
}

pub fn word_count(text: &str) -> i32 {
    i32::try_from(text.split_whitespace().count()).unwrap_or(i32::MAX)
}

/// Minutes at 200 words a minute, rounded up; 0 for an empty post.
pub fn reading_time(words: i32) -> i32 {
    (words + 199) / 200
}

pub const EXCERPT_CHARS: usize = 200;

/// The first sentence-ish of the text: up to 200 characters, cut at a word boundary.
pub fn excerpt(text: &str) -> String {
    if text.chars().count() <= EXCERPT_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > EXCERPT_CHARS / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// A slug from a title: transliterated to ASCII, lower-case, hyphens; at most 200 characters.
pub fn slugify(title: &str) -> String {
    let slug = slug::slugify(title);
    let mut slug: String = slug.chars().take(crate::domain::Slug::MAX_CHARS).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        "post".to_string()
    } else {
        slug
    }
}

/// Escapes text for use in HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Where each bare `http(s)://` URL is in `text`, without trailing punctuation.
pub fn find_urls(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("http") {
        let start = from + offset;
        let rest = &text[start..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            from = start + 4;
            continue;
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(rest.len());
        let url = rest[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
        let end = start + url.len();
        if url.len() > "https://".len() {
            found.push((start, end));
        }
        from = end.max(start + 4);
    }
    found
}

static COMMENT_SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags(["p", "br", "a"])
        .add_tag_attributes("a", ["href"])
        .add_url_schemes(["http", "https"])
        .link_rel(Some("nofollow ugc noopener"));
    builder
});

/// A comment's plain text as HTML: everything escaped, paragraphs and line breaks kept, bare URLs
/// made `rel="nofollow ugc noopener"` links. Nothing the author types becomes markup; the result
/// also goes through a sanitizer that allows only `p`, `br` and `a href`.
pub fn render_comment(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut html = String::new();
    for paragraph in normalized
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        html.push_str("<p>");
        let mut last = 0;
        for (start, end) in find_urls(paragraph) {
            html.push_str(&escape(&paragraph[last..start]).replace('\n', "<br>"));
            let url = escape(&paragraph[start..end]);
            html.push_str(&format!("<a href=\"{url}\">{url}</a>"));
            last = end;
        }
        html.push_str(&escape(&paragraph[last..]).replace('\n', "<br>"));
        html.push_str("</p>");
    }
    COMMENT_SANITIZER.clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_escaped_text_with_links() {
        let html = render_comment(
            "Hi <b>there</b> & \"you\"\nsecond line\n\nSee https://example.com/a?b=1&c=2. Bye",
        );
        assert_eq!(
            html,
            "<p>Hi &lt;b&gt;there&lt;/b&gt; &amp; \"you\"<br>second line</p><p>See <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">https://example.com/a?b=1&amp;c=2</a>. Bye</p>"
        );
    }

    #[test]
    fn comment_attacks_stay_text() {
        for attack in [
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "https://x.example/\"onmouseover=\"alert(1)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<img src=x onerror=alert(1)>",
        ] {
            let html = render_comment(attack);
            assert!(
                !html.contains("<script") && !html.contains("<img"),
                "{html}"
            );
            for attribute in ["onmouseover", "onerror", "javascript"] {
                assert!(!in_a_tag(&html, attribute), "{html}");
            }
        }
    }

    /// Whether `needle` occurs inside a tag (as an attribute), not in text.
    fn in_a_tag(html: &str, needle: &str) -> bool {
        html.match_indices(needle).any(|(i, _)| {
            let before = &html[..i];
            before.rfind('<').unwrap_or(0) > before.rfind('>').unwrap_or(0)
        })
    }

    #[test]
    fn urls_are_found_without_trailing_punctuation() {
        let text = "a https://x.io/p, b http://y.io). httpfoo https://";
        let urls: Vec<&str> = find_urls(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(urls, ["https://x.io/p", "http://y.io"]);
    }

    #[test]
    fn markdown_renders_extensions_and_heading_ids() {
        let html = sanitize(&render_markdown(
            "# Hello World\n\n## Hello World\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ [^1]\n\n- [x] done\n\n[^1]: note\n",
        ));
        assert!(html.contains(r#"<h1 id="post-hello-world">"#), "{html}");
        assert!(html.contains(r#"<h2 id="post-hello-world-2">"#), "{html}");
        assert!(
            html.contains("<table>") && html.contains("<del>old</del>"),
            "{html}"
        );
        assert!(html.contains(r#"type="checkbox""#), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
        // Footnote links point at the prefixed ids.
        assert!(html.contains(r##"href="#post-1""##), "{html}");
        assert!(html.contains(r#"id="post-1""#), "{html}");
    }

    #[test]
    fn block_text_keeps_paragraphs_and_list_items_apart() {
        assert_eq!(
            plain_text_blocks(
                "<h2>What worked</h2>\n<ul>\n<li>A day</li>\n<li>A <em>template</em></li>\n</ul>\n\
                 <p>x &amp; y<br>z</p><pre><code>ffmpeg -i a</code></pre>"
            ),
            "What worked\n\n- A day\n- A template\n\nx & y\nz\n\nffmpeg -i a"
        );
    }

    #[test]
    fn ids_cannot_take_the_pages_own_and_backslash_urls_are_dropped() {
        let html = sanitize(
            r#"<div id="comments">x</div><a href="/\evil.example">y</a><a href="\evil">z</a>"#,
        );
        assert!(html.contains(r#"<div id="post-comments">"#), "{html}");
        assert!(!html.contains("evil"), "{html}");
    }

    #[test]
    fn many_headings_with_one_name_number_in_linear_time() {
        let html = render_markdown(&"# a\n".repeat(3));
        assert!(html.contains(r#"id="a-3""#), "{html}");
        let mut anchors = Anchors::default();
        for _ in 0..20_000 {
            unique_anchor("same", &mut anchors);
        }
        // Linear: the counter for "same" sits at the next free number.
        assert_eq!(anchors.next.get("same"), Some(&20_001));
    }

    /// Bodies of the largest size (`BYLINE_POST_MAX_BYTES`, 1 MiB by default) built from the
    /// shapes that were quadratic, each rendered (or refused) within a fixed budget. Unoptimised
    /// builds (`cargo test`) run the sanitizer about 20 times slower, so there the bodies are an
    /// eighth of the size: the work is linear, and a quadratic case still blows the budget.
    #[test]
    fn no_body_of_the_maximum_size_renders_slower_than_the_budget() {
        const MAX: usize = if cfg!(debug_assertions) {
            1 << 17
        } else {
            1 << 20
        };
        const BUDGET: std::time::Duration = std::time::Duration::from_secs(5);
        let fill = |unit: &str| unit.repeat(MAX / unit.len());
        let deep = format!(
            "{}x{}",
            "<div>".repeat(MAX_NESTING),
            "</div>".repeat(MAX_NESTING)
        );
        let cases = [
            Source::Html(&fill("<div>")),
            Source::Html(&fill(&deep)),
            Source::Html(&fill("<p>a")),
            Source::Html(&fill("<b><i>x</b></i>")),
            Source::Markdown(&fill(">")),
            Source::Markdown(&fill("# a\n")),
            Source::Markdown(&fill("- ")),
            Source::Markdown(&fill("[a](b) ")),
            Source::Markdown(&fill("*a **b")),
            Source::Markdown(&fill("| a | b |\n|---|---|\n")),
        ];
        for (i, source) in cases.into_iter().enumerate() {
            let started = std::time::Instant::now();
            let _ = render_post(source).map(|html| plain_text(&html));
            assert!(
                started.elapsed() < BUDGET,
                "case {i} took {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn nesting_is_measured_as_browsers_build_it() {
        assert_eq!(nesting_depth("<p>a<p>b<p>c"), 1);
        assert_eq!(nesting_depth("<div><div><br><img src=x></div></div>"), 2);
        assert_eq!(nesting_depth(&"<div>".repeat(500)), 500);
        assert_eq!(nesting_depth("<ul><li>a<li>b</ul><!-- <div><div> -->"), 2);
        assert_eq!(nesting_depth("</b></i>text<b/>"), 0);
        assert!(render_post(Source::Html(&"<div>".repeat(MAX_NESTING + 1))).is_err());
        assert!(render_post(Source::Markdown(&">".repeat(1000))).is_err());
        assert!(render_post(Source::Html(&"<div>".repeat(MAX_NESTING))).is_ok());
    }

    #[test]
    fn sanitizer_removes_attacks() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=alert(1)></svg>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
        ] {
            let clean = sanitize(attack).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<svg",
                "onload",
                "<iframe",
                "style=",
            ] {
                assert!(!clean.contains(bad), "{attack} -> {clean}");
            }
        }
        let md = sanitize(&render_markdown(
            "[x](javascript:alert(1)) <script>bad()</script>",
        ));
        assert!(
            !md.contains("javascript:") && !md.contains("<script"),
            "{md}"
        );
    }

    #[test]
    fn links_get_noopener() {
        let html = sanitize("<a href=\"https://example.com\">x</a>");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
    }

    #[test]
    fn plain_text_keeps_words_apart_and_unescapes() {
        assert_eq!(
            plain_text("<p>Fish &amp; chips</p><p>b&lt;c</p>"),
            "Fish & chips b<c"
        );
    }

    #[test]
    fn prose_is_paragraphs_with_their_punctuation() {
        let html = "<h2>Why</h2>\n<p>Consistency beats <em>quality</em>.</p>\n<h3>What worked</h3>\n<ul>\n<li>A fixed recording day</li>\n</ul>\n<pre><code>ffmpeg -i master.mov\n</code></pre>\n<p>Run <code>make</code> once,<br>then rest.</p><blockquote><p>Quoted</p></blockquote><table><tr><td><p>cell</p></td></tr></table>";
        assert_eq!(
            prose(html),
            "Consistency beats quality. Run make once, then rest."
        );
        // Nothing but a list: its text, rather than no excerpt.
        assert_eq!(prose("<ul><li>one</li><li>two</li></ul>"), "one two");
        assert_eq!(prose("<p>Fish &amp; chips</p>"), "Fish & chips");
    }

    #[test]
    fn excerpts_cut_at_words() {
        let text = "word ".repeat(100);
        let e = excerpt(text.trim());
        assert!(
            e.chars().count() <= EXCERPT_CHARS + 1 && e.ends_with("word…"),
            "{e}"
        );
        assert_eq!(excerpt("short"), "short");
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(
            (
                reading_time(0),
                reading_time(1),
                reading_time(200),
                reading_time(201)
            ),
            (0, 1, 1, 2)
        );
    }

    #[test]
    fn slugs_are_ascii_and_never_empty() {
        assert_eq!(slugify("Héllo, Wörld!"), "hello-world");
        assert_eq!(slugify("Ünïcödé — ça va?"), "unicode-ca-va");
        assert_eq!(slugify("!!!"), "post");
        assert!(crate::domain::Slug::parse(&slugify("北京 travel")).is_ok());
        assert!(slugify(&"a".repeat(500)).len() <= 200);
    }
}

/// Property tests: whatever an author or commenter types, the output runs nothing.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    /// Pieces attackers combine, so random strings reach the interesting cases quickly.
    fn hostile() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            "<script>",
            "</script>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "javascript:",
            "<a href=\"javascript:alert(1)\">",
            "\"",
            "'",
            "<",
            ">",
            "&",
            "onclick=",
            "<iframe",
            "<style>",
            "[x](javascript:alert(1))",
            "![x](javascript:alert(1))",
            "<details open ontoggle=alert(1)>",
            "https://example.com/",
            "\n\n",
            "`",
            "*",
            "#",
            "<!--",
            "-->",
            "<![CDATA[",
            "&#106;avascript:",
            " ",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "data:text/html,<script>",
        ]);
        prop::collection::vec(
            prop_oneof![atoms.prop_map(str::to_string), "[a-z ]{0,8}"],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    /// Any tag that can run script, any event handler attribute, any attribute whose value is a
    /// script or data URL. (A `javascript:` inside an https URL's path is harmless text.)
    fn executable(html: &str) -> Option<String> {
        let lower = html.to_lowercase();
        for tag in [
            "<script", "<svg", "<iframe", "<style", "<math", "<object", "<embed", "<form", "<base",
        ] {
            if lower.contains(tag) {
                return Some(tag.into());
            }
        }
        let mut rest = lower.as_str();
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').map_or(rest.len(), |e| start + e);
            let tag = &rest[start..end];
            let handler = tag.match_indices(" on").any(|(i, _)| {
                let name: String = tag[i + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                !name.is_empty() && tag[i + 3 + name.len()..].starts_with('=')
            });
            let script_url = tag.match_indices("=\"").any(|(i, _)| {
                let value = tag[i + 2..].trim_start();
                ["javascript:", "vbscript:", "data:", "&#"]
                    .iter()
                    .any(|p| value.starts_with(p))
            });
            if handler || script_url {
                return Some(tag.into());
            }
            rest = &rest[end..];
        }
        None
    }

    #[test]
    fn the_checker_catches_what_it_looks_for() {
        for bad in [
            "<script>x</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\" data:text/html,x\">x</a>",
            "<p onclick=\"x\">",
        ] {
            assert!(executable(bad).is_some(), "{bad}");
        }
        assert!(
            executable("<a href=\"https://x.example/javascript:y\">ok</a> onclick=text").is_none()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn markdown_never_renders_executable_markup(input in hostile()) {
            let html = sanitize(&render_markdown(&input));
            prop_assert!(executable(&html).is_none(), "{:?} gave {:?}", input, html);
        }

        #[test]
        fn raw_html_never_keeps_executable_markup(input in hostile()) {
            let html = sanitize(&input);
            prop_assert!(executable(&html).is_none(), "{:?} gave {:?}", input, html);
        }

        #[test]
        fn comments_never_render_executable_markup(input in hostile()) {
            let html = render_comment(&input);
            prop_assert!(executable(&html).is_none(), "{:?} gave {:?}", input, html);
        }
    }
}

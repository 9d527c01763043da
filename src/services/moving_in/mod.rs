//! Moving in from Blogger or WordPress: an export file becomes posts, tags, authors and threaded
//! comments, for `POST /import/{blogger,wordpress}` and `byline import --from` alike.
//!
//! The file is read as a stream, three ways at most: once to check that it is the export it
//! claims to be and well-formed throughout (so a broken file writes nothing), then item by item
//! in batches, each batch rendered on every core and then written in one short transaction (the
//! writer is free between batches). A Blogger backup lists comments apart from their posts and
//! in any order, so its comments are read in further passes, each placing the replies whose
//! parents are placed. Every item is matched by its id in the export: importing the same file
//! again changes nothing. The report goes out line by line to a sink, never held whole.

mod autop;
mod blogger;
mod source;
mod wordpress;
mod xml;

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Seek, SeekFrom, Write};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use self::source::{SourceAuthor, SourceComment, SourceItem, SourcePost};
use self::xml::{Record, Records};
use super::comments::{MovedComment, MovedOutcome};
use super::posts::{Body, ImportOutcome, Origin, PostDraft, Rendered};
use super::tags::TagRef;
use crate::content;
use crate::db::Conn;
use crate::db::schema::tags;
use crate::domain::{Caller, Name, PostStatus, Role, Slug, Title};
use crate::error::{AppError, FieldErrors};

/// Which exporter wrote the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Blogger,
    WordPress,
}

impl Format {
    fn describe(self) -> &'static str {
        match self {
            Format::Blogger => "a Blogger backup (an Atom feed from Settings → Back up content)",
            Format::WordPress => "a WordPress export (WXR, from Tools → Export)",
        }
    }
}

/// What a report line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Post,
    Comment,
    Tag,
    Author,
    /// Something Byline does not import; `reason` says what.
    Skipped,
}

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    /// An author or tag that already existed (an author by e-mail, or by name when the export
    /// holds no address) and was used.
    Matched,
    Error,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportLine {
    pub kind: ItemKind,
    /// Absent on skipped lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The item's id in the export (`wordpress:<site>:post:<id>`, a Blogger entry's `<id>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The Byline id of the post, comment, tag or user.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub id: Option<String>,
    /// Posts and tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Authors and tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why an item was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why an item failed, per field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<HashMap<String, Vec<String>>>)]
    pub errors: Option<FieldErrors>,
}

impl ReportLine {
    fn new(kind: ItemKind, outcome: Option<Outcome>) -> ReportLine {
        ReportLine {
            kind,
            outcome,
            source_id: None,
            id: None,
            slug: None,
            name: None,
            reason: None,
            errors: None,
        }
    }

    fn skipped(source_id: String, reason: String) -> ReportLine {
        ReportLine {
            source_id: Some(source_id),
            reason: Some(reason),
            ..ReportLine::new(ItemKind::Skipped, None)
        }
    }

    fn failed(kind: ItemKind, source_id: String, errors: FieldErrors) -> ReportLine {
        ReportLine {
            source_id: Some(source_id),
            errors: Some(errors),
            ..ReportLine::new(kind, Some(Outcome::Error))
        }
    }
}

/// How many items of one kind had each outcome.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub matched: usize,
    pub error: usize,
}

#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct MoveInTotals {
    pub posts: Counts,
    pub comments: Counts,
    pub tags: Counts,
    pub authors: Counts,
    pub skipped: usize,
}

impl MoveInTotals {
    pub fn count(&mut self, line: &ReportLine) {
        let counts = match line.kind {
            ItemKind::Post => &mut self.posts,
            ItemKind::Comment => &mut self.comments,
            ItemKind::Tag => &mut self.tags,
            ItemKind::Author => &mut self.authors,
            ItemKind::Skipped => {
                self.skipped += 1;
                return;
            }
        };
        match line.outcome {
            Some(Outcome::Created) => counts.created += 1,
            Some(Outcome::Updated) => counts.updated += 1,
            Some(Outcome::Unchanged) => counts.unchanged += 1,
            Some(Outcome::Matched) => counts.matched += 1,
            Some(Outcome::Error) | None => counts.error += 1,
        }
    }
}

/// The answer of an import, as `ReportWriter` writes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {"kind": "author", "outcome": "created", "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d11", "name": "Ann Author"},
        {"kind": "tag", "outcome": "created", "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d12", "slug": "news", "name": "News"},
        {"kind": "post", "outcome": "created", "source_id": "wordpress:https://example.com:post:1", "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d20", "slug": "hello-world"},
        {"kind": "comment", "outcome": "created", "source_id": "wordpress:https://example.com:comment:1", "id": "01936b2e-6a1c-7cc2-9a8e-2f1b5e0c4d30"},
        {"kind": "skipped", "source_id": "wordpress:https://example.com:post:2", "reason": "a page (Byline has no pages yet)"}
    ],
    "totals": {
        "posts": {"created": 1, "updated": 0, "unchanged": 0, "matched": 0, "error": 0},
        "comments": {"created": 1, "updated": 0, "unchanged": 0, "matched": 0, "error": 0},
        "tags": {"created": 1, "updated": 0, "unchanged": 0, "matched": 0, "error": 0},
        "authors": {"created": 1, "updated": 0, "unchanged": 0, "matched": 0, "error": 0},
        "skipped": 1
    }
}))]
pub struct MoveInReport {
    pub items: Vec<ReportLine>,
    pub totals: MoveInTotals,
}

/// Writes the report as `MoveInReport` JSON, a line at a time, keeping only the totals.
pub struct ReportWriter<W: Write> {
    out: W,
    first: bool,
    pub totals: MoveInTotals,
}

impl<W: Write> ReportWriter<W> {
    pub fn new(mut out: W) -> std::io::Result<ReportWriter<W>> {
        out.write_all(b"{\"items\":[")?;
        Ok(ReportWriter {
            out,
            first: true,
            totals: MoveInTotals::default(),
        })
    }

    pub fn push(&mut self, line: &ReportLine) -> std::io::Result<()> {
        self.totals.count(line);
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, line)?;
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<(W, MoveInTotals)> {
        self.out.write_all(b"],\n\"totals\":")?;
        serde_json::to_writer(&mut self.out, &self.totals)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok((self.out, self.totals))
    }
}

/// Site rules an import follows.
#[derive(Debug, Clone)]
pub struct Rules {
    /// `BYLINE_POST_MAX_BYTES`: a longer body fails alone.
    pub max_body_bytes: usize,
    /// Replies nest at most this deep, as on the comment form.
    pub max_comment_depth: i32,
}

/// A post or comment checked against Byline's rules and rendered, ready to write.
pub enum Prepared {
    Post(Box<PreparedPost>),
    Comment(Box<MovedComment>),
    Failed(ReportLine),
    Skipped(ReportLine),
}

pub struct PreparedPost {
    origin: Origin,
    author: SourceAuthor,
    draft: PostDraft,
    rendered: Rendered,
}

/// Turns an exported item into what is written; slow (sanitizing), so run before a transaction.
fn prepare(item: SourceItem, rules: &Rules) -> Prepared {
    match item {
        SourceItem::Post(post) => {
            let source_id = post.source_id.clone();
            match prepare_post(*post, rules) {
                Ok(p) => Prepared::Post(Box::new(p)),
                Err(errors) => {
                    Prepared::Failed(ReportLine::failed(ItemKind::Post, source_id, errors))
                }
            }
        }
        SourceItem::Comment(comment) => {
            let source_id = comment.source_id.clone();
            match prepare_comment(*comment) {
                Ok(c) => Prepared::Comment(Box::new(c)),
                Err(errors) => {
                    Prepared::Failed(ReportLine::failed(ItemKind::Comment, source_id, errors))
                }
            }
        }
        SourceItem::Skipped { source_id, reason } => {
            Prepared::Skipped(ReportLine::skipped(source_id, reason))
        }
    }
}

/// `raw` as one line of at most `max` characters.
fn one_line(raw: &str, max: usize) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// A slug from what an export spells (WordPress percent-encodes non-ASCII `post_name`s).
fn slug_from(raw: &str, fallback: &str) -> Result<Slug, String> {
    let decoded = percent_encoding::percent_decode_str(raw.trim()).decode_utf8_lossy();
    let base = if decoded.trim().is_empty() {
        fallback
    } else {
        decoded.as_ref()
    };
    Slug::parse(&content::slugify(base))
}

fn prepare_post(post: SourcePost, rules: &Rules) -> Result<PreparedPost, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = match one_line(&post.title, 300) {
        t if t.is_empty() => "Untitled".to_string(),
        t => t,
    };
    let title = errors.check("title", Title::parse(&title).map(Title::into_inner));
    let slug = errors.check(
        "slug",
        slug_from(&post.slug, title.as_deref().unwrap_or("post")),
    );
    if post.html.len() > rules.max_body_bytes {
        errors.add(
            "html",
            format!("is larger than the limit of {} bytes", rules.max_body_bytes),
        );
    }
    let mut tags: Vec<TagRef> = Vec::new();
    for (raw_slug, raw_name) in &post.tags {
        let name = match one_line(raw_name, 100) {
            n if n.is_empty() => one_line(raw_slug, 100),
            n => n,
        };
        let (Ok(slug), Ok(name)) = (slug_from(raw_slug, &name), Name::parse(&name)) else {
            continue;
        };
        // A WordPress category and tag of one name are one tag here.
        if tags.len() < super::posts::MAX_TAGS && !tags.iter().any(|t| t.slug == slug) {
            tags.push(TagRef {
                slug,
                name: name.into_inner(),
            });
        }
    }
    let status = match post.status {
        PostStatus::Scheduled if post.published_at.is_none() => PostStatus::Draft,
        other => other,
    };
    let excerpt = post.excerpt.map(|e| {
        content::plain_text(&e)
            .chars()
            .take(1000)
            .collect::<String>()
    });
    let body = Body::Html(post.html);
    let rendered = match Rendered::of(Some(&body)) {
        Ok(r) => Some(r),
        Err(AppError::Validation(fields)) => {
            errors = errors.and(fields);
            None
        }
        Err(other) => {
            errors.add("html", other.to_string());
            None
        }
    };
    match (title, slug, rendered) {
        (Some(title), Some(slug), Some(rendered)) if errors.is_empty() => Ok(PreparedPost {
            origin: Origin {
                source_id: post.source_id,
                source_url: post.source_url,
            },
            author: post.author,
            draft: PostDraft {
                title,
                slug: Some(slug),
                body: Some(body),
                excerpt,
                status,
                published_at: post.published_at,
                tags,
                feature_image: None,
                meta_title: None,
                meta_description: None,
                comments_enabled: post.comments_enabled,
                email_subscribers: false,
            },
            rendered,
        }),
        _ => Err(errors),
    }
}

/// A comment longer than this (as text) fails alone; the comment form allows 10,000 characters,
/// an old blog may hold longer ones.
const MAX_COMMENT_CHARS: usize = 100_000;

fn prepare_comment(c: SourceComment) -> Result<MovedComment, FieldErrors> {
    let text = content::plain_text_blocks(&content::sanitize(&c.html));
    let body = text.trim().to_string();
    if body.is_empty() {
        return Err(FieldErrors::one("body", "is empty"));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(FieldErrors::one(
            "body",
            format!("is longer than {MAX_COMMENT_CHARS} characters"),
        ));
    }
    let author_name = match one_line(&c.author_name, 80) {
        n if n.is_empty() => "Anonymous".to_string(),
        n => n,
    };
    Ok(MovedComment {
        source_id: c.source_id,
        post_source_id: c.post_source_id,
        parent_source_id: c.parent_source_id,
        author_name,
        author_email: c.author_email,
        ip: c.ip.map(|ip| one_line(&ip, 64)),
        created_at: c.created_at,
        status: c.status,
        html: content::render_comment(&body),
        body,
    })
}

/// What writing a batch gave.
#[derive(Debug, Default)]
pub struct Written {
    pub lines: Vec<ReportLine>,
    /// Source ids of replies whose parents have not moved in yet.
    pub waiting: Vec<String>,
}

/// Writes batches, remembering across them which authors and tags it has met.
pub struct Writer {
    importer: Caller,
    max_depth: i32,
    now: NaiveDateTime,
    /// Author (`e-mail` or `name:<name>`) → user id.
    authors: HashMap<String, String>,
    tags: HashSet<String>,
}

impl Writer {
    /// Posts whose author is unknown are the importer's.
    pub fn new(importer: Caller, rules: &Rules, now: NaiveDateTime) -> Writer {
        Writer {
            importer,
            max_depth: rules.max_comment_depth,
            now,
            authors: HashMap::new(),
            tags: HashSet::new(),
        }
    }

    /// Writes one batch in one transaction, each item in its own savepoint; an item's failure is
    /// its line, only a database failure stops the batch.
    pub fn write(
        &mut self,
        conn: &mut Conn,
        batch: Vec<Prepared>,
        orphans_at_top: bool,
    ) -> Result<Written, AppError> {
        crate::db::write_transaction(conn, |conn| {
            let mut out = Written::default();
            let mut recount: Vec<String> = Vec::new();
            for item in batch {
                match item {
                    Prepared::Failed(line) | Prepared::Skipped(line) => out.lines.push(line),
                    Prepared::Post(post) => {
                        let author_id = self.author(conn, &post.author, &mut out.lines)?;
                        self.note_tags(conn, &post.draft.tags, &mut out.lines)?;
                        let source_id = post.origin.source_id.clone();
                        let PreparedPost {
                            origin,
                            draft,
                            rendered,
                            ..
                        } = *post;
                        let written = conn.transaction(|c| {
                            super::posts::move_in(
                                c, &author_id, &origin, draft, &rendered, self.now,
                            )
                        });
                        out.lines.push(post_line(source_id, written)?);
                    }
                    Prepared::Comment(comment) => {
                        let source_id = comment.source_id.clone();
                        let written = conn.transaction(|c| {
                            super::comments::move_in(c, *comment, self.max_depth, orphans_at_top)
                        });
                        let line = match written {
                            Ok(MovedOutcome::Created { id, post_id }) => {
                                recount.push(post_id);
                                comment_line(source_id, Outcome::Created, id)
                            }
                            Ok(MovedOutcome::Updated { id, post_id }) => {
                                recount.push(post_id);
                                comment_line(source_id, Outcome::Updated, id)
                            }
                            Ok(MovedOutcome::Unchanged { id }) => {
                                comment_line(source_id, Outcome::Unchanged, id)
                            }
                            Ok(MovedOutcome::NoPost) => ReportLine::skipped(
                                source_id,
                                "a comment on a post that is not in the file (or did not move in)"
                                    .into(),
                            ),
                            Ok(MovedOutcome::NoParentYet) => {
                                out.waiting.push(source_id);
                                continue;
                            }
                            Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
                            Err(e) => ReportLine::failed(ItemKind::Comment, source_id, reasons(e)),
                        };
                        out.lines.push(line);
                    }
                }
            }
            recount.sort();
            recount.dedup();
            for post_id in &recount {
                super::comments::recount_post(conn, post_id)?;
            }
            Ok(out)
        })
    }

    /// The user a post is by: matched by e-mail, else created as an author who cannot sign in
    /// yet; without an address, the user of that name, else the importer.
    fn author(
        &mut self,
        conn: &mut Conn,
        author: &SourceAuthor,
        lines: &mut Vec<ReportLine>,
    ) -> Result<String, AppError> {
        let key = match &author.email {
            Some(email) => email.as_str().to_string(),
            None => format!("name:{}", author.name),
        };
        if let Some(id) = self.authors.get(&key) {
            return Ok(id.clone());
        }
        let name = one_line(&author.name, 100);
        let (user, outcome) = match &author.email {
            Some(email) => match super::users::find_by_email(conn, email)? {
                Some(user) => (user, Outcome::Matched),
                None => {
                    let name = match Name::parse(&name) {
                        Ok(n) => n.into_inner(),
                        Err(_) => email.as_str().split('@').next().unwrap_or("Author").into(),
                    };
                    let user =
                        super::users::create_without_password(conn, email, &name, Role::Author)?;
                    (user, Outcome::Created)
                }
            },
            None => match super::users::find_by_name(conn, &name)? {
                Some(user) if !name.is_empty() => (user, Outcome::Matched),
                _ => match super::users::find(conn, &self.importer.user_id)? {
                    Some(user) => (user, Outcome::Matched),
                    None => return Err(AppError::not_found()),
                },
            },
        };
        lines.push(ReportLine {
            id: Some(user.id.clone()),
            name: Some(user.name.clone()),
            ..ReportLine::new(ItemKind::Author, Some(outcome))
        });
        self.authors.insert(key, user.id.clone());
        Ok(user.id)
    }

    /// A line for each tag the first time the import meets it: created, or matched.
    fn note_tags(
        &mut self,
        conn: &mut Conn,
        refs: &[TagRef],
        lines: &mut Vec<ReportLine>,
    ) -> Result<(), AppError> {
        for r in refs {
            if !self.tags.insert(r.slug.to_string()) {
                continue;
            }
            let existing: Option<String> = tags::table
                .filter(tags::slug.eq(r.slug.as_str()))
                .select(tags::id)
                .first(conn)
                .optional()?;
            let (id, outcome) = match existing {
                Some(id) => (id, Outcome::Matched),
                None => {
                    let created = super::tags::ensure(conn, std::slice::from_ref(r))?;
                    let id = created.into_iter().next().map(|t| t.id).unwrap_or_default();
                    (id, Outcome::Created)
                }
            };
            lines.push(ReportLine {
                id: Some(id),
                slug: Some(r.slug.to_string()),
                name: Some(r.name.clone()),
                ..ReportLine::new(ItemKind::Tag, Some(outcome))
            });
        }
        Ok(())
    }
}

fn comment_line(source_id: String, outcome: Outcome, id: String) -> ReportLine {
    ReportLine {
        source_id: Some(source_id),
        id: Some(id),
        ..ReportLine::new(ItemKind::Comment, Some(outcome))
    }
}

fn post_line(
    source_id: String,
    written: Result<ImportOutcome, AppError>,
) -> Result<ReportLine, AppError> {
    let (outcome, id, slug) = match written {
        Ok(ImportOutcome::Created { id, slug }) => (Outcome::Created, id, slug),
        Ok(ImportOutcome::Updated { id, slug }) => (Outcome::Updated, id, slug),
        Ok(ImportOutcome::Unchanged { id, slug }) => (Outcome::Unchanged, id, slug),
        Ok(ImportOutcome::Error { errors, .. }) => {
            return Ok(ReportLine::failed(ItemKind::Post, source_id, errors));
        }
        Err(AppError::Internal(e)) => return Err(AppError::Internal(e)),
        Err(e) => return Ok(ReportLine::failed(ItemKind::Post, source_id, reasons(e))),
    };
    Ok(ReportLine {
        source_id: Some(source_id),
        id: Some(id),
        slug: Some(slug),
        ..ReportLine::new(ItemKind::Post, Some(outcome))
    })
}

/// An item's failure as field errors.
fn reasons(e: AppError) -> FieldErrors {
    match e {
        AppError::Validation(fields) => fields,
        other => FieldErrors::one("item", other.to_string()),
    }
}

/// Checks that the whole file is well-formed XML and the export it should be, writing nothing.
fn check<R: BufRead>(input: R, format: Format) -> Result<(), AppError> {
    let mut records = Records::new(input, |_, _| false);
    loop {
        match records.next_record() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                return Err(FieldErrors::single(
                    "file",
                    format!("is not well-formed XML {e}"),
                ));
            }
        }
    }
    let root = records.root.clone().unwrap_or_default();
    let fits = match format {
        Format::WordPress => {
            root.1 == "rss"
                && records
                    .namespaces
                    .iter()
                    .any(|ns| ns.starts_with(wordpress::NAMESPACE_PREFIX))
        }
        Format::Blogger => root.0 == blogger::ATOM && root.1 == "feed",
    };
    if fits {
        Ok(())
    } else {
        Err(FieldErrors::single(
            "file",
            format!("is not {}", format.describe()),
        ))
    }
}

/// How far an import has come, for a progress line.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Which reading of the file this is, from 1.
    pub pass: usize,
    pub position: u64,
    pub length: u64,
    pub totals: &'a MoveInTotals,
}

/// Writes a batch: the writer, in a transaction, on some connection.
pub type WriteBatch<'a> = dyn FnMut(Vec<Prepared>, bool) -> Result<Written, AppError> + 'a;

/// Everything an import run needs besides the file.
pub struct Run<'a> {
    pub format: Format,
    pub rules: Rules,
    pub now: NaiveDateTime,
    pub write: &'a mut WriteBatch<'a>,
    pub report: &'a mut dyn FnMut(&ReportLine) -> Result<(), AppError>,
    pub progress: &'a mut dyn FnMut(Progress<'_>),
}

/// Items per batch: a transaction of a few hundred posts holds the writer for a fraction of a
/// second.
const BATCH_ITEMS: usize = 400;
/// Bytes of bodies per batch, whatever the count: what a batch holds in memory.
const BATCH_BYTES: usize = 8 << 20;
/// Blogger comment passes before replies whose parent never turned up go to the top level.
const MAX_PASSES: usize = 8;

/// Imports an export file, start to end: first `check`s all of it (a broken file writes
/// nothing), then writes it batch by batch.
pub fn import<R: BufRead + Seek>(input: &mut R, run: Run<'_>) -> Result<MoveInTotals, AppError> {
    input.seek(SeekFrom::Start(0)).map_err(io_error)?;
    check(&mut *input, run.format)?;
    let length = input.seek(SeekFrom::End(0)).map_err(io_error)?;
    let mut totals = MoveInTotals::default();
    let mut pass = |input: &mut R,
                    number: usize,
                    wanted: fn(&str, &str) -> bool,
                    orphans_at_top: bool,
                    read: &mut dyn FnMut(xml::Element) -> Vec<SourceItem>,
                    totals: &mut MoveInTotals|
     -> Result<Vec<String>, AppError> {
        input.seek(SeekFrom::Start(0)).map_err(io_error)?;
        let mut records = Records::new(&mut *input, wanted);
        let mut batch = Batch::default();
        let mut waiting = Vec::new();
        loop {
            let record = records.next_record().map_err(|e| {
                AppError::Internal(anyhow::anyhow!("the file changed while it was read: {e}"))
            })?;
            let done = record.is_none();
            match record {
                Some(Record::Element(element)) => batch.extend(read(element)),
                Some(Record::TooLarge { name }) => batch.items.push(SourceItem::skipped(
                    format!("{name} at byte {}", records.position()),
                    format!("an item larger than {} MiB", xml::MAX_RECORD_BYTES >> 20),
                )),
                None => {}
            }
            if batch.is_full() || (done && !batch.items.is_empty()) {
                let items = std::mem::take(&mut batch).items;
                let rules = run.rules.clone();
                let prepared = super::map_on_all_cores(items, |item| prepare(item, &rules));
                let written = (run.write)(prepared, orphans_at_top)?;
                for line in &written.lines {
                    totals.count(line);
                    (run.report)(line)?;
                }
                waiting.extend(written.waiting);
                (run.progress)(Progress {
                    pass: number,
                    position: records.position(),
                    length,
                    totals,
                });
            }
            if done {
                return Ok(waiting);
            }
        }
    };
    match run.format {
        Format::WordPress => {
            let mut channel = wordpress::Channel::default();
            let now = run.now;
            let mut read = |element: xml::Element| {
                if channel.take(&element) {
                    return Vec::new();
                }
                wordpress::item(&channel, &element, now)
            };
            pass(input, 1, wordpress::wanted, true, &mut read, &mut totals)?;
        }
        Format::Blogger => {
            let now = run.now;
            let mut posts = |entry: xml::Element| match blogger::kind(&entry) {
                blogger::Kind::Post => vec![blogger::post(&entry, now)],
                blogger::Kind::Comment => Vec::new(),
                blogger::Kind::Other => vec![blogger::other(&entry)],
            };
            pass(input, 1, blogger::wanted, true, &mut posts, &mut totals)?;
            // Comments: each pass places those whose parent is placed; what is placed (or
            // reported) is remembered by a hash of its id, eight bytes a comment. When a pass
            // places nothing new, parents that never turn up are given up on: the next pass puts
            // the rest at the top level.
            let mut handled: HashSet<u64> = HashSet::new();
            let mut orphans_at_top = false;
            let mut waiting_before = usize::MAX;
            for number in 2.. {
                let mut read_now: Vec<u64> = Vec::new();
                let mut comments = |entry: xml::Element| {
                    let id = hash(entry.text_of("id"));
                    if blogger::kind(&entry) != blogger::Kind::Comment || handled.contains(&id) {
                        return Vec::new();
                    }
                    read_now.push(id);
                    vec![blogger::comment(&entry)]
                };
                let waiting = pass(
                    input,
                    number,
                    blogger::wanted,
                    orphans_at_top,
                    &mut comments,
                    &mut totals,
                )?;
                if waiting.is_empty() {
                    break;
                }
                let waiting_now: HashSet<u64> = waiting.iter().map(|id| hash(id)).collect();
                handled.extend(read_now.into_iter().filter(|id| !waiting_now.contains(id)));
                orphans_at_top = waiting.len() >= waiting_before || number > MAX_PASSES;
                waiting_before = waiting.len();
            }
        }
    }
    Ok(totals)
}

fn hash(id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

fn io_error(e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("cannot read the uploaded file: {e}"))
}

/// Items read but not written yet.
#[derive(Default)]
struct Batch {
    items: Vec<SourceItem>,
    bytes: usize,
}

impl Batch {
    fn extend(&mut self, items: Vec<SourceItem>) {
        for item in items {
            self.bytes += match &item {
                SourceItem::Post(p) => p.html.len(),
                SourceItem::Comment(c) => c.html.len(),
                SourceItem::Skipped { .. } => 0,
            };
            self.items.push(item);
        }
    }

    fn is_full(&self) -> bool {
        self.items.len() >= BATCH_ITEMS || self.bytes >= BATCH_BYTES
    }
}

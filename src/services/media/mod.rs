//! Media: files are named by the SHA-256 of their bytes and typed by their bytes (not by their
//! name or declared type); rows hold what the API shows. Photos get resized copies (`images`),
//! named after their original: `<sha256>-<width>w.<ext>`.

mod images;

use std::path::Path;

use diesel::prelude::*;

use crate::db::models::Media;
use crate::db::schema::media;
use crate::db::{self, Conn};
use crate::domain::{Caller, Listing, Paging, Text, new_id, parse_id};
use crate::error::{AppError, FieldErrors};
use crate::media_store::MediaStore;

pub use images::ImageRules;

/// A resized copy of an image, as the row keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    /// The file's name in the media store.
    pub name: String,
    pub bytes: u64,
}

/// The copies a row lists; a row written before copies existed has none.
pub fn variants_of(item: &Media) -> Vec<Variant> {
    serde_json::from_str(&item.variants).unwrap_or_default()
}

/// The types accepted, as detected from the bytes, with the extension they are stored under.
const ALLOWED: [(&str, &str); 6] = [
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
    ("image/avif", "avif"),
    ("application/pdf", "pdf"),
];

/// Text for readers who cannot see the image.
pub type AltText = Text<0, 500>;

/// The type of a file from its first bytes; `None` for anything not accepted (SVG included:
/// it can carry scripts).
pub fn detect(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    let kind = infer::get(bytes)?;
    ALLOWED
        .iter()
        .copied()
        .find(|(mime, _)| *mime == kind.mime_type())
}

/// A stored file's name: 64 hex digits, for a copy `-<width>w`, a dot, a known extension.
/// Anything else (`..`, slashes) can never name a file.
pub fn valid_name(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    let hash = match stem.split_once('-') {
        Some((hash, width)) => match width.strip_suffix('w') {
            Some(digits)
                if (1..=5).contains(&digits.len())
                    && digits.bytes().all(|b| b.is_ascii_digit()) =>
            {
                hash
            }
            _ => return false,
        },
        None => stem,
    };
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && ALLOWED.iter().any(|(_, e)| *e == ext)
}

/// The content type a stored file is served with, from its name's extension.
pub fn content_type_of(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    ALLOWED
        .iter()
        .find(|(_, e)| *e == ext)
        .map(|(mime, _)| *mime)
}

/// An upload checked and processed, its files in memory, ready to be stored and recorded.
#[derive(Debug)]
pub struct Prepared {
    name: String,
    content_type: &'static str,
    bytes: usize,
    size: Option<(u32, u32)>,
    variants: Vec<Variant>,
    /// Every file to store, the original first: (name, bytes).
    files: Vec<(String, Vec<u8>)>,
}

impl Prepared {
    /// Writes the upload's files (before its row is recorded, so a row never names a missing
    /// file; an upload that then fails to record leaves files no row names, harmless).
    pub async fn store(&mut self, store: &MediaStore) -> Result<(), AppError> {
        for (name, bytes) in std::mem::take(&mut self.files) {
            store.put(&name, bytes).await?;
        }
        Ok(())
    }
}

/// Checks the type and makes the copies: the slow part of an upload, done before any database
/// work. A photo too large to decode safely, or not decodable, is a 422.
pub fn prepare(bytes: &[u8], rules: &ImageRules) -> Result<Prepared, AppError> {
    let (content_type, ext) = detect(bytes).ok_or_else(|| {
        AppError::UnsupportedMediaType(
            "Upload a JPEG, PNG, GIF, WebP or AVIF image, or a PDF.".into(),
        )
    })?;
    let processed = match images::format_of(content_type) {
        Some(format) => Some(
            images::process(bytes, format, rules)
                .map_err(|e| FieldErrors::single("file", e.to_string()))?,
        ),
        None => None,
    };
    let original = processed
        .as_ref()
        .and_then(|p| p.reencoded.as_deref())
        .unwrap_or(bytes);
    let hash = crate::crypto::sha256_hex(original);
    let name = format!("{hash}.{ext}");
    let mut files = vec![(name.clone(), original.to_vec())];
    let size = match &processed {
        Some(p) => Some((p.width, p.height)),
        None if content_type.starts_with("image/") => imagesize::blob_size(bytes)
            .ok()
            .and_then(|s| Some((u32::try_from(s.width).ok()?, u32::try_from(s.height).ok()?))),
        None => None,
    };
    let variants = match processed {
        Some(p) => copies_named(&hash, ext, p.variants, &mut files),
        None => Vec::new(),
    };
    Ok(Prepared {
        name,
        content_type,
        bytes: files[0].1.len(),
        size,
        variants,
        files,
    })
}

/// Names the copies of the file named `<hash>.<ext>`, adds them to `files`, and lists them.
fn copies_named(
    hash: &str,
    ext: &str,
    copies: Vec<images::Encoded>,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Vec<Variant> {
    copies
        .into_iter()
        .map(|copy| {
            let name = format!("{hash}-{}w.{ext}", copy.width);
            let variant = Variant {
                width: copy.width,
                height: copy.height,
                name: name.clone(),
                bytes: copy.bytes.len() as u64,
            };
            files.push((name, copy.bytes));
            variant
        })
        .collect()
}

/// What `make_missing_copies` did.
#[derive(Debug, Default, PartialEq)]
pub struct Backfill {
    /// Image files that got copies.
    pub made: u64,
    /// Image files narrower than every width: nothing to make.
    pub none_needed: u64,
    /// Image files that could not be read, with why.
    pub failed: Vec<(String, String)>,
}

/// Makes the copies of JPEG, PNG and WebP uploads that have none (uploaded before copies
/// existed, or before `rules.widths` grew), file by file in name order (the `media_name`
/// index), 100 files per query; uploads that share a file share its copies. Each stored file
/// keeps its name, so posts that link it are unchanged; its copies are stripped as usual.
pub async fn make_missing_copies(
    conn: &mut Conn,
    store: &MediaStore,
    rules: &ImageRules,
) -> Result<Backfill, AppError> {
    let mut report = Backfill::default();
    let mut after = String::new();
    loop {
        let batch = files_after(conn, &after, true)?;
        let Some((last, ..)) = batch.last() else {
            return Ok(report);
        };
        after = last.clone();
        for (name, content_type, _) in batch {
            match copies_of(store, &name, &content_type, rules).await {
                Ok(copies) if copies.is_empty() => report.none_needed += 1,
                Ok(copies) => {
                    let json =
                        serde_json::to_string(&copies).map_err(|e| AppError::Internal(e.into()))?;
                    diesel::update(media::table.filter(media::name.eq(&name)))
                        .set(media::variants.eq(json))
                        .execute(conn)?;
                    report.made += 1;
                }
                Err(why) => report.failed.push((name, why)),
            }
        }
    }
}

/// The next 100 stored files by name past `after` (the `media_name` index): name, type and
/// copies (JSON). `without_copies`: only JPEG, PNG and WebP files that have none.
fn files_after(
    conn: &mut Conn,
    after: &str,
    without_copies: bool,
) -> Result<Vec<(String, String, String)>, AppError> {
    let mut query = media::table.filter(media::name.gt(after)).into_boxed();
    if without_copies {
        query = query
            .filter(media::variants.eq("[]"))
            .filter(media::content_type.eq_any(["image/jpeg", "image/png", "image/webp"]));
    }
    Ok(query
        .order(media::name)
        .select((media::name, media::content_type, media::variants))
        .distinct()
        .limit(100)
        .load(conn)?)
}

/// Makes and stores the copies of the stored file `name`.
async fn copies_of(
    store: &MediaStore,
    name: &str,
    content_type: &str,
    rules: &ImageRules,
) -> Result<Vec<Variant>, String> {
    let format = images::format_of(content_type).ok_or("not an image")?;
    let (hash, ext) = name
        .split_once('.')
        .filter(|_| valid_name(name))
        .ok_or("not a stored file name")?;
    let bytes = store
        .read(name)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("not in the media store")?;
    let processed = images::process(&bytes, format, rules).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    let copies = copies_named(hash, ext, processed.variants, &mut files);
    for (name, bytes) in files {
        store.put(&name, bytes).await.map_err(|e| e.to_string())?;
    }
    Ok(copies)
}

/// Records an upload whose files `Prepared::store` wrote.
pub fn record(
    conn: &mut Conn,
    uploader: &Caller,
    filename: &str,
    prepared: Prepared,
) -> Result<Media, AppError> {
    let (width, height) = match prepared.size {
        Some((w, h)) => (i32::try_from(w).ok(), i32::try_from(h).ok()),
        None => (None, None),
    };
    let filename: String = Path::new(filename)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("upload")
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    Ok(diesel::insert_into(media::table)
        .values(&Media {
            id: new_id(),
            name: prepared.name,
            filename,
            content_type: prepared.content_type.into(),
            bytes: i64::try_from(prepared.bytes).unwrap_or(i64::MAX),
            width,
            height,
            alt: String::new(),
            uploaded_by: Some(uploader.user_id.clone()),
            created_at: super::now(),
            variants: serde_json::to_string(&prepared.variants)
                .map_err(|e| AppError::Internal(e.into()))?,
        })
        .returning(crate::db::columns::<Media>())
        .get_result(conn)?)
}

/// A copy of an image as a post lists it: a URL where `Variant` has a file name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"width": 640, "height": 336,
    "url": "https://blog.example.com/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08-640w.png"}))]
pub struct ImageCopy {
    pub width: u32,
    pub height: u32,
    pub url: String,
}

/// The name of the upload an image URL points at (`…/media/<sha256>.<ext>`), if it is one.
fn upload_named_in(src: &str) -> Option<(&str, &str)> {
    let (base, name) = src.rsplit_once('/')?;
    (base.ends_with("/media") && valid_name(name) && !name.contains('-'))
        .then(|| (&src[..src.len() - name.len()], name))
}

/// An upload's width (`None` when unknown) and its copies.
type StoredCopies = (Option<i32>, Vec<Variant>);

/// The width and copies of the upload stored as `name`; one indexed row, however many uploads
/// share the file.
fn stored_copies(conn: &mut Conn, name: &str) -> Result<Option<StoredCopies>, AppError> {
    let row: Option<(Option<i32>, String)> = media::table
        .filter(media::name.eq(name))
        .select((media::width, media::variants))
        .first(conn)
        .optional()?;
    Ok(row.map(|(width, json)| (width, serde_json::from_str(&json).unwrap_or_default())))
}

/// JSON: the copies of the upload `url` points at, as URLs under the same base; `[]` when it
/// is none of ours or has none.
pub fn copies_of_url(conn: &mut Conn, url: Option<&str>) -> Result<String, AppError> {
    let Some((base, name)) = url.and_then(upload_named_in) else {
        return Ok("[]".into());
    };
    let copies: Vec<ImageCopy> = stored_copies(conn, name)?
        .map(|(_, copies)| copies)
        .unwrap_or_default()
        .into_iter()
        .map(|v| ImageCopy {
            url: format!("{base}{}", v.name),
            width: v.width,
            height: v.height,
        })
        .collect();
    serde_json::to_string(&copies).map_err(|e| AppError::Internal(e.into()))
}

/// The `<img>` tags of sanitized HTML that show one of our uploads (the first 100): where each
/// tag's closing `>` is, its `src` as written, and the upload's file name.
fn uploads_shown_in(html: &str) -> Vec<(usize, &str, &str)> {
    const MAX_IMAGES: usize = 100;
    let mut images = Vec::new();
    let mut from = 0;
    while images.len() < MAX_IMAGES {
        let Some(start) = html[from..].find("<img ").map(|i| i + from) else {
            break;
        };
        // The serializer double-quotes every value and escapes `"` in it, but not `>`
        // (`alt="before > after"`): the tag ends at the first `>` outside quotes.
        let mut quoted = false;
        let Some(end) = html[start..]
            .bytes()
            .position(|b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                b == b'>' && !quoted
            })
            .map(|i| i + start)
        else {
            break;
        };
        from = end;
        let tag = &html[start..end];
        let src = tag
            .split_once(" src=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(src, _)| src);
        if let Some((src, (_, name))) = src.and_then(|s| Some((s, upload_named_in(s)?))) {
            images.push((end, src, name));
        }
    }
    images
}

/// How wide an image in a post is shown, for the browser to pick a copy: the full width of a
/// phone, a text column (about 50em) elsewhere.
const SIZES: &str = "(max-width: 50em) 100vw, 50em";

/// Adds `srcset` and `sizes` to each `<img>` of sanitized HTML whose `src` is an upload with
/// resized copies (the first 100 images; one indexed lookup per distinct file).
pub fn with_srcset(conn: &mut Conn, html: &str) -> Result<String, AppError> {
    let images = uploads_shown_in(html);
    if images.is_empty() {
        return Ok(html.to_string());
    }
    let mut stored = std::collections::HashMap::new();
    for (_, _, name) in &images {
        if !stored.contains_key(name) {
            stored.insert(*name, stored_copies(conn, name)?);
        }
    }
    let mut out = String::with_capacity(html.len() + images.len() * 200);
    let mut copied = 0;
    for (end, src, name) in images {
        let Some(Some((Some(width), copies))) = stored.get(name) else {
            continue;
        };
        if copies.is_empty() {
            continue;
        }
        let base = &src[..src.len() - name.len()];
        let mut srcset: Vec<String> = copies
            .iter()
            .rev()
            .map(|c| format!("{base}{} {}w", c.name, c.width))
            .collect();
        srcset.push(format!("{src} {width}w"));
        out.push_str(&html[copied..end]);
        out.push_str(&format!(
            " srcset=\"{}\" sizes=\"{SIZES}\"",
            srcset.join(", ")
        ));
        copied = end;
    }
    out.push_str(&html[copied..]);
    Ok(out)
}

pub fn list(conn: &mut Conn, paging: &Paging) -> Result<(Vec<Media>, Listing), AppError> {
    db::paged!(
        conn,
        paging,
        media::table.into_boxed(),
        "-created_at",
        (media::created_at, media::id, chrono::NaiveDateTime),
        desc,
        Media::as_select(),
        |r: &Media| (r.created_at, r.id.clone())
    )
}

pub fn get(conn: &mut Conn, id: &str) -> Result<Media, AppError> {
    let id = parse_id(id).ok_or_else(AppError::not_found)?;
    Ok(media::table
        .find(id)
        .select(Media::as_select())
        .first(conn)?)
}

fn editable(conn: &mut Conn, caller: &Caller, id: &str) -> Result<Media, AppError> {
    let item = get(conn, id)?;
    if !caller.may_change(item.uploaded_by.as_deref()) {
        return Err(AppError::Forbidden(
            "Authors may change only their own uploads.".into(),
        ));
    }
    Ok(item)
}

pub fn set_alt(conn: &mut Conn, caller: &Caller, id: &str, alt: String) -> Result<Media, AppError> {
    let item = editable(conn, caller, id)?;
    Ok(diesel::update(media::table.find(&item.id))
        .set(media::alt.eq(alt))
        .returning(crate::db::columns::<Media>())
        .get_result(conn)?)
}

/// Deletes the row, and answers the files no upload names any more (none when another upload
/// has the same content): `remove_files` removes them once the transaction is over.
pub fn delete(conn: &mut Conn, caller: &Caller, id: &str) -> Result<Vec<String>, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let item = editable(conn, caller, id)?;
        diesel::delete(media::table.find(&item.id)).execute(conn)?;
        let others: i64 = media::table
            .filter(media::name.eq(&item.name))
            .count()
            .get_result(conn)?;
        if others > 0 {
            return Ok(Vec::new());
        }
        let copies = variants_of(&item).into_iter().map(|v| v.name);
        Ok(std::iter::once(item.name).chain(copies).collect())
    })
}

/// Removes files `delete` answered. A store that fails leaves a file no row names (logged):
/// the upload is gone from the API either way.
pub async fn remove_files(store: &MediaStore, names: &[String]) {
    for name in names {
        if let Err(e) = store.delete(name).await {
            log::warn!("media file {name} left in the store: {e}");
        }
    }
}

/// What `copy_files` did.
#[derive(Debug, Default, PartialEq)]
pub struct FileCopy {
    /// Files written to the target.
    pub copied: u64,
    /// Files the target had already.
    pub present: u64,
    /// Files a row names that the source store does not have.
    pub missing: Vec<String>,
}

/// Copies every file an upload of `conn`'s site names (originals and copies) from one store to
/// another, 100 uploads per query in name order, one file in memory at a time.
pub async fn copy_files(
    conn: &mut Conn,
    from: &MediaStore,
    to: &MediaStore,
) -> Result<FileCopy, AppError> {
    let mut report = FileCopy::default();
    let mut after = String::new();
    loop {
        let batch = files_after(conn, &after, false)?;
        let Some((last, ..)) = batch.last() else {
            return Ok(report);
        };
        after = last.clone();
        for (name, _, variants) in batch {
            let copies: Vec<Variant> = serde_json::from_str(&variants).unwrap_or_default();
            for name in std::iter::once(name).chain(copies.into_iter().map(|v| v.name)) {
                if to.head(&name).await?.is_some() {
                    report.present += 1;
                    continue;
                }
                match from.read(&name).await? {
                    Some(bytes) => {
                        to.write(&name, bytes).await?;
                        report.copied += 1;
                    }
                    None => report.missing.push(name),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_directory() {
        let good = format!("{}.png", "a".repeat(64));
        assert!(valid_name(&good));
        assert!(valid_name(&format!("{}-640w.jpg", "a".repeat(64))));
        for bad in [
            "../etc/passwd",
            "..",
            &format!("{}.exe", "a".repeat(64)),
            &format!("{}/x.png", "a".repeat(63)),
            ".png",
            &format!("{}-w.png", "a".repeat(64)),
            &format!("{}-640.png", "a".repeat(64)),
            &format!("{}-640w-1w.png", "a".repeat(64)),
            "A".repeat(64).as_str(),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn images_of_uploads_are_found_whatever_their_alt_text_holds() {
        let name = format!("{}.png", "b".repeat(64));
        let html = format!(
            "<p><img src=\"/media/{name}\" alt=\"before > after\"> <img src=\"https://x.example/a.png\">\
             <img alt=\"&quot; src=&quot;/media/{name}\" src=\"/media/{}-320w.png\"></p>",
            "b".repeat(64)
        );
        let found = uploads_shown_in(&html);
        assert_eq!(found.len(), 1, "{found:?}");
        let (end, src, found_name) = found[0];
        assert_eq!(
            (src, found_name),
            (format!("/media/{name}").as_str(), name.as_str())
        );
        assert!(
            html[..end].ends_with("after\""),
            "the tag ends after its alt text"
        );
    }

    #[test]
    fn svg_and_executables_are_not_media() {
        assert!(
            detect(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")
                .is_none()
        );
        assert!(detect(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00").is_none());
        assert_eq!(detect(b"%PDF-1.4\n"), Some(("application/pdf", "pdf")));
    }
}

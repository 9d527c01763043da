//! Media: files are named by the SHA-256 of their bytes and typed by their bytes (not by their
//! name or declared type); rows hold what the API shows.

use std::path::{Path, PathBuf};

use diesel::prelude::*;

use crate::db::models::Media;
use crate::db::schema::media;
use crate::db::{self, Conn};
use crate::domain::{Caller, Listing, Paging, Text, new_id, parse_id};
use crate::error::AppError;

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

/// A stored file's name: 64 hex digits, a dot, a known extension. Anything else (`..`, slashes)
/// can never name a file.
pub fn valid_name(name: &str) -> bool {
    let Some((hash, ext)) = name.split_once('.') else {
        return false;
    };
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && ALLOWED.iter().any(|(_, e)| *e == ext)
}

pub fn path_of(dir: &Path, name: &str) -> Option<PathBuf> {
    valid_name(name).then(|| dir.join(name))
}

/// Writes the bytes (once per content) and records the upload.
pub fn store(
    conn: &mut Conn,
    dir: &Path,
    uploader: &Caller,
    filename: &str,
    bytes: &[u8],
) -> Result<Media, AppError> {
    let (content_type, ext) = detect(bytes).ok_or_else(|| {
        AppError::UnsupportedMediaType(
            "Upload a JPEG, PNG, GIF, WebP or AVIF image, or a PDF.".into(),
        )
    })?;
    let name = format!("{}.{ext}", crate::crypto::sha256_hex(bytes));
    let path = dir.join(&name);
    if !path.exists() {
        std::fs::create_dir_all(dir).map_err(|e| AppError::Internal(e.into()))?;
        // Written aside, then renamed: a reader never sees half a file.
        let partial = dir.join(format!(".{name}.{}", new_id()));
        std::fs::write(&partial, bytes).map_err(|e| AppError::Internal(e.into()))?;
        std::fs::rename(&partial, &path).map_err(|e| AppError::Internal(e.into()))?;
    }
    let (width, height) = match imagesize::blob_size(bytes) {
        Ok(size) if content_type.starts_with("image/") => (
            i32::try_from(size.width).ok(),
            i32::try_from(size.height).ok(),
        ),
        _ => (None, None),
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
            name,
            filename,
            content_type: content_type.into(),
            bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            width,
            height,
            alt: String::new(),
            uploaded_by: Some(uploader.user_id.clone()),
            created_at: super::now(),
        })
        .returning(Media::as_returning())
        .get_result(conn)?)
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
        .returning(Media::as_returning())
        .get_result(conn)?)
}

/// Deletes the row, and the file when no other upload has the same content.
pub fn delete(conn: &mut Conn, dir: &Path, caller: &Caller, id: &str) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let item = editable(conn, caller, id)?;
        diesel::delete(media::table.find(&item.id)).execute(conn)?;
        let others: i64 = media::table
            .filter(media::name.eq(&item.name))
            .count()
            .get_result(conn)?;
        if others == 0
            && let Some(path) = path_of(dir, &item.name)
        {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_the_directory() {
        let good = format!("{}.png", "a".repeat(64));
        assert!(valid_name(&good));
        for bad in [
            "../etc/passwd",
            "..",
            &format!("{}.exe", "a".repeat(64)),
            &format!("{}/x.png", "a".repeat(63)),
            ".png",
            "A".repeat(64).as_str(),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
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

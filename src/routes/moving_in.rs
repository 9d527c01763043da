//! Moving in from Blogger or WordPress: the export arrives as the body or as the multipart field
//! `file`, is spooled to a temporary file (never held in memory), imported batch by batch, and
//! answered with the report, itself spooled and streamed.

use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};

use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;

use super::extract;
use crate::domain::{Caller, Role};
use crate::error::{AppError, Problem};
use crate::services::moving_in::{
    self, Format, MoveInReport, Prepared, ReportWriter, Rules, Run, Writer, Written,
};
use crate::state::AppState;

/// The multipart body of an import, as the OpenAPI document describes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ExportForm {
    /// The export file (XML).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The body types an export may come as.
const XML_TYPES: [&str; 4] = [
    "application/xml",
    "text/xml",
    "application/atom+xml",
    "application/rss+xml",
];

fn too_large(limit: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "The export is larger than the limit of {limit} bytes (BYLINE_MOVE_IN_LIMIT)."
    ))
}

fn spool_error(e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("cannot spool the upload: {e}"))
}

/// Copies the upload into a temporary file, refusing it past `limit` bytes. Writes go to the
/// operating system's page cache a chunk at a time (microseconds each), so they stay inline.
async fn spool(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<std::fs::File, AppError> {
    let content_type = extract::content_type(req);
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit + 64 * 1024) {
        return Err(too_large(limit));
    }
    let mut file = BufWriter::with_capacity(1 << 20, tempfile::tempfile().map_err(spool_error)?);
    let mut written = 0usize;
    let mut write = |chunk: &[u8]| {
        written += chunk.len();
        if written > limit {
            return Err(too_large(limit));
        }
        file.write_all(chunk).map_err(spool_error)
    };
    if content_type == "multipart/form-data" {
        let form = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
        extract::read_file_field(form, write)
            .await?
            .ok_or_else(|| crate::error::FieldErrors::single("file", "is required"))?;
    } else if XML_TYPES.contains(&content_type.as_str()) {
        let mut payload = payload.into_inner();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| AppError::BadRequest(format!("The body could not be read: {e}")))?;
            write(&chunk)?;
        }
    } else {
        return Err(AppError::UnsupportedMediaType(
            "Send the export as the body (`application/xml`) or as the multipart field `file`."
                .into(),
        ));
    }
    let mut file = file.into_inner().map_err(|e| spool_error(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(spool_error)?;
    Ok(file)
}

/// Imports the spooled export as `caller`, a batch per database call (each with its own time
/// budget, the writer free between them); answers the report's file.
async fn move_in(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    payload: web::Payload,
    format: Format,
) -> Result<HttpResponse, AppError> {
    caller.require(Role::Editor)?;
    let limit = state.settings.move_in_limit;
    // An export is large: ten times the usual time to send a body.
    let deadline = extract::body_deadline(&req) * 10;
    let upload = extract::within(deadline, spool(&req, payload, limit)).await?;
    let rules = Rules {
        max_body_bytes: state.settings.post_max_bytes,
        max_comment_depth: state.settings.comment_max_depth,
    };
    let db = state.db.clone();
    let runtime = tokio::runtime::Handle::current();
    let report = web::block(move || -> Result<std::fs::File, AppError> {
        let now = crate::services::now();
        let mut slot = Some(Writer::new(caller, &rules, now));
        let mut write = |batch: Vec<Prepared>, orphans_at_top: bool| -> Result<Written, AppError> {
            let writer = slot
                .take()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("an earlier batch failed")))?;
            let (writer, written) = runtime.block_on(crate::db::run_long(&db, move |c| {
                let mut writer = writer;
                let written = writer.write(c, batch, orphans_at_top)?;
                Ok((writer, written))
            }))?;
            slot = Some(writer);
            Ok(written)
        };
        let spooled = tempfile::tempfile().map_err(spool_error)?;
        let mut report = ReportWriter::new(BufWriter::new(spooled)).map_err(spool_error)?;
        let mut push = |line: &moving_in::ReportLine| report.push(line).map_err(spool_error);
        let mut input = BufReader::with_capacity(1 << 16, upload);
        moving_in::import(
            &mut input,
            Run {
                format,
                rules: rules.clone(),
                now,
                write: &mut write,
                report: &mut push,
                progress: &mut |_| {},
            },
        )?;
        let (out, _) = report.finish().map_err(spool_error)?;
        let mut file = out.into_inner().map_err(|e| spool_error(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(spool_error)?;
        Ok(file)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("the import task failed: {e}")))??;
    let file = actix_files::NamedFile::from_file(report, "report.json")
        .map_err(spool_error)?
        .use_etag(false)
        .use_last_modified(false)
        .disable_content_disposition();
    let mut response = file.into_response(&req);
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Imports a WordPress export (WXR 1.0–1.2, Tools → Export) as the raw body or the multipart
/// field `file` (editors): posts with their tags, categories, authors and threaded comments.
/// Pages, attachments and menu items are reported as skipped. Importing the same file again
/// changes nothing; one bad item fails alone. A file that is not well-formed XML, or not a
/// WordPress export, is a 422 naming `file`, and nothing is written.
#[utoipa::path(
    operation_id = "importWordpress",
    tag = "import",
    security(("bearer" = [])),
    request_body(
        content(
            (String = "application/xml", example = json!("<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><wp:wxr_version>1.2</wp:wxr_version></channel></rss>")),
            (ExportForm = "multipart/form-data"),
        ),
        description = "The export; at most BYLINE_MOVE_IN_LIMIT bytes (256 MiB by default)"
    ),
    responses(
        (status = 200, description = "What became of each item", body = MoveInReport),
        (status = 413, description = "Over BYLINE_MOVE_IN_LIMIT", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither XML nor multipart", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not well-formed XML, or not a WordPress export", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/import/wordpress")]
pub async fn wordpress(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    move_in(req, caller, state, payload, Format::WordPress).await
}

/// Imports a Blogger backup (the Atom file from Settings → Back up content) as the raw body or
/// the multipart field `file` (editors): posts with their labels, authors and threaded
/// comments. Settings, the template and pages are reported as skipped. Importing the same file
/// again changes nothing; one bad item fails alone. A file that is not well-formed XML, or not
/// an Atom feed, is a 422 naming `file`, and nothing is written.
#[utoipa::path(
    operation_id = "importBlogger",
    tag = "import",
    security(("bearer" = [])),
    request_body(
        content(
            (String = "application/atom+xml", example = json!("<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>tag:blogger.com,1999:blog-1</id></feed>")),
            (ExportForm = "multipart/form-data"),
        ),
        description = "The backup; at most BYLINE_MOVE_IN_LIMIT bytes (256 MiB by default)"
    ),
    responses(
        (status = 200, description = "What became of each item", body = MoveInReport),
        (status = 413, description = "Over BYLINE_MOVE_IN_LIMIT", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither XML nor multipart", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not well-formed XML, or not an Atom feed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/import/blogger")]
pub async fn blogger(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    move_in(req, caller, state, payload, Format::Blogger).await
}

//! The `byline` command line: `serve` (default), `migrate`, `user`, `import`, `export`,
//! `newsletter`, `openapi`, `backup`.

use std::io::BufRead;
use std::path::PathBuf;

use crate::config::{MediaLocation, Settings};
use crate::db::{self, Conn};
use crate::domain::{Caller, Cursor, Email, Name, Page, Paging, Password, Role};
use crate::error::AppError;
use crate::media_store::MediaStore;
use crate::services::import::{self as post_import, export_item};
use crate::services::users::{self, UserDraft, UserUpdate};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "byline",
    version,
    about = "Byline: a headless blogging CMS over embedded SQLite."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default). Configuration comes from BYLINE_* variables.
    Serve,
    /// Create the database if needed and apply pending migrations.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Import posts from a JSON array or NDJSON file (upserted by slug), or move in a whole
    /// Blogger backup or WordPress export (posts, tags, authors and comments), as the given user.
    Import {
        file: PathBuf,
        /// What FILE is: Byline's own JSON/NDJSON, a Blogger backup, or a WordPress export.
        #[arg(long, value_enum, default_value_t = ImportFrom::Byline)]
        from: ImportFrom,
        /// E-mail of the user the posts are imported as (default: the first admin).
        #[arg(long = "as")]
        as_user: Option<String>,
        /// Blogger and WordPress: write the full report (one line per item, as the API answers
        /// it) to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Write every post as NDJSON (re-importable) to FILE, or to stdout.
    Export { file: Option<PathBuf> },
    /// Print the OpenAPI document.
    Openapi,
    /// Write a consistent copy of the live database to PATH.
    Backup { path: PathBuf },
    /// Newsletters: e-mail a live post to the confirmed subscribers.
    #[command(subcommand)]
    Newsletter(NewsletterCommand),
    /// Uploaded files.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Copy a whole site into an empty database, e.g. from SQLite to PostgreSQL: every table,
    /// then the search index rebuilt, then each table's count checked. Stop the server first.
    Transfer {
        /// The site's database now: a SQLite path or `sqlite://path`, or `postgres://…`.
        #[arg(long)]
        from: String,
        /// The empty database to copy it into (migrated here first).
        #[arg(long)]
        to: String,
        /// Copy the uploaded files too, from `--media-from` to `--media-to` (files the target
        /// has already are left).
        #[arg(long, requires = "media_to")]
        media: bool,
        /// Where the files are now: `file://<dir>` or `s3://bucket/prefix` (default: this
        /// environment's BYLINE_MEDIA_STORE, or BYLINE_MEDIA_DIR).
        #[arg(long, requires = "media")]
        media_from: Option<String>,
        /// Where they go: `file://<dir>` or `s3://bucket/prefix` (S3 reached through
        /// BYLINE_S3_ENDPOINT, BYLINE_S3_REGION and the AWS_* keys, for either side).
        #[arg(long, requires = "media")]
        media_to: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Make the resized copies (BYLINE_MEDIA_WIDTHS) of JPEG, PNG and WebP uploads that have
    /// none: those uploaded before copies existed, or before a width was added.
    Variants,
}

/// The kinds of file `byline import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFrom {
    Byline,
    Blogger,
    Wordpress,
}

#[derive(Debug, Subcommand)]
pub enum NewsletterCommand {
    /// Queue a live post (id or slug) for every confirmed subscriber; the server's workers send
    /// it, each copy once.
    Send {
        post: String,
        /// The subject line (default: the post's title).
        #[arg(long)]
        subject: Option<String>,
        /// Only subscribers who signed up with this source.
        #[arg(long)]
        source: Option<String>,
        /// Send although the post went out before.
        #[arg(long)]
        resend: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password, the password is read from the first line of stdin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "author")]
        role: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// List users.
    List,
    /// Set a user's password. Without --password, it is read from the first line of stdin.
    SetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(Settings::from_env()?),
        Command::Openapi => {
            print!("{}", crate::openapi::document_json());
            Ok(())
        }
        Command::Migrate => {
            let mut conn = open(&Settings::from_env()?)?;
            let ran = db::migrate(&mut conn)?;
            println!("applied {ran} migration(s)");
            Ok(())
        }
        Command::Backup { path } => {
            let mut conn = open(&Settings::from_env()?)?;
            db::backup(&mut conn, &path)?;
            println!("backup written to {}", path.display());
            Ok(())
        }
        Command::User(cmd) => user(&mut open(&Settings::from_env()?)?, cmd),
        Command::Transfer {
            from,
            to,
            media: _,
            media_from,
            media_to,
        } => {
            transfer(&from, &to)?;
            match media_to {
                Some(media_to) => transfer_media(&from, media_from, &media_to),
                None => Ok(()),
            }
        }
        Command::Import {
            file,
            from,
            as_user,
            report,
        } => {
            let settings = Settings::from_env()?;
            let mut conn = open(&settings)?;
            let caller = importer(&mut conn, as_user)?;
            match from {
                ImportFrom::Byline => import(&mut conn, &file, &caller, settings.post_max_bytes),
                ImportFrom::Blogger => {
                    let format = crate::services::moving_in::Format::Blogger;
                    move_in(&mut conn, &settings, &file, format, caller, report)
                }
                ImportFrom::Wordpress => {
                    let format = crate::services::moving_in::Format::WordPress;
                    move_in(&mut conn, &settings, &file, format, caller, report)
                }
            }
        }
        Command::Export { file } => export(&mut open(&Settings::from_env()?)?, file),
        Command::Media(MediaCommand::Variants) => {
            let settings = Settings::from_env()?;
            let rules = crate::services::media::ImageRules {
                widths: settings.media_widths.clone(),
                max_pixels: settings.media_max_pixels,
            };
            let mut conn = open(&settings)?;
            let store = MediaStore::open(&settings.media_store, &settings.s3)?;
            let report = block_on(crate::services::media::make_missing_copies(
                &mut conn, &store, &rules,
            ))?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            for (name, why) in &report.failed {
                eprintln!("skipped {name}: {why}");
            }
            println!(
                "made copies of {} image(s); {} needed none; {} could not be read",
                report.made,
                report.none_needed,
                report.failed.len()
            );
            Ok(())
        }
        Command::Newsletter(NewsletterCommand::Send {
            post,
            subject,
            source,
            resend,
        }) => {
            use crate::services::newsletters::{NewsletterRequest, Subject};
            let subject = subject
                .map(|s| Subject::parse(&s).map(Subject::into_inner))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--subject {e}"))?;
            let request = NewsletterRequest {
                post,
                subject,
                source,
                resend,
            };
            let mut conn = open(&Settings::from_env()?)?;
            let n = crate::services::newsletters::create(
                &mut conn,
                &request,
                None,
                crate::services::now(),
            )
            .map_err(describe)?;
            println!(
                "newsletter {} queued for {} subscriber(s): \"{}\"",
                n.id, n.total, n.subject
            );
            Ok(())
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = crate::startup::Application::build(settings).await?;
        app.run_until_stopped().await?;
        log::info!("stopped");
        Ok(())
    })
}

/// A migrated connection for the commands that work on the database directly.
/// `byline transfer`: one progress line per table, then the counts.
fn transfer(from: &str, to: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut source = db::connect(from)?;
    db::migrate(&mut source)?;
    let mut target = db::connect(to)?;
    db::migrate(&mut target)?;
    let copied = db::transfer::copy(&mut source, &mut target, |table, done, total| {
        eprint!("\r{table}: {done} of {total} rows\x1b[K");
        let _ = std::io::stderr().flush();
    })?;
    eprintln!();
    let indexed = crate::services::search::reindex(&mut target, |done| {
        eprint!("\rsearch index: {done} posts\x1b[K");
        let _ = std::io::stderr().flush();
    })?;
    eprintln!();
    for copied in &copied {
        println!("{}: {} rows", copied.table, copied.rows);
    }
    println!("search index: {indexed} posts; every table's count checked");
    Ok(())
}

/// Copies the files the uploads of the site at `database` name into the store `to`.
fn transfer_media(database: &str, from: Option<String>, to: &str) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let from = match from {
        Some(url) => MediaLocation::parse(&url).context("--media-from")?,
        None => settings.media_store.clone(),
    };
    let to = MediaLocation::parse(to).context("--media-to")?;
    if from == to {
        bail!("--media-from and --media-to are the same store");
    }
    let from = MediaStore::open(&from, &settings.s3)?;
    let to = MediaStore::open(&to, &settings.s3)?;
    let mut conn = db::connect(database)?;
    let report = block_on(crate::services::media::copy_files(&mut conn, &from, &to))?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for name in &report.missing {
        eprintln!("missing from {from:?}: {name}");
    }
    println!(
        "media: {} files copied, {} already there, {} missing",
        report.copied,
        report.present,
        report.missing.len()
    );
    if !report.missing.is_empty() {
        bail!(
            "{} files named by uploads are not in {from:?}",
            report.missing.len()
        );
    }
    Ok(())
}

/// Runs the store's requests of a command (S3 needs a runtime; a directory, blocking threads).
fn block_on<F: std::future::Future>(work: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(work))
}

fn open(settings: &Settings) -> anyhow::Result<Conn> {
    let mut conn = db::connect(settings.database_path())?;
    db::migrate(&mut conn)?;
    Ok(conn)
}

fn password_arg(given: Option<String>) -> anyhow::Result<Password> {
    let raw = match given {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    Password::parse(&raw).map_err(|e| anyhow::anyhow!("password {e}"))
}

fn user(conn: &mut Conn, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            email,
            name,
            role,
            password,
        } => {
            let draft = UserDraft {
                email: Email::parse(&email).map_err(|e| anyhow::anyhow!("--email {e}"))?,
                name: Name::parse(&name)
                    .map_err(|e| anyhow::anyhow!("--name {e}"))?
                    .into_inner(),
                role: role
                    .parse::<Role>()
                    .map_err(|e| anyhow::anyhow!("--role {e}"))?,
                password: password_arg(password)?,
            };
            let user = users::create(conn, draft).map_err(describe)?;
            println!("created {} {} ({})", user.id, user.email, user.role);
        }
        UserCommand::List => {
            let mut paging = Paging::Page(Page {
                number: 1,
                per_page: Page::MAX_PER_PAGE,
            });
            loop {
                let (rows, listing) = users::list(conn, &paging).map_err(describe)?;
                for u in &rows {
                    println!("{}\t{}\t{}\t{}", u.id, u.email, u.role, u.name);
                }
                let Some(next) = listing.next_cursor else {
                    break;
                };
                paging = Paging::After {
                    per_page: Page::MAX_PER_PAGE,
                    cursor: Cursor::decode(&next).map_err(|e| anyhow::anyhow!(e))?,
                };
            }
        }
        UserCommand::SetPassword { email, password } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
            let id = users::find_by_email(conn, &email)
                .map_err(describe)?
                .with_context(|| format!("no user has the e-mail {email}"))?
                .id;
            let update = UserUpdate {
                password: Some(password_arg(password)?),
                ..Default::default()
            };
            users::update(conn, &id, update).map_err(describe)?;
            println!("password changed for {email}");
        }
    }
    Ok(())
}

fn describe(e: AppError) -> anyhow::Error {
    match &e {
        AppError::Validation(fields) => {
            anyhow::anyhow!("{e} {}", serde_json::to_string(fields).unwrap_or_default())
        }
        _ => anyhow::anyhow!("{e}"),
    }
}

/// Items per transaction, so progress shows and memory stays flat on large files.
const IMPORT_CHUNK: usize = 500;

/// Moves a Blogger backup or WordPress export in, with a progress line on stderr; prints each
/// failed or skipped item and the totals, and writes the full report to `report` if given.
fn move_in(
    conn: &mut Conn,
    settings: &Settings,
    file: &std::path::Path,
    format: crate::services::moving_in::Format,
    caller: Caller,
    report: Option<PathBuf>,
) -> anyhow::Result<()> {
    use crate::services::moving_in::{self, ItemKind, Outcome, ReportWriter, Rules, Run, Writer};
    use std::io::Write;
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let out: Box<dyn Write> = match &report {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::sink()),
    };
    let mut full = ReportWriter::new(out)?;
    let rules = Rules {
        max_body_bytes: settings.post_max_bytes,
        max_comment_depth: settings.comment_max_depth,
    };
    let now = crate::services::now();
    let mut writer = Writer::new(caller, &rules, now);
    let mut write = |batch, orphans_at_top| writer.write(conn, batch, orphans_at_top);
    let mut push = |line: &moving_in::ReportLine| {
        let noteworthy = line.kind == ItemKind::Skipped || line.outcome == Some(Outcome::Error);
        if noteworthy {
            eprintln!("\r{}", serde_json::to_string(line).unwrap_or_default());
        }
        full.push(line)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot write the report: {e}")))
    };
    let mut progress = |p: moving_in::Progress<'_>| {
        let percent = (p.position * 100).checked_div(p.length).unwrap_or(100);
        eprint!(
            "\rpass {}: {percent:>3}% · posts {} · comments {} · skipped {}   ",
            p.pass,
            p.totals.posts.created + p.totals.posts.updated + p.totals.posts.unchanged,
            p.totals.comments.created + p.totals.comments.updated + p.totals.comments.unchanged,
            p.totals.skipped,
        );
    };
    let totals = moving_in::import(
        &mut input,
        Run {
            format,
            rules: rules.clone(),
            now,
            write: &mut write,
            report: &mut push,
            progress: &mut progress,
        },
    )
    .map_err(describe)?;
    eprintln!();
    full.finish()?;
    println!("{}", serde_json::to_string_pretty(&totals)?);
    Ok(())
}

/// The user an import runs as: `--as`, else the first admin.
fn importer(conn: &mut Conn, as_user: Option<String>) -> anyhow::Result<Caller> {
    let user = match as_user {
        Some(email) => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--as {e}"))?;
            users::find_by_email(conn, &email)
                .map_err(describe)?
                .with_context(|| format!("no user has the e-mail {email}"))?
        }
        None => users::first_admin(conn)
            .map_err(describe)?
            .context("no admin yet: run `byline serve` once or `byline user create`")?,
    };
    Ok(Caller {
        role: user.role,
        user_id: user.id,
        api_key: None,
    })
}

fn import(
    conn: &mut Conn,
    file: &std::path::Path,
    caller: &Caller,
    max_body_bytes: usize,
) -> anyhow::Result<()> {
    let body = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let is_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let items = post_import::parse_items(&body, !is_array, max_body_bytes).map_err(describe)?;
    let total = items.len();
    let mut outcomes = Vec::with_capacity(total);
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<_> = items.by_ref().take(IMPORT_CHUNK).collect();
        let done = crate::services::posts::import(conn, caller, chunk, crate::services::now())
            .map_err(describe)?;
        outcomes.extend(done);
        eprintln!("imported {}/{total}", outcomes.len());
    }
    let report = post_import::report(outcomes);
    for item in report.items.iter().filter(|i| i.errors.is_some()) {
        eprintln!(
            "item {} ({}): {}",
            item.index,
            item.slug.as_deref().unwrap_or("-"),
            serde_json::to_string(&item.errors)?
        );
    }
    let t = &report.totals;
    println!(
        "created {}, updated {}, unchanged {}, errors {}",
        t.created, t.updated, t.unchanged, t.error
    );
    Ok(())
}

fn export(conn: &mut Conn, file: Option<PathBuf>) -> anyhow::Result<()> {
    use std::io::Write;
    let views = crate::services::posts::export(conn).map_err(describe)?;
    let mut out: Box<dyn Write> = match &file {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for view in &views {
        serde_json::to_writer(&mut out, &export_item(view))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!("exported {} posts", views.len());
    Ok(())
}

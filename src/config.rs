//! Settings from the environment (a `.env` file is loaded by `main`). Every variable is listed in
//! `.env.example`; a bad value stops start-up with an error that names the variable.

use std::path::PathBuf;

use anyhow::{Context, bail};

#[derive(Debug, Clone)]
pub struct Settings {
    /// SQLite file path (a `sqlite://` prefix is accepted).
    pub database_url: String,
    /// `host:port` to listen on; port 0 picks a free port (tests).
    pub bind: String,
    /// The public base URL clients use, without a trailing slash; used in `Location` and `Link`.
    /// `None`: `http://` and the address actually bound.
    pub public_url: Option<String>,
    /// HS256 secret; `None` means "use the one generated and kept in the database".
    pub jwt_secret: Option<String>,
    pub jwt_ttl_seconds: i64,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Allowed CORS origins; `*` allows any.
    pub cors_origins: Vec<String>,
    pub json_limit: usize,
    pub import_limit: usize,
    /// The largest Blogger or WordPress export `POST /import/...` takes, in bytes.
    pub move_in_limit: usize,
    pub media_limit: usize,
    /// Where uploaded files are kept.
    pub media_store: MediaLocation,
    /// How to reach the S3 service when `media_store` is a bucket.
    pub s3: S3Settings,
    /// The widths of the resized copies of uploaded photos (only those narrower are made).
    pub media_widths: Vec<u32>,
    /// The most pixels an uploaded photo may have (it is decoded to make its copies).
    pub media_max_pixels: u64,
    /// The site served at `/`; e-mail links then open its pages.
    pub site: SiteSource,
    /// Login attempts per client IP per minute.
    pub login_per_minute: u32,
    /// Comments per client IP per minute, and per post per minute (floods).
    pub comments_per_minute: u32,
    pub comments_per_post_per_minute: u32,
    /// A comment with more links than this is spam.
    pub comment_max_links: usize,
    /// How deep replies nest (deeper replies attach to the deepest allowed level).
    pub comment_max_depth: i32,
    /// Take the client IP from `X-Forwarded-For`/`Forwarded` (only behind a trusted proxy).
    pub trust_proxy: bool,
    pub db_pool_size: u32,
    /// Read-only connections for public reads (besides the `db_pool_size` that may write).
    pub db_readers: u32,
    /// The time budget of each request's database work; past it, a `503`.
    pub statement_timeout_ms: u64,
    /// URLs per sitemap file; past it `/sitemap.xml` is an index (sitemaps.org: at most 50,000).
    pub sitemap_max_urls: u32,
    /// How long a client may take to send a request's head before it gets a 408.
    pub client_timeout_ms: u64,
    /// The longest an anonymous read is served from memory (0 turns the cache off); writes and
    /// scheduled publications end entries sooner, exactly when they make them stale.
    pub public_cache_ms: u64,
    /// `smtp://host:port`, `smtps://user:pass@host`; `None`: e-mails are written to the log.
    pub smtp_url: Option<String>,
    /// The From address of every e-mail.
    pub mail_from: String,
    /// Where contact messages and comments awaiting moderation are announced (none when unset).
    pub owner_email: Option<String>,
    pub mail_max_attempts: i32,
    /// The first retry's delay; each later one doubles.
    pub mail_retry_base_ms: u64,
    /// Newsletter copies sent per second at most, across senders (0: no limit).
    pub newsletter_per_second: u32,
    /// Run the background jobs: e-mail, webhooks, the scheduler (tests drain the queues
    /// themselves).
    pub run_jobs: bool,
    /// Let webhooks target private and loopback addresses (tests, trusted networks).
    pub webhooks_allow_private: bool,
    pub webhook_max_attempts: i32,
    pub webhook_retry_base_ms: u64,
    /// How long a claimed e-mail or delivery waits before another sender may take it: must be
    /// longer than an attempt takes (SMTP and webhook timeouts), so a lapsed lease means the
    /// sender died. On PostgreSQL that is how a crashed node's claims come back.
    pub job_lease_seconds: u64,
    pub subscribers_per_minute: u32,
    pub contact_per_minute: u32,
    /// The largest post body (Markdown or HTML), in bytes.
    pub post_max_bytes: usize,
    /// How long a client may take to send a request's body.
    pub body_timeout_ms: u64,
    /// Without SMTP, e-mails are written here as `.eml` files (development).
    pub mail_dir: Option<PathBuf>,
}

/// Where uploaded files live (`BYLINE_MEDIA_STORE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLocation {
    /// A directory (`file://<dir>`, or `BYLINE_MEDIA_DIR`; the default `media`).
    Dir(PathBuf),
    /// An S3-compatible bucket, the files under `prefix` (`s3://bucket/prefix`).
    S3 { bucket: String, prefix: String },
}

impl MediaLocation {
    /// `file://<dir>` or `s3://bucket[/prefix]`.
    pub fn parse(url: &str) -> anyhow::Result<MediaLocation> {
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                bail!("file:// needs a directory, as in file:///var/lib/byline/media");
            }
            return Ok(MediaLocation::Dir(PathBuf::from(dir)));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            bail!("{url}: use file://<dir> or s3://bucket/prefix");
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            bail!("{bucket}: not an S3 bucket name (3 to 63 of a-z, 0-9, '-' and '.')");
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part == "." || part == "..") {
            bail!("{prefix}: a prefix cannot hold . or .. parts");
        }
        Ok(MediaLocation::S3 {
            bucket: bucket.into(),
            prefix: prefix.into(),
        })
    }
}

/// How to reach the S3 service of `MediaLocation::S3`.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// `BYLINE_S3_ENDPOINT`: the service's URL (MinIO, R2, ...); AWS itself when unset.
    pub endpoint: Option<String>,
    /// `BYLINE_S3_REGION`; `us-east-1` when unset.
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`; without them the usual AWS chain
    /// (web identity, instance metadata) is asked.
    pub credentials: Option<S3Credentials>,
}

#[derive(Clone)]
pub struct S3Credentials {
    pub key_id: String,
    pub secret: String,
    pub token: Option<String>,
}

/// The key id only: secrets stay out of logs.
impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3Credentials({}, secret hidden)", self.key_id)
    }
}

/// What `/` serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteSource {
    /// The example blog built into the binary (the default).
    Embedded,
    /// Another site's files (`BYLINE_SITE_DIR=<dir>`).
    Dir(PathBuf),
    /// The API only (`BYLINE_SITE_DIR=none`).
    None,
}

impl Settings {
    /// Reads every `BYLINE_*` variable, falling back to the documented defaults.
    pub fn from_env() -> anyhow::Result<Settings> {
        let bind = var("BYLINE_BIND")?.unwrap_or_else(|| "127.0.0.1:8080".into());
        check_bind(&bind).context("BYLINE_BIND must be host:port, e.g. 127.0.0.1:8080")?;
        let public_url = match var("BYLINE_PUBLIC_URL")? {
            Some(url) => Some(parse_public_url(&url).context("BYLINE_PUBLIC_URL")?),
            None => None,
        };
        let jwt_secret = var("BYLINE_JWT_SECRET")?;
        if let Some(secret) = &jwt_secret
            && secret.len() < 32
        {
            bail!("BYLINE_JWT_SECRET must be at least 32 characters (or unset to generate one)");
        }
        let admin_email = var("BYLINE_ADMIN_EMAIL")?;
        if let Some(email) = &admin_email {
            crate::domain::Email::parse(email)
                .map_err(|e| anyhow::anyhow!("BYLINE_ADMIN_EMAIL {e}"))?;
        }
        let admin_password = var("BYLINE_ADMIN_PASSWORD")?;
        if let Some(pw) = &admin_password {
            crate::domain::Password::parse(pw)
                .and_then(|p| p.check_admin_strength())
                .map_err(|e| anyhow::anyhow!("BYLINE_ADMIN_PASSWORD {e}"))?;
        }
        Ok(Settings {
            database_url: var("BYLINE_DATABASE_URL")?.unwrap_or_else(|| "byline.db".into()),
            bind,
            public_url,
            jwt_secret,
            jwt_ttl_seconds: number("BYLINE_JWT_TTL_SECONDS", 900, 60, 86_400)?,
            admin_email,
            admin_password,
            cors_origins: var("BYLINE_CORS_ORIGINS")?
                .map(|s| split_list(&s))
                .unwrap_or_default(),
            json_limit: number("BYLINE_JSON_LIMIT", 1 << 20, 1024, 1 << 30)?,
            import_limit: number("BYLINE_IMPORT_LIMIT", 32 << 20, 1024, 1 << 32)?,
            move_in_limit: number("BYLINE_MOVE_IN_LIMIT", 256 << 20, 1024, 1 << 40)?,
            media_limit: number("BYLINE_MEDIA_LIMIT", 10 << 20, 1024, 1 << 32)?,
            media_store: match var("BYLINE_MEDIA_STORE")? {
                Some(url) => MediaLocation::parse(&url).context("BYLINE_MEDIA_STORE")?,
                None => MediaLocation::Dir(PathBuf::from(
                    var("BYLINE_MEDIA_DIR")?.unwrap_or_else(|| "media".into()),
                )),
            },
            s3: S3Settings {
                endpoint: var("BYLINE_S3_ENDPOINT")?,
                region: var("BYLINE_S3_REGION")?,
                credentials: match (var("AWS_ACCESS_KEY_ID")?, var("AWS_SECRET_ACCESS_KEY")?) {
                    (Some(key_id), Some(secret)) => Some(S3Credentials {
                        key_id,
                        secret,
                        token: var("AWS_SESSION_TOKEN")?,
                    }),
                    _ => None,
                },
            },
            media_widths: match var("BYLINE_MEDIA_WIDTHS")? {
                Some(list) => parse_widths(&list).context("BYLINE_MEDIA_WIDTHS")?,
                None => DEFAULT_MEDIA_WIDTHS.to_vec(),
            },
            media_max_pixels: number("BYLINE_MEDIA_MAX_PIXELS", 40_000_000, 1, 1 << 32)?,
            site: match var("BYLINE_SITE_DIR")? {
                None => SiteSource::Embedded,
                Some(dir) if dir == "none" => SiteSource::None,
                Some(dir) if PathBuf::from(&dir).join("index.html").is_file() => {
                    SiteSource::Dir(PathBuf::from(dir))
                }
                Some(dir) => bail!("BYLINE_SITE_DIR: {dir} has no index.html (or say none)"),
            },
            login_per_minute: number("BYLINE_LOGIN_PER_MINUTE", 10, 1, 100_000)?,
            comments_per_minute: number("BYLINE_COMMENTS_PER_MINUTE", 20, 1, 100_000)?,
            comments_per_post_per_minute: number(
                "BYLINE_COMMENTS_PER_POST_PER_MINUTE",
                60,
                1,
                100_000,
            )?,
            comment_max_links: number("BYLINE_COMMENT_MAX_LINKS", 3, 0, 1000)?,
            comment_max_depth: number("BYLINE_COMMENT_MAX_DEPTH", 5, 1, 50)?,
            trust_proxy: boolean("BYLINE_TRUST_PROXY", false)?,
            db_pool_size: number("BYLINE_DB_POOL_SIZE", 8, 1, 64)?,
            db_readers: number("BYLINE_DB_READERS", 4, 1, 64)?,
            statement_timeout_ms: number("BYLINE_STATEMENT_TIMEOUT_MS", 2000, 1, 600_000)?,
            sitemap_max_urls: number("BYLINE_SITEMAP_MAX_URLS", 50_000, 2, 50_000)?,
            client_timeout_ms: number("BYLINE_CLIENT_TIMEOUT_MS", 10_000, 100, 600_000)?,
            public_cache_ms: number("BYLINE_PUBLIC_CACHE_MS", 60_000, 0, 3_600_000)?,
            smtp_url: var("BYLINE_SMTP_URL")?,
            mail_from: var("BYLINE_MAIL_FROM")?
                .unwrap_or_else(|| "Byline <noreply@localhost>".into()),
            owner_email: match var("BYLINE_OWNER_EMAIL")? {
                Some(e) => Some(
                    crate::domain::Email::parse(&e)
                        .map_err(|m| anyhow::anyhow!("BYLINE_OWNER_EMAIL {m}"))?
                        .into_inner(),
                ),
                None => None,
            },
            mail_max_attempts: number("BYLINE_MAIL_MAX_ATTEMPTS", 8, 1, 100)?,
            mail_retry_base_ms: number("BYLINE_MAIL_RETRY_BASE_MS", 30_000, 10, 3_600_000)?,
            newsletter_per_second: number("BYLINE_NEWSLETTER_PER_SECOND", 20, 0, 100_000)?,
            run_jobs: true,
            webhooks_allow_private: boolean("BYLINE_WEBHOOKS_ALLOW_PRIVATE", false)?,
            webhook_max_attempts: number("BYLINE_WEBHOOK_MAX_ATTEMPTS", 8, 1, 100)?,
            webhook_retry_base_ms: number("BYLINE_WEBHOOK_RETRY_BASE_MS", 10_000, 10, 3_600_000)?,
            job_lease_seconds: number("BYLINE_JOB_LEASE_SECONDS", 120, 1, 86_400)?,
            subscribers_per_minute: number("BYLINE_SUBSCRIBERS_PER_MINUTE", 20, 1, 100_000)?,
            contact_per_minute: number("BYLINE_CONTACT_PER_MINUTE", 10, 1, 100_000)?,
            post_max_bytes: number("BYLINE_POST_MAX_BYTES", 1 << 20, 1024, 64 << 20)?,
            body_timeout_ms: number("BYLINE_BODY_TIMEOUT_MS", 30_000, 100, 3_600_000)?,
            mail_dir: var("BYLINE_MAIL_DIR")?.map(PathBuf::from),
        })
    }

    /// Settings for a server on a random local port over the given database file.
    pub fn for_tests(database: PathBuf) -> Settings {
        let media_dir = database.with_file_name("media");
        Settings {
            media_store: MediaLocation::Dir(media_dir),
            s3: S3Settings::default(),
            site: SiteSource::None,
            database_url: database.to_string_lossy().into_owned(),
            bind: "127.0.0.1:0".into(),
            public_url: None,
            jwt_secret: None,
            jwt_ttl_seconds: 900,
            admin_email: None,
            admin_password: None,
            cors_origins: vec![],
            json_limit: 1 << 20,
            import_limit: 32 << 20,
            move_in_limit: 256 << 20,
            media_limit: 10 << 20,
            media_widths: DEFAULT_MEDIA_WIDTHS.to_vec(),
            media_max_pixels: 40_000_000,
            login_per_minute: 10,
            comments_per_minute: 20,
            comments_per_post_per_minute: 60,
            comment_max_links: 3,
            comment_max_depth: 5,
            trust_proxy: false,
            db_pool_size: 4,
            db_readers: 2,
            statement_timeout_ms: 10_000,
            sitemap_max_urls: 50_000,
            client_timeout_ms: 10_000,
            public_cache_ms: 60_000,
            smtp_url: None,
            mail_from: "Byline <noreply@localhost>".into(),
            owner_email: None,
            mail_max_attempts: 5,
            mail_retry_base_ms: 50,
            newsletter_per_second: 0,
            run_jobs: false,
            webhooks_allow_private: true,
            webhook_max_attempts: 5,
            webhook_retry_base_ms: 50,
            job_lease_seconds: 120,
            subscribers_per_minute: 20,
            contact_per_minute: 10,
            post_max_bytes: 1 << 20,
            body_timeout_ms: 30_000,
            mail_dir: None,
        }
    }

    /// The database path without any `sqlite://` scheme.
    pub fn database_path(&self) -> &str {
        self.database_url
            .strip_prefix("sqlite://")
            .unwrap_or(&self.database_url)
    }
}

/// An unset or empty variable is `None`; a variable that is not UTF-8 is an error naming it.
fn var(name: &str) -> anyhow::Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v.trim().to_string())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => bail!("{name} is not valid UTF-8"),
    }
}

fn number<T>(name: &str, default: T, min: T, max: T) -> anyhow::Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = var(name)? else {
        return Ok(default);
    };
    match raw.parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(v),
        _ => bail!("{name} must be a whole number from {min} to {max}, got {raw:?}"),
    }
}

fn boolean(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name)?
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => bail!("{name} must be true or false, got {other:?}"),
    }
}

const DEFAULT_MEDIA_WIDTHS: [u32; 4] = [320, 640, 1280, 1920];

/// `320,640,1280`: up to 8 widths from 16 to 8192 pixels; empty for no copies.
fn parse_widths(list: &str) -> anyhow::Result<Vec<u32>> {
    let widths = split_list(list)
        .iter()
        .map(|w| match w.parse::<u32>() {
            Ok(n) if (16..=8192).contains(&n) => Ok(n),
            _ => bail!("{w:?} is not a width from 16 to 8192"),
        })
        .collect::<anyhow::Result<Vec<u32>>>()?;
    if widths.len() > 8 {
        bail!("at most 8 widths");
    }
    Ok(widths)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect()
}

fn check_bind(bind: &str) -> anyhow::Result<()> {
    let (host, port) = bind.rsplit_once(':').context("missing :port")?;
    if host.is_empty() {
        bail!("missing host");
    }
    port.parse::<u16>()
        .context("port is not a number from 0 to 65535")?;
    Ok(())
}

fn parse_public_url(url: &str) -> anyhow::Result<String> {
    let url = crate::domain::parse_http_url(url).map_err(anyhow::Error::msg)?;
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_stores_are_a_directory_or_a_bucket() {
        assert_eq!(
            MediaLocation::parse("file:///var/media").ok(),
            Some(MediaLocation::Dir("/var/media".into()))
        );
        assert_eq!(
            MediaLocation::parse("s3://my-site/uploads/").ok(),
            Some(MediaLocation::S3 {
                bucket: "my-site".into(),
                prefix: "uploads".into()
            })
        );
        assert_eq!(
            MediaLocation::parse("s3://my-site").ok(),
            Some(MediaLocation::S3 {
                bucket: "my-site".into(),
                prefix: String::new()
            })
        );
        for bad in [
            "media",
            "file://",
            "s3://",
            "s3://My_Bucket/x",
            "s3://site/../x",
            "gs://x/y",
        ] {
            assert!(MediaLocation::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn media_widths_are_a_short_list_of_sane_numbers() {
        assert_eq!(parse_widths(" 320, 640 ,1280").unwrap(), [320, 640, 1280]);
        assert_eq!(parse_widths("").unwrap(), Vec::<u32>::new());
        for bad in ["0", "15", "8193", "wide", "320,,x", "1,2,3,4,5,6,7,8,9"] {
            assert!(parse_widths(bad).is_err(), "{bad}");
        }
        assert!(parse_widths(&"100,".repeat(9)).is_err());
    }

    #[test]
    fn bind_needs_host_and_numeric_port() {
        assert!(check_bind("127.0.0.1:8080").is_ok());
        assert!(check_bind("localhost:0").is_ok());
        assert!(check_bind("127.0.0.1").is_err());
        assert!(check_bind(":80").is_err());
        assert!(check_bind("host:http").is_err());
    }

    #[test]
    fn public_url_loses_its_trailing_slash() {
        assert_eq!(
            parse_public_url("https://blog.example.com/")
                .ok()
                .as_deref(),
            Some("https://blog.example.com")
        );
        assert!(parse_public_url("blog.example.com").is_err());
    }

    #[test]
    fn cors_list_is_trimmed() {
        assert_eq!(
            split_list(" https://a.example/ , ,https://b.example"),
            vec!["https://a.example", "https://b.example"]
        );
    }
}

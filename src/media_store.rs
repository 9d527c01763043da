//! Where uploaded files are kept (`BYLINE_MEDIA_STORE`): a directory, or any S3-compatible
//! service, behind `object_store`'s one trait, so several nodes can share one store. Files are
//! named by their content (`services::media`), so writing a name twice writes the same bytes and
//! a name never changes meaning: no locking is needed between nodes.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, PutPayload, RetryConfig,
};

use crate::config::{MediaLocation, S3Settings};
use crate::error::AppError;

/// The store of one site's files.
#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// What it is, for logs and errors (no secrets).
    describe: String,
}

/// A stored file's size and when it was written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stored {
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// A file's bytes as they arrive from the store.
pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

impl MediaStore {
    /// Opens the store `location` names; a directory is made if missing. Nothing is asked of an
    /// S3 service yet: its first request says whether it answers.
    pub fn open(location: &MediaLocation, s3: &S3Settings) -> anyhow::Result<MediaStore> {
        match location {
            MediaLocation::Dir(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("media directory {}: {e}", dir.display()))?;
                let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
                Ok(MediaStore {
                    inner: Arc::new(store),
                    describe: format!("file://{}", dir.display()),
                })
            }
            MediaLocation::S3 { bucket, prefix } => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(s3.region.as_deref().unwrap_or("us-east-1"))
                    // A request path waits for at most a few quick retries, never minutes.
                    .with_retry(RetryConfig {
                        backoff: BackoffConfig::default(),
                        max_retries: 2,
                        retry_timeout: Duration::from_secs(10),
                    })
                    .with_client_options(
                        ClientOptions::new()
                            .with_connect_timeout(Duration::from_secs(5))
                            .with_timeout(Duration::from_secs(60)),
                    );
                if let Some(endpoint) = &s3.endpoint {
                    // Services other than AWS address buckets by path.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(credentials) = &s3.credentials {
                    builder = builder
                        .with_access_key_id(&credentials.key_id)
                        .with_secret_access_key(&credentials.secret);
                    if let Some(token) = &credentials.token {
                        builder = builder.with_token(token);
                    }
                }
                let store = builder.build()?;
                let inner: Arc<dyn ObjectStore> = match prefix.as_str() {
                    "" => Arc::new(store),
                    prefix => Arc::new(PrefixStore::new(store, prefix)),
                };
                Ok(MediaStore {
                    inner,
                    describe: format!("s3://{bucket}/{prefix}"),
                })
            }
        }
    }

    /// Writes `bytes` as `name` unless a file of that name is there already. A reader never
    /// sees half a file: a directory store writes aside and renames, S3 puts whole objects.
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        if self.head(name).await?.is_some() {
            return Ok(());
        }
        self.write(name, bytes).await
    }

    /// Writes `bytes` as `name`, for a caller that has just seen it missing.
    pub async fn write(&self, name: &str, bytes: Vec<u8>) -> Result<(), AppError> {
        self.inner
            .put(&Path::from(name), PutPayload::from(bytes))
            .await
            .map_err(|e| self.unavailable("write", name, e))?;
        Ok(())
    }

    /// The size and time of `name`; `None` when there is no such file.
    pub async fn head(&self, name: &str) -> Result<Option<Stored>, AppError> {
        match self.inner.head(&Path::from(name)).await {
            Ok(meta) => Ok(Some(Stored {
                size: meta.size,
                last_modified: meta.last_modified,
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unavailable("look up", name, e)),
        }
    }

    /// The bytes of `name` (those in `range`, which must lie inside the file, when given) as a
    /// stream: a large file is never held in memory whole.
    pub async fn get(
        &self,
        name: &str,
        range: Option<Range<u64>>,
    ) -> Result<Option<(Stored, ByteStream)>, AppError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        match self.inner.get_opts(&Path::from(name), options).await {
            Ok(result) => {
                let stored = Stored {
                    size: result.meta.size,
                    last_modified: result.meta.last_modified,
                };
                let stream = result.into_stream().map_err(std::io::Error::other).boxed();
                Ok(Some((stored, stream)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unavailable("read", name, e)),
        }
    }

    /// The whole of `name`, for the commands that process or copy files; `None` when missing.
    pub async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, AppError> {
        match self.inner.get(&Path::from(name)).await {
            Ok(result) => match result.bytes().await {
                Ok(bytes) => Ok(Some(bytes.to_vec())),
                Err(e) => Err(self.unavailable("read", name, e)),
            },
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.unavailable("read", name, e)),
        }
    }

    /// Removes `name`; a file already gone is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), AppError> {
        match self.inner.delete(&Path::from(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.unavailable("delete", name, e)),
        }
    }

    /// A store that does not answer makes the request a 503 (with the cause in the log), as a
    /// database that does not answer does.
    fn unavailable(&self, what: &str, name: &str, e: object_store::Error) -> AppError {
        log::error!("media store {}: cannot {what} {name}: {e}", self.describe);
        AppError::Unavailable {
            retry_after_secs: 5,
            detail: "The media store did not answer; try again shortly.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_directory_store_writes_once_reads_ranges_and_deletes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = MediaStore::open(
            &MediaLocation::Dir(dir.path().join("media")),
            &S3Settings::default(),
        )
        .expect("open");
        let name = "a.png";
        assert_eq!(store.head(name).await.ok(), Some(None));
        store.put(name, b"0123456789".to_vec()).await.expect("put");
        // Content-addressed: a second write of the name leaves the first.
        store.put(name, b"other".to_vec()).await.expect("put");
        let (stored, stream) = store
            .get(name, Some(2..5))
            .await
            .expect("get")
            .expect("there");
        assert_eq!(stored.size, 10);
        let part: Vec<Bytes> = stream.try_collect().await.expect("bytes");
        assert_eq!(part.concat(), b"234");
        assert_eq!(
            store.read(name).await.ok().flatten().as_deref(),
            Some(&b"0123456789"[..])
        );
        store.delete(name).await.expect("delete");
        store
            .delete(name)
            .await
            .expect("a second delete is no error");
        assert_eq!(store.read(name).await.ok(), Some(None));
    }
}

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a post is in its life. `scheduled` is a published post whose time has not come: it is
/// stored as `published` and becomes visible by itself when `published_at` passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Draft,
    Published,
    Scheduled,
    Archived,
}

impl PostStatus {
    /// The status a reader sees at `now`, from what is stored.
    pub fn at(stored: &str, published_at: Option<NaiveDateTime>, now: NaiveDateTime) -> PostStatus {
        match stored {
            "published" if published_at.is_some_and(|t| t > now) => PostStatus::Scheduled,
            "published" => PostStatus::Published,
            "archived" => PostStatus::Archived,
            _ => PostStatus::Draft,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Published => "published",
            PostStatus::Scheduled => "scheduled",
            PostStatus::Archived => "archived",
        }
    }

    /// The stored value: scheduled posts are stored as published.
    pub fn stored(self) -> &'static str {
        match self {
            PostStatus::Scheduled => "published",
            other => other.as_str(),
        }
    }
}

impl FromStr for PostStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<PostStatus, String> {
        match s {
            "draft" => Ok(PostStatus::Draft),
            "published" => Ok(PostStatus::Published),
            "scheduled" => Ok(PostStatus::Scheduled),
            "archived" => Ok(PostStatus::Archived),
            _ => Err("must be one of draft, published, scheduled, archived".into()),
        }
    }
}

impl fmt::Display for PostStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_future_published_post_reads_as_scheduled() {
        let now = chrono::Utc::now().naive_utc();
        let later = now + chrono::Duration::seconds(5);
        assert_eq!(
            PostStatus::at("published", Some(later), now),
            PostStatus::Scheduled
        );
        assert_eq!(
            PostStatus::at("published", Some(now), now),
            PostStatus::Published
        );
        assert_eq!(PostStatus::at("draft", Some(now), now), PostStatus::Draft);
        assert_eq!(PostStatus::Scheduled.stored(), "published");
    }
}

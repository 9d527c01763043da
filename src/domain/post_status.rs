use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::PostState;

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
    pub fn at(
        state: PostState,
        published_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> PostStatus {
        match state {
            PostState::Published if published_at.is_some_and(|t| t > now) => PostStatus::Scheduled,
            PostState::Published => PostStatus::Published,
            PostState::Archived => PostStatus::Archived,
            PostState::Draft => PostStatus::Draft,
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

    /// What is stored: scheduled posts are stored as published.
    pub fn state(self) -> PostState {
        match self {
            PostStatus::Draft => PostState::Draft,
            PostStatus::Published | PostStatus::Scheduled => PostState::Published,
            PostStatus::Archived => PostState::Archived,
        }
    }
}

/// Live: published, and its time has come. The one rule for "readers may see this post"; the
/// database form of the same rule is `services::posts::live`.
pub fn is_live(state: PostState, published_at: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    state == PostState::Published && published_at.is_some_and(|t| t <= now)
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
            PostStatus::at(PostState::Published, Some(later), now),
            PostStatus::Scheduled
        );
        assert_eq!(
            PostStatus::at(PostState::Published, Some(now), now),
            PostStatus::Published
        );
        assert_eq!(
            PostStatus::at(PostState::Draft, Some(now), now),
            PostStatus::Draft
        );
        assert_eq!(PostStatus::Scheduled.state(), PostState::Published);
        assert!(is_live(PostState::Published, Some(now), now));
        assert!(!is_live(PostState::Published, Some(later), now));
        assert!(!is_live(PostState::Published, None, now));
    }
}

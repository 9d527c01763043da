//! Where each stored thing is in its life. Stored as text, parsed once when a row is read or a
//! request arrives; the rules compare these, never strings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

text_enum! {
    /// The moderation states of a comment.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    CommentStatus {
        Pending => "pending",
        Approved => "approved",
        Spam => "spam",
        Trash => "trash",
    }
}

text_enum! {
    /// The states of a contact message in the inbox.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    ContactStatus {
        Unread => "unread",
        Read => "read",
        Archived => "archived",
        Spam => "spam",
    }
}

text_enum! {
    /// Where a subscriber is in the double opt-in.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    SubscriberStatus {
        Pending => "pending",
        Confirmed => "confirmed",
        Unsubscribed => "unsubscribed",
    }
}

text_enum! {
    /// Where an e-mail is in the outbox. `skipped`: a newsletter copy that will not go out
    /// (cancelled, or its reader left first).
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    OutboxStatus {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Skipped => "skipped",
    }
}

text_enum! {
    /// Where a newsletter is: waiting for its first copy to go, going, done, or stopped.
    #[derive(Serialize, Deserialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    NewsletterStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// Where a webhook delivery is.
    DeliveryStatus {
        Pending => "pending",
        Sending => "sending",
        Delivered => "delivered",
        Failed => "failed",
    }
}

text_enum! {
    /// What a post's row says, before time is taken into account: a `Published` post whose
    /// `published_at` is still ahead reads as scheduled (`PostStatus::at`).
    PostState {
        Draft => "draft",
        Published => "published",
        Archived => "archived",
    }
}

text_enum! {
    /// What webhooks announce. `Ping` is sent on request and cannot be subscribed to.
    WebhookEvent {
        PostPublished => "post.published",
        PostUpdated => "post.updated",
        PostUnpublished => "post.unpublished",
        PostDeleted => "post.deleted",
        CommentCreated => "comment.created",
        CommentApproved => "comment.approved",
        SubscriberConfirmed => "subscriber.confirmed",
        ContactReceived => "contact.received",
        SiteUpdated => "site.updated",
        NewsletterSent => "newsletter.sent",
        Ping => "ping",
    }
}

impl WebhookEvent {
    /// The events a webhook may listen to.
    pub fn subscribable() -> impl Iterator<Item = WebhookEvent> {
        WebhookEvent::ALL
            .iter()
            .copied()
            .filter(|e| *e != WebhookEvent::Ping)
    }
}

text_enum! {
    /// The purpose of a subscriber's token.
    TokenPurpose {
        Confirm => "confirm",
        Unsubscribe => "unsubscribe",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_text() {
        for s in CommentStatus::ALL {
            assert_eq!(s.as_str().parse::<CommentStatus>(), Ok(*s));
        }
        for e in WebhookEvent::ALL {
            assert_eq!(e.as_str().parse::<WebhookEvent>(), Ok(*e));
        }
        assert!("approved ".parse::<CommentStatus>().is_err());
        assert!(!WebhookEvent::subscribable().any(|e| e == WebhookEvent::Ping));
    }
}

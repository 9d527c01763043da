//! E-mail: `templates` writes every e-mail's text (one function each), `Links` holds the URLs
//! e-mails point at (built once at start-up), and `sender` delivers over SMTP or to the log.
//! Queueing is `services::outbox`; sending is the mail job (`jobs::mail`).

mod links;
pub mod sender;
pub mod templates;

pub use links::Links;

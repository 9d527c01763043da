//! Delivery: SMTP with lettre (rustls). Without SMTP, e-mails are not sent: the log notes each
//! one (its id and the recipient's domain, never its text: it carries tokens and names), and
//! with `BYLINE_MAIL_DIR` each is written there as a file, for development.

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::models::OutboxMessage;

pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// No SMTP configured: each e-mail is noted in the log, and written to `dir` if set.
    Log {
        from: Mailbox,
        dir: Option<AsyncFileTransport<Tokio1Executor>>,
    },
}

impl Mailer {
    /// From `BYLINE_SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host`, `?tls=required`).
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        mail_dir: Option<&std::path::Path>,
    ) -> anyhow::Result<Mailer> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("BYLINE_MAIL_FROM is not a valid address: {e}"))?;
        Ok(match smtp_url {
            None => Mailer::Log {
                from,
                dir: match mail_dir {
                    Some(dir) => {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            anyhow::anyhow!("BYLINE_MAIL_DIR {}: {e}", dir.display())
                        })?;
                        Some(AsyncFileTransport::<Tokio1Executor>::new(dir))
                    }
                    None => None,
                },
            },
            Some(url) => Mailer::Smtp {
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("BYLINE_SMTP_URL is not valid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
                from,
            },
        })
    }

    fn from(&self) -> &Mailbox {
        match self {
            Mailer::Smtp { from, .. } | Mailer::Log { from, .. } => from,
        }
    }

    /// The message as sent. Its Message-ID comes from the outbox id, so a retry after a crash
    /// between sending and recording is recognisably the same message.
    pub fn build(&self, m: &OutboxMessage) -> Result<Message, String> {
        let from = self.from().clone();
        let domain = from.email.domain().to_string();
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}@{domain}>", m.id)));
        if let Some(reply_to) = &m.reply_to {
            builder = builder.reply_to(reply_to.parse().map_err(|e| format!("bad Reply-To: {e}"))?);
        }
        let mut message = match &m.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                m.body.clone(),
                html.clone(),
            )),
            None => builder.header(ContentType::TEXT_PLAIN).body(m.body.clone()),
        }
        .map_err(|e| e.to_string())?;
        if let Some(url) = &m.list_unsubscribe {
            let headers = message.headers_mut();
            headers.insert_raw(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ));
            headers.insert_raw(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
        }
        Ok(message)
    }

    pub async fn send(&self, m: &OutboxMessage) -> Result<(), String> {
        let message = self.build(m)?;
        match self {
            Mailer::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Mailer::Log { dir, .. } => {
                let domain = m.recipient.rsplit_once('@').map_or("?", |(_, d)| d);
                let kept = match dir {
                    Some(dir) => {
                        dir.send(message).await.map_err(|e| e.to_string())?;
                        "written to BYLINE_MAIL_DIR"
                    }
                    None => "not sent: set BYLINE_SMTP_URL, or BYLINE_MAIL_DIR to keep e-mails",
                };
                log::info!(
                    target: "byline::mail",
                    "e-mail {} to a recipient at {domain}: {kept}",
                    m.id
                );
                Ok(())
            }
        }
    }
}

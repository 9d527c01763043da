//! Delivery: SMTP with lettre (rustls), or the log when no SMTP server is configured.

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::db::models::OutboxMessage;

pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// No SMTP configured: each e-mail is written to the log (recipient's domain only).
    Log { from: Mailbox },
}

impl Mailer {
    /// From `BYLINE_SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host`, `?tls=required`).
    pub fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Mailer> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("BYLINE_MAIL_FROM is not a valid address: {e}"))?;
        Ok(match smtp_url {
            None => Mailer::Log { from },
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
            Mailer::Smtp { from, .. } | Mailer::Log { from } => from,
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
        let mut message = builder
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
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
            Mailer::Log { .. } => {
                let domain = m.recipient.rsplit_once('@').map_or("?", |(_, d)| d);
                log::info!(
                    target: "byline::mail",
                    "e-mail {} to a recipient at {domain} (no BYLINE_SMTP_URL set)\nSubject: {}\n\n{}",
                    m.id,
                    m.subject,
                    m.body
                );
                Ok(())
            }
        }
    }
}

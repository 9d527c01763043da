//! The scheduler: scheduled posts whose time has come are announced (`post.published` queued)
//! once each, and newsletters with no copy left to send are marked sent.

use crate::db::Db;
use crate::error::AppError;
use crate::services;

pub struct Scheduler {
    db: Db,
}

impl Scheduler {
    pub fn new(db: Db) -> Scheduler {
        Scheduler { db }
    }

    /// Announces what is due and finishes what is done; returns how many posts and newsletters.
    pub async fn run_once(&self) -> Result<usize, AppError> {
        let now = services::now();
        crate::db::run(&self.db, move |c| {
            Ok(
                services::posts::announce_due(c, now)?
                    + services::newsletters::finish_done(c, now)?,
            )
        })
        .await
    }
}

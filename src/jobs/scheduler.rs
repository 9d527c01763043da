//! The scheduler: scheduled posts whose time has come are announced (`post.published` queued)
//! once each.

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

    /// Announces what is due; returns how many posts.
    pub async fn run_once(&self) -> Result<usize, AppError> {
        let now = services::now();
        crate::db::run(&self.db, move |c| services::posts::announce_due(c, now)).await
    }
}

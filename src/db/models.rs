//! Rows as stored. Reads are `User`, inserts `NewUser`, updates `UserChanges`; none of these
//! derive `Serialize`, so a stored hash or e-mail can only reach a client through an API type.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_keys, site, users};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub password_hash: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub role: String,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub role: String,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = site)]
pub struct Site {
    pub id: i32,
    pub title: String,
    pub description: String,
    pub url: String,
    pub gift_title: String,
    pub gift_description: String,
    pub gift_url: String,
    pub comments_moderated: bool,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = site)]
pub struct SiteChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub gift_title: Option<String>,
    pub gift_description: Option<String>,
    pub gift_url: Option<String>,
    pub comments_moderated: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

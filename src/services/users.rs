//! Users: creation, sign-in, and the rule that a site always keeps at least one admin.

use diesel::prelude::*;

use crate::crypto::password;
use crate::db::Conn;
use crate::db::models::{NewUser, User, UserChanges};
use crate::db::schema::users;
use crate::domain::{Email, Listing, Paging, Password, Role, new_id};
use crate::error::{AppError, FieldErrors};

/// A user to create, every field already valid.
pub struct UserDraft {
    pub email: Email,
    pub name: String,
    pub password: Password,
    pub role: Role,
}

/// Fields to change; `None` leaves a field alone.
#[derive(Default)]
pub struct UserUpdate {
    pub email: Option<Email>,
    pub name: Option<String>,
    pub password: Option<Password>,
    pub role: Option<Role>,
}

fn email_taken() -> AppError {
    AppError::Conflict("A user with this e-mail address already exists.".into())
}

fn map_unique(e: diesel::result::Error) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => email_taken(),
        other => other.into(),
    }
}

/// Admins need a strong password (`Password::check_admin_strength`).
fn check_strength(role: Role, password: Option<&Password>) -> Result<(), AppError> {
    match password {
        Some(p) if role == Role::Admin => p
            .check_admin_strength()
            .map_err(|e| FieldErrors::single("password", e)),
        _ => Ok(()),
    }
}

pub fn create(conn: &mut Conn, draft: UserDraft) -> Result<User, AppError> {
    check_strength(draft.role, Some(&draft.password))?;
    // Hash before touching the database: no write lock is held during the slow part.
    let password_hash = password::hash(&draft.password)?;
    insert(
        conn,
        draft.email.into_inner(),
        draft.name,
        draft.role,
        password_hash,
    )
}

fn insert(
    conn: &mut Conn,
    email: String,
    name: String,
    role: Role,
    password_hash: String,
) -> Result<User, AppError> {
    let now = super::now();
    let row = NewUser {
        id: new_id(),
        email,
        name,
        role,
        password_hash,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .returning(crate::db::columns::<User>())
        .get_result(conn)
        .map_err(map_unique)
}

/// What a user without a password holds instead of a hash: no password verifies against it.
const NO_PASSWORD: &str = "!";

/// A user who cannot sign in until `byline user set-password` gives them a password (authors
/// moved in from another blog).
pub fn create_without_password(
    conn: &mut Conn,
    email: &Email,
    name: &str,
    role: Role,
) -> Result<User, AppError> {
    insert(
        conn,
        email.as_str().to_string(),
        name.to_string(),
        role,
        NO_PASSWORD.to_string(),
    )
}

/// The oldest user with exactly this name, if any.
pub fn find_by_name(conn: &mut Conn, name: &str) -> Result<Option<User>, AppError> {
    Ok(users::table
        .filter(users::name.eq(name))
        .order((users::created_at, users::id))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut Conn, id: &str) -> Result<Option<User>, AppError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut Conn, id: &str) -> Result<User, AppError> {
    find(conn, id)?.ok_or_else(AppError::not_found)
}

pub fn list(conn: &mut Conn, paging: &Paging) -> Result<(Vec<User>, Listing), AppError> {
    crate::db::paged!(
        conn,
        paging,
        users::table.into_boxed(),
        "created_at",
        (users::created_at, users::id, chrono::NaiveDateTime),
        asc,
        User::as_select(),
        |r: &User| (r.created_at, r.id.clone())
    )
}

pub fn count(conn: &mut Conn) -> Result<i64, AppError> {
    Ok(users::table.count().get_result(conn)?)
}

fn admin_count(conn: &mut Conn) -> Result<i64, AppError> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin))
        .count()
        .get_result(conn)?)
}

fn last_admin() -> AppError {
    AppError::Conflict("This is the last admin; make another user admin first.".into())
}

pub fn update(conn: &mut Conn, id: &str, update: UserUpdate) -> Result<User, AppError> {
    let role = update
        .role
        .map_or_else(|| get(conn, id).map(|u| u.role), Ok)?;
    check_strength(role, update.password.as_ref())?;
    let password_hash = update.password.as_ref().map(password::hash).transpose()?;
    crate::db::write_transaction(conn, |conn| {
        let user = get(conn, id)?;
        let demoting = user.role == Role::Admin && update.role.is_some_and(|r| r != Role::Admin);
        if demoting && admin_count(conn)? <= 1 {
            return Err(last_admin());
        }
        let now = super::now();
        let changes = UserChanges {
            email: update.email.map(Email::into_inner),
            name: update.name,
            role: update.role,
            password_changed_at: password_hash.as_ref().map(|_| now),
            password_hash,
            updated_at: Some(now),
        };
        diesel::update(users::table.find(id))
            .set(&changes)
            .returning(crate::db::columns::<User>())
            .get_result(conn)
            .map_err(map_unique)
    })
}

pub fn delete(conn: &mut Conn, id: &str) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let user = get(conn, id)?;
        if user.role == Role::Admin && admin_count(conn)? <= 1 {
            return Err(last_admin());
        }
        if super::posts::count_by_author(conn, id)? > 0 {
            return Err(AppError::Conflict(
                "This user has written posts; delete them or keep the user (change the role instead)."
                    .into(),
            ));
        }
        diesel::delete(users::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// The user with this e-mail and password. An unknown e-mail costs the same time as a wrong
/// password, so the answer and its timing say nothing about who has an account.
pub fn authenticate(
    conn: &mut Conn,
    email: &str,
    password_attempt: &str,
) -> Result<Option<User>, AppError> {
    let user = match Email::parse(email) {
        Ok(email) => users::table
            .filter(users::email.eq(email.as_str()))
            .select(User::as_select())
            .first(conn)
            .optional()?,
        Err(_) => None,
    };
    match user {
        Some(user) if password::verify(password_attempt, &user.password_hash) => Ok(Some(user)),
        Some(_) => Ok(None),
        None => {
            password::verify_dummy(password_attempt);
            Ok(None)
        }
    }
}

/// The first admin, when the database has no user yet. Returns the generated password when one
/// had to be made up (printed once by the caller, never stored in clear).
pub fn bootstrap_admin(
    conn: &mut Conn,
    email: Option<&str>,
    password: Option<&str>,
) -> Result<Option<(String, Option<String>)>, AppError> {
    if count(conn)? > 0 {
        return Ok(None);
    }
    let mut errors = FieldErrors::default();
    let email = errors.check(
        "BYLINE_ADMIN_EMAIL",
        Email::parse(email.unwrap_or("admin@localhost")),
    );
    let generated = password.is_none().then(|| crate::crypto::random_token(18));
    let pw = password.or(generated.as_deref()).unwrap_or_default();
    let pw = errors.check(
        "BYLINE_ADMIN_PASSWORD",
        Password::parse(pw).and_then(|p| p.check_admin_strength().map(|()| p)),
    );
    errors.into_result()?;
    let (Some(email), Some(password)) = (email, pw) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "admin settings not valid"
        )));
    };
    let user = create(
        conn,
        UserDraft {
            email,
            name: "Admin".into(),
            password,
            role: Role::Admin,
        },
    )?;
    Ok(Some((user.email, generated)))
}

pub fn find_by_email(conn: &mut Conn, email: &Email) -> Result<Option<User>, AppError> {
    Ok(users::table
        .filter(users::email.eq(email.as_str()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// The oldest admin: who imports run as by default.
pub fn first_admin(conn: &mut Conn) -> Result<Option<User>, AppError> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin))
        .order(users::created_at.asc())
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

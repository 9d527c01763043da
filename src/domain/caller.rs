use super::Role;
use crate::error::AppError;

/// Who is asking, as the rules see it: a user's id and the role in force (the user's own for a
/// signed-in user, the key's for an API key). Routes get it from the credentials; the CLI from a
/// user row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub role: Role,
    /// The API key the request came with; `None` for a signed-in user.
    pub api_key: Option<String>,
}

impl Caller {
    /// 403 unless the caller has at least `role`.
    pub fn require(&self, at_least: Role) -> Result<(), AppError> {
        if self.role >= at_least {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// Editors and admins act on everyone's content; authors only on their own.
    pub fn may_change(&self, owner_id: Option<&str>) -> bool {
        self.role >= Role::Editor || owner_id == Some(self.user_id.as_str())
    }
}

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;

/// `page` and `per_page` as clients send them, before range checks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1 to 1,000,000.
    #[param(minimum = 1, maximum = 1000000, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub per_page: Option<u32>,
}

/// A requested page, always in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub per_page: u32,
}

impl Page {
    pub const DEFAULT_PER_PAGE: u32 = 20;
    pub const MAX_PER_PAGE: u32 = 100;
    pub const MAX_PAGE: u32 = 1_000_000;

    /// Out-of-range values are refused, not clamped: a client asking for 500 should learn it.
    pub fn parse(q: &PageQuery) -> Result<Page, String> {
        let number = q.page.unwrap_or(1);
        let per_page = q.per_page.unwrap_or(Self::DEFAULT_PER_PAGE);
        if !(1..=Self::MAX_PAGE).contains(&number) {
            return Err(format!("page must be from 1 to {}", Self::MAX_PAGE));
        }
        if !(1..=Self::MAX_PER_PAGE).contains(&per_page) {
            return Err(format!("per_page must be from 1 to {}", Self::MAX_PER_PAGE));
        }
        Ok(Page { number, per_page })
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn total_pages(&self, total: i64) -> i64 {
        (total + i64::from(self.per_page) - 1) / i64::from(self.per_page)
    }
}

/// `cursor` as clients send it: the `meta.next_cursor` of the page before.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CursorQuery {
    /// Continue after the last item of the previous page: an opaque value, only as this list
    /// gave it out in `meta.next_cursor` (anything else is a 400). Keyset paging: the same cost at
    /// any depth. With `cursor`, `page` is ignored.
    #[param(max_length = 1024, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// Where a page starts: at a page number, or just after the item a cursor names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    Page(Page),
    After { per_page: u32, cursor: Cursor },
}

impl Paging {
    /// `page` (asked for or the default), or the position `cursor` names: a cursor is where a
    /// client walking by `next` links is, whatever page number it also carries.
    pub fn at(page: Page, cursor: Option<&str>) -> Result<Paging, String> {
        match cursor {
            None => Ok(Paging::Page(page)),
            Some(raw) => Ok(Paging::After {
                per_page: page.per_page,
                cursor: Cursor::decode(raw)?,
            }),
        }
    }

    pub fn per_page(&self) -> u32 {
        match self {
            Paging::Page(p) => p.per_page,
            Paging::After { per_page, .. } => *per_page,
        }
    }

    /// Rows to skip before the page: only page numbers skip; a cursor filters instead.
    pub fn offset(&self) -> i64 {
        match self {
            Paging::Page(p) => p.offset(),
            Paging::After { .. } => 0,
        }
    }
}

/// What a collection answer says about its page: where it started, the collection's size, and
/// the cursor of the page after it (when there is one).
#[derive(Debug, Clone)]
pub struct Listing {
    pub paging: Paging,
    pub total: i64,
    /// `total` is a lower bound (a search matched more than it ranks).
    pub total_is_lower_bound: bool,
    pub next_cursor: Option<String>,
}

/// A sort key as it travels in a cursor, and back.
pub trait CursorKey: Sized {
    fn to_key(&self) -> String;
    fn from_key(key: &str) -> Option<Self>;
}

/// Times in cursors: at full precision, as stored.
const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

impl CursorKey for chrono::NaiveDateTime {
    fn to_key(&self) -> String {
        self.format(CURSOR_TIME).to_string()
    }

    fn from_key(key: &str) -> Option<Self> {
        chrono::NaiveDateTime::parse_from_str(key, CURSOR_TIME).ok()
    }
}

impl CursorKey for String {
    fn to_key(&self) -> String {
        self.clone()
    }

    fn from_key(key: &str) -> Option<Self> {
        Some(key.to_string())
    }
}

/// A keyset position, opaque to clients: which ordering it belongs to, and the sort key (`None`
/// for NULL) and id of the last item seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub order: String,
    pub key: Option<String>,
    pub id: String,
}

impl Cursor {
    pub const MAX_LEN: usize = 1024;

    pub fn new(order: &str, key: Option<String>, id: &str) -> Cursor {
        Cursor {
            order: order.to_string(),
            key,
            id: id.to_string(),
        }
    }

    pub fn encode(&self) -> String {
        let json = serde_json::json!([self.order, self.key, self.id]).to_string();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(raw: &str) -> Result<Cursor, String> {
        let invalid = || "cursor is not one this API gave out (use meta.next_cursor)".to_string();
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let (order, key, id): (String, Option<String>, String) =
            serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        Ok(Cursor { order, key, id })
    }

    /// The cursor, if it belongs to `order`: one from another sort or list is a client's mistake.
    pub fn expect(&self, order: &str) -> Result<&Cursor, String> {
        if self.order == order {
            Ok(self)
        } else {
            Err(format!(
                "cursor belongs to another ordering ({}); start again without it",
                self.order
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor::new("-published_at", Some("2026-01-01T00:00:00".into()), "abc");
        assert_eq!(Cursor::decode(&c.encode()), Ok(c.clone()));
        assert!(c.expect("-published_at").is_ok());
        assert!(c.expect("title").is_err());
        for bad in ["", "%%%", "bm90IGpzb24", "WzEsMiwzXQ", &"A".repeat(2000)] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    fn q(page: Option<u32>, per_page: Option<u32>) -> PageQuery {
        PageQuery { page, per_page }
    }

    #[test]
    fn defaults_to_first_page_of_twenty() {
        assert_eq!(
            Page::parse(&q(None, None)),
            Ok(Page {
                number: 1,
                per_page: 20
            })
        );
    }

    #[test]
    fn out_of_range_is_refused() {
        assert!(Page::parse(&q(Some(0), None)).is_err());
        assert!(Page::parse(&q(None, Some(0))).is_err());
        assert!(Page::parse(&q(None, Some(101))).is_err());
    }

    #[test]
    fn offsets_and_page_counts() {
        let p = Page {
            number: 3,
            per_page: 20,
        };
        assert_eq!(p.offset(), 40);
        assert_eq!(p.total_pages(0), 0);
        assert_eq!(p.total_pages(137), 7);
    }
}

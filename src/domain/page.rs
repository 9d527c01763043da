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

#[cfg(test)]
mod tests {
    use super::*;

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

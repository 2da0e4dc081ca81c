//! Kerio's `SearchQuery` (used by `Domains.get` and `Users.get`) as a builder.

use serde::Serialize;

/// How a condition compares `fieldName` with `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparator {
    /// Equal.
    Eq,
    /// Not equal.
    NotEq,
    /// Less than.
    LessThan,
    /// Greater than.
    GreaterThan,
    /// Less than or equal.
    LessEq,
    /// Greater than or equal.
    GreaterEq,
    /// Substring match; `%` is a wildcard.
    Like,
}

/// How several conditions combine (Kerio does not support mixing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Combining {
    /// All conditions must hold.
    #[default]
    And,
    /// Any condition may hold.
    Or,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// One `conditions` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The field compared (or the pseudo-field `QUICKSEARCH` in `Users.get`).
    pub field_name: String,
    /// The comparison.
    pub comparator: Comparator,
    /// The value, always a string on the wire.
    pub value: String,
}

/// One `orderBy` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SortOrder {
    /// The column sorted by.
    pub column_name: String,
    /// The direction.
    pub direction: Direction,
    /// Whether upper/lower case sort apart.
    pub case_sensitive: bool,
}

/// A Kerio `SearchQuery`. Built with chained calls, serialised exactly as Kerio expects:
///
/// ```
/// use kerio_api::{Comparator, Combining, Direction, SearchQuery};
/// let query = SearchQuery::new()
///     .fields(&["id", "loginName"])
///     .condition("loginName", Comparator::Eq, "jdoe")
///     .combining(Combining::Or)
///     .start(0)
///     .limit(500)
///     .order_by("loginName", Direction::Asc);
/// let json = serde_json::to_value(&query).unwrap();
/// assert_eq!(json["conditions"][0]["fieldName"], "loginName");
/// ```
///
/// Empty `fields` means all fields; empty `conditions` means every item; `limit` -1 means no
/// limit (Kerio may still apply a safety limit of its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    combining: Option<Combining>,
    start: i64,
    limit: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    order_by: Vec<SortOrder>,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery::new()
    }
}

impl SearchQuery {
    /// A query for all fields of all items (start 0, no limit).
    pub fn new() -> Self {
        SearchQuery {
            fields: Vec::new(),
            conditions: Vec::new(),
            combining: None,
            start: 0,
            limit: -1,
            order_by: Vec::new(),
        }
    }

    /// The same as [`SearchQuery::new`]: everything, serialised as `{"start":0,"limit":-1}`.
    pub fn all() -> Self {
        SearchQuery::new()
    }

    /// Returns only these fields of each item.
    pub fn fields(mut self, fields: &[&str]) -> Self {
        self.fields = fields.iter().map(|field| field.to_string()).collect();
        self
    }

    /// Adds a condition.
    pub fn condition(
        mut self,
        field: impl Into<String>,
        comparator: Comparator,
        value: impl Into<String>,
    ) -> Self {
        self.conditions.push(Condition {
            field_name: field.into(),
            comparator,
            value: value.into(),
        });
        self
    }

    /// How the conditions combine (default `And`).
    pub fn combining(mut self, combining: Combining) -> Self {
        self.combining = Some(combining);
        self
    }

    /// Skips this many matches.
    pub fn start(mut self, start: i64) -> Self {
        self.start = start;
        self
    }

    /// Returns at most this many matches; -1 = no limit.
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = limit;
        self
    }

    /// Adds a (case-insensitive) sort column; earlier calls sort first.
    pub fn order_by(mut self, column: impl Into<String>, direction: Direction) -> Self {
        self.order_by.push(SortOrder {
            column_name: column.into(),
            direction,
            case_sensitive: false,
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_is_start_zero_without_limit() {
        assert_eq!(
            serde_json::to_value(SearchQuery::all()).unwrap(),
            json!({"start": 0, "limit": -1})
        );
    }

    #[test]
    fn every_feature_serialises_with_kerio_names() {
        let query = SearchQuery::new()
            .fields(&["id", "loginName"])
            .condition("loginName", Comparator::Eq, "jdoe")
            .condition("fullName", Comparator::Like, "Jo%")
            .combining(Combining::Or)
            .start(10)
            .limit(500)
            .order_by("loginName", Direction::Asc)
            .order_by("fullName", Direction::Desc);
        assert_eq!(
            serde_json::to_value(&query).unwrap(),
            json!({
                "fields": ["id", "loginName"],
                "conditions": [
                    {"fieldName": "loginName", "comparator": "Eq", "value": "jdoe"},
                    {"fieldName": "fullName", "comparator": "Like", "value": "Jo%"}
                ],
                "combining": "Or",
                "start": 10,
                "limit": 500,
                "orderBy": [
                    {"columnName": "loginName", "direction": "Asc", "caseSensitive": false},
                    {"columnName": "fullName", "direction": "Desc", "caseSensitive": false}
                ]
            })
        );
    }

    #[test]
    fn comparators_use_kerio_spelling() {
        let names: Vec<String> = [
            Comparator::Eq,
            Comparator::NotEq,
            Comparator::LessThan,
            Comparator::GreaterThan,
            Comparator::LessEq,
            Comparator::GreaterEq,
            Comparator::Like,
        ]
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
        assert_eq!(
            names,
            [
                "Eq",
                "NotEq",
                "LessThan",
                "GreaterThan",
                "LessEq",
                "GreaterEq",
                "Like"
            ]
        );
    }
}

//! The SearchQuery engine used by `Domains.get` and `Users.get`: conditions (Eq, NotEq, Like,
//! LessThan, GreaterThan, LessEq, GreaterEq) combined with And/Or, the QUICKSEARCH pseudo-field,
//! ordering, paging and field projection, applied to the full JSON objects of the entities.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::errors::{self, KerioError};
use crate::state::ByteValue;

/// The pseudo-field that searches several text fields at once.
pub const QUICKSEARCH: &str = "QUICKSEARCH";

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparator {
    Eq,
    NotEq,
    Like,
    LessThan,
    GreaterThan,
    LessEq,
    GreaterEq,
}

impl Comparator {
    fn parse(text: &str) -> Result<Comparator, KerioError> {
        Ok(match text {
            "Eq" => Comparator::Eq,
            "NotEq" => Comparator::NotEq,
            "Like" => Comparator::Like,
            "LessThan" => Comparator::LessThan,
            "GreaterThan" => Comparator::GreaterThan,
            "LessEq" => Comparator::LessEq,
            "GreaterEq" => Comparator::GreaterEq,
            other => {
                return Err(errors::invalid_params(&format!(
                    "unknown comparator '{other}' (use Eq, NotEq, Like, LessThan, GreaterThan, LessEq or GreaterEq)"
                )))
            }
        })
    }
}

#[derive(Debug, Clone)]
struct Condition {
    field: String,
    comparator: Comparator,
    value: String,
}

#[derive(Debug, Clone)]
struct Order {
    column: String,
    descending: bool,
    case_sensitive: bool,
}

/// A parsed `query` parameter.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    fields: Vec<String>,
    conditions: Vec<Condition>,
    any: bool,
    start: usize,
    limit: Option<usize>,
    order: Vec<Order>,
}

fn bad(detail: String) -> KerioError {
    errors::invalid_params(&detail)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn parse_fields(query: &Map<String, Value>) -> Result<Vec<String>, KerioError> {
    let Some(fields) = query.get("fields") else {
        return Ok(Vec::new());
    };
    let list = fields
        .as_array()
        .ok_or_else(|| bad("query.fields must be an array of field names".into()))?;
    list.iter()
        .map(|f| {
            f.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad("query.fields must contain only strings".into()))
        })
        .collect()
}

fn parse_condition(value: &Value) -> Result<Condition, KerioError> {
    let shape = "each query condition must be {fieldName, comparator, value}";
    let object = value.as_object().ok_or_else(|| bad(shape.into()))?;
    let field = object
        .get("fieldName")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(shape.into()))?;
    let comparator = object
        .get("comparator")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(shape.into()))?;
    let value = object
        .get("value")
        .and_then(text_of)
        .ok_or_else(|| bad(format!("condition on '{field}' needs a string value")))?;
    Ok(Condition {
        field: field.to_string(),
        comparator: Comparator::parse(comparator)?,
        value,
    })
}

fn parse_order(value: &Value) -> Result<Order, KerioError> {
    let shape = "each query.orderBy entry must be {columnName, direction: Asc|Desc, caseSensitive}";
    let object = value.as_object().ok_or_else(|| bad(shape.into()))?;
    let column = object
        .get("columnName")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(shape.into()))?;
    let descending = match object.get("direction").and_then(Value::as_str) {
        None | Some("Asc") => false,
        Some("Desc") => true,
        Some(_) => return Err(bad(shape.into())),
    };
    let case_sensitive = match object.get("caseSensitive") {
        None => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(bad(shape.into())),
    };
    Ok(Order {
        column: column.to_string(),
        descending,
        case_sensitive,
    })
}

fn parse_integer(query: &Map<String, Value>, name: &str) -> Result<Option<i64>, KerioError> {
    match query.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(format!("query.{name} must be an integer"))),
    }
}

fn parse_list<T>(
    query: &Map<String, Value>,
    name: &str,
    parse: fn(&Value) -> Result<T, KerioError>,
) -> Result<Vec<T>, KerioError> {
    match query.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(parse).collect(),
        Some(_) => Err(bad(format!("query.{name} must be an array"))),
    }
}

impl SearchQuery {
    /// Parses the `query` parameter; every malformed part is a -32602 error naming the fix.
    pub fn parse(value: &Value) -> Result<SearchQuery, KerioError> {
        let query = value
            .as_object()
            .ok_or_else(|| bad("query must be an object (use {} for everything)".into()))?;
        let any = match query.get("combining").and_then(Value::as_str) {
            None | Some("And") => false,
            Some("Or") => true,
            Some(other) => return Err(bad(format!("query.combining '{other}' must be And or Or"))),
        };
        let start = parse_integer(query, "start")?.unwrap_or(0);
        let start = usize::try_from(start).map_err(|_| bad("query.start must be >= 0".into()))?;
        let limit = match parse_integer(query, "limit")? {
            None | Some(-1) | Some(4_294_967_295) => None,
            Some(n) if n >= 0 => Some(n as usize),
            Some(_) => return Err(bad("query.limit must be -1 (all) or >= 0".into())),
        };
        Ok(SearchQuery {
            fields: parse_fields(query)?,
            conditions: parse_list(query, "conditions", parse_condition)?,
            any,
            start,
            limit,
            order: parse_list(query, "orderBy", parse_order)?,
        })
    }

    /// The fields this query reads or returns: the projection plus every field its conditions
    /// (QUICKSEARCH: `quick_fields`) and its ordering look at; `None` when it returns every field.
    /// Lets a caller build only these fields of each entity.
    pub fn fields_read(&self, quick_fields: &[&str]) -> Option<Vec<String>> {
        if self.fields.is_empty() {
            return None;
        }
        let mut wanted = self.fields.clone();
        for condition in &self.conditions {
            if condition.field == QUICKSEARCH && !quick_fields.is_empty() {
                wanted.extend(quick_fields.iter().map(|field| field.to_string()));
            } else {
                wanted.push(condition.field.clone());
            }
        }
        wanted.extend(self.order.iter().map(|order| order.column.clone()));
        let mut seen = std::collections::HashSet::new();
        wanted.retain(|field| seen.insert(field.clone()));
        Some(wanted)
    }

    /// Filters, sorts, pages and projects `items`; returns `{list, totalItems}`.
    /// `template` is an entity with every field (to reject unknown condition fields even when
    /// nothing matches); `quick_fields` are the fields QUICKSEARCH looks in.
    pub fn apply(
        &self,
        items: Vec<Value>,
        template: &Value,
        quick_fields: &[&str],
    ) -> Result<Value, KerioError> {
        self.check_names(template, quick_fields)?;
        let mut matched = Vec::new();
        for item in items {
            if self.matches(&item, quick_fields)? {
                matched.push(item);
            }
        }
        self.sort(&mut matched);
        let total = matched.len();
        let page: Vec<Value> = matched
            .into_iter()
            .skip(self.start)
            .take(self.limit.unwrap_or(usize::MAX))
            .map(|item| self.project(item))
            .collect();
        // Built by moving the page in: json! would copy every item.
        let mut result = Map::new();
        result.insert("list".to_string(), Value::Array(page));
        result.insert("totalItems".to_string(), total.into());
        Ok(Value::Object(result))
    }

    fn check_names(&self, sample: &Value, quick_fields: &[&str]) -> Result<(), KerioError> {
        for condition in &self.conditions {
            let quick = condition.field == QUICKSEARCH && !quick_fields.is_empty();
            if !quick && sample.get(&condition.field).is_none() {
                return Err(bad(format!(
                    "unknown field '{}' in query.conditions",
                    condition.field
                )));
            }
        }
        for order in &self.order {
            if sample.get(&order.column).is_none() {
                return Err(bad(format!(
                    "unknown column '{}' in query.orderBy",
                    order.column
                )));
            }
        }
        Ok(())
    }

    fn matches(&self, item: &Value, quick_fields: &[&str]) -> Result<bool, KerioError> {
        if self.conditions.is_empty() {
            return Ok(true);
        }
        let mut results = Vec::with_capacity(self.conditions.len());
        for condition in &self.conditions {
            results.push(condition_holds(condition, item, quick_fields)?);
        }
        Ok(if self.any {
            results.iter().any(|r| *r)
        } else {
            results.iter().all(|r| *r)
        })
    }

    /// Orders `items` by `orderBy` (stable). Each item's sort key is computed once, not in
    /// every comparison.
    fn sort(&self, items: &mut Vec<Value>) {
        if self.order.is_empty() {
            return;
        }
        let mut keyed: Vec<(Vec<Scalar>, Value)> = items
            .drain(..)
            .map(|item| (self.sort_key(&item), item))
            .collect();
        keyed.sort_by(|(left, _), (right, _)| self.compare_keys(left, right));
        items.extend(keyed.into_iter().map(|(_, item)| item));
    }

    /// The values `item` is ordered by, text folded to lower case where the order ignores case.
    fn sort_key(&self, item: &Value) -> Vec<Scalar> {
        self.order
            .iter()
            .map(|order| {
                let scalar = Scalar::of(item.get(&order.column).unwrap_or(&Value::Null));
                match scalar {
                    Scalar::Text(text) if !order.case_sensitive => {
                        Scalar::Text(text.to_lowercase())
                    }
                    other => other,
                }
            })
            .collect()
    }

    /// Compares two sort keys column by column (case already folded by [`Self::sort_key`]).
    fn compare_keys(&self, left: &[Scalar], right: &[Scalar]) -> Ordering {
        for ((order, left), right) in self.order.iter().zip(left).zip(right) {
            let ordering = left.compare(right, true);
            let ordering = if order.descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }

    /// The asked fields of `item`, moved out of it.
    fn project(&self, mut item: Value) -> Value {
        if self.fields.is_empty() {
            return item;
        }
        let mut out = Map::new();
        if let Some(object) = item.as_object_mut() {
            for field in &self.fields {
                if let Some(value) = object.remove(field) {
                    out.insert(field.clone(), value);
                }
            }
        }
        Value::Object(out)
    }
}

fn condition_holds(
    condition: &Condition,
    item: &Value,
    quick_fields: &[&str],
) -> Result<bool, KerioError> {
    if condition.field == QUICKSEARCH && !quick_fields.is_empty() {
        let mut hits = quick_fields.iter().map(|field| {
            let scalar = Scalar::of(item.get(*field).unwrap_or(&Value::Null));
            scalar.test(condition.comparator, &condition.value, &condition.field)
        });
        // NotEq on QUICKSEARCH means "none of the fields equals".
        return if condition.comparator == Comparator::NotEq {
            hits.try_fold(true, |all, hit| hit.map(|h| all && h))
        } else {
            hits.try_fold(false, |any, hit| hit.map(|h| any || h))
        };
    }
    let scalar = Scalar::of(item.get(&condition.field).unwrap_or(&Value::Null));
    scalar.test(condition.comparator, &condition.value, &condition.field)
}

/// `%`-wildcard match, case-insensitive; without `%` a plain substring match.
pub fn like(text: &str, pattern: &str) -> bool {
    let text = text.to_lowercase();
    let pattern = pattern.to_lowercase();
    if !pattern.contains('%') {
        return text.contains(&pattern);
    }
    let parts: Vec<&str> = pattern.split('%').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(position) => rest = &rest[position + middle.len()..],
            None => return false,
        }
    }
    true
}

/// A field value reduced to something comparable.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Text(String),
    Number(i128),
    Flag(bool),
    List(Vec<String>),
    Missing,
}

impl Scalar {
    fn of(value: &Value) -> Scalar {
        match value {
            Value::String(text) => Scalar::Text(text.clone()),
            Value::Bool(flag) => Scalar::Flag(*flag),
            Value::Number(number) => Scalar::Number(number.as_i64().map(i128::from).unwrap_or(0)),
            Value::Array(items) => Scalar::List(items.iter().filter_map(text_of).collect()),
            Value::Object(object) => Scalar::of_struct(object),
            Value::Null => Scalar::Missing,
        }
    }

    /// Kerio structs compare by their natural key: sizes in bytes, limits by their limit,
    /// roles by role name, last login by time.
    fn of_struct(object: &Map<String, Value>) -> Scalar {
        if let (Some(value), Some(units)) = (object.get("value"), object.get("units")) {
            let size = ByteValue {
                value: value.as_u64().unwrap_or(0),
                units: units.as_str().unwrap_or("").to_string(),
            };
            return Scalar::Number(size.to_bytes().map(|b| b as i128).unwrap_or(0));
        }
        for key in ["limit", "userRole", "dateTime"] {
            if let Some(inner) = object.get(key) {
                return Scalar::of(inner);
            }
        }
        Scalar::Missing
    }

    fn compare(&self, other: &Scalar, case_sensitive: bool) -> Ordering {
        match (self, other) {
            (Scalar::Text(a), Scalar::Text(b)) if case_sensitive => a.cmp(b),
            (Scalar::Text(a), Scalar::Text(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
            (Scalar::Number(a), Scalar::Number(b)) => a.cmp(b),
            (Scalar::Flag(a), Scalar::Flag(b)) => a.cmp(b),
            (Scalar::List(a), Scalar::List(b)) => a.join(",").cmp(&b.join(",")),
            _ => Ordering::Equal,
        }
    }

    fn test(&self, comparator: Comparator, value: &str, field: &str) -> Result<bool, KerioError> {
        let ordering = match self {
            Scalar::List(items) => {
                return Ok(match comparator {
                    Comparator::Eq => items.iter().any(|i| i.eq_ignore_ascii_case(value)),
                    Comparator::NotEq => !items.iter().any(|i| i.eq_ignore_ascii_case(value)),
                    Comparator::Like => items.iter().any(|i| like(i, value)),
                    _ => {
                        return Err(bad(format!(
                            "field '{field}' is a list: use Eq, NotEq or Like"
                        )))
                    }
                })
            }
            Scalar::Text(text) => {
                if comparator == Comparator::Like {
                    return Ok(like(text, value));
                }
                text.to_lowercase().cmp(&value.to_lowercase())
            }
            Scalar::Number(number) => {
                let wanted: i128 = value.trim().parse().map_err(|_| {
                    bad(format!(
                        "field '{field}' is numeric: condition value '{value}' must be an integer"
                    ))
                })?;
                number.cmp(&wanted)
            }
            Scalar::Flag(flag) => {
                let wanted = match value {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => {
                        return Err(bad(format!(
                            "field '{field}' is boolean: use value \"true\" or \"false\""
                        )))
                    }
                };
                flag.cmp(&wanted)
            }
            Scalar::Missing => return Ok(comparator == Comparator::NotEq),
        };
        if comparator == Comparator::Like {
            return Err(bad(format!(
                "field '{field}' is not text: Like cannot be used on it"
            )));
        }
        Ok(match comparator {
            Comparator::Eq => ordering == Ordering::Equal,
            Comparator::NotEq => ordering != Ordering::Equal,
            Comparator::LessThan => ordering == Ordering::Less,
            Comparator::GreaterThan => ordering == Ordering::Greater,
            Comparator::LessEq => ordering != Ordering::Greater,
            Comparator::GreaterEq | Comparator::Like => ordering != Ordering::Less,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn people() -> Vec<Value> {
        vec![
            json!({"loginName": "anna", "fullName": "Anna Smith", "size": {"value": 2, "units": "MegaBytes"}, "isEnabled": true}),
            json!({"loginName": "bob", "fullName": "Bob Jones", "size": {"value": 100, "units": "KiloBytes"}, "isEnabled": false}),
            json!({"loginName": "Carl", "fullName": "Carl Anders", "size": {"value": 5, "units": "Bytes"}, "isEnabled": true}),
        ]
    }

    fn run(query: Value) -> Value {
        SearchQuery::parse(&query)
            .unwrap()
            .apply(people(), &people()[0], &["loginName", "fullName"])
            .unwrap()
    }

    fn logins(result: &Value) -> Vec<String> {
        result["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["loginName"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn like_supports_wildcards_and_substrings() {
        assert!(like("Anna Smith", "smi"));
        assert!(like("Anna Smith", "a%h"));
        assert!(!like("Anna Smith", "b%"));
        assert!(like("abcabc", "%c%c"));
    }

    #[test]
    fn orders_sizes_by_bytes_and_pages_after_counting() {
        let result = run(
            json!({"orderBy": [{"columnName": "size", "direction": "Desc"}], "start": 1, "limit": 1}),
        );
        assert_eq!(result["totalItems"], 3);
        assert_eq!(logins(&result), vec!["bob"]);
    }

    #[test]
    fn quicksearch_looks_in_all_quick_fields() {
        let result = run(
            json!({"conditions": [{"fieldName": "QUICKSEARCH", "comparator": "Like", "value": "anders"}]}),
        );
        assert_eq!(logins(&result), vec!["Carl"]);
    }

    #[test]
    fn or_combines_conditions() {
        let result = run(json!({"combining": "Or", "conditions": [
            {"fieldName": "loginName", "comparator": "Eq", "value": "ANNA"},
            {"fieldName": "isEnabled", "comparator": "Eq", "value": "false"}]}));
        assert_eq!(logins(&result), vec!["anna", "bob"]);
    }

    #[test]
    fn fields_read_adds_condition_and_order_fields_to_the_projection() {
        let query = SearchQuery::parse(&json!({
            "fields": ["loginName"],
            "conditions": [{"fieldName": "QUICKSEARCH", "comparator": "Like", "value": "a"},
                           {"fieldName": "isEnabled", "comparator": "Eq", "value": "true"}],
            "orderBy": [{"columnName": "size"}, {"columnName": "loginName"}]}))
        .unwrap();
        assert_eq!(
            query.fields_read(&["loginName", "fullName"]).unwrap(),
            ["loginName", "fullName", "isEnabled", "size"]
        );
        assert_eq!(
            SearchQuery::parse(&json!({})).unwrap().fields_read(&[]),
            None
        );
    }

    #[test]
    fn case_insensitive_order_keeps_equal_items_in_place() {
        let result = run(json!({"orderBy": [{"columnName": "loginName", "direction": "Desc"}]}));
        assert_eq!(logins(&result), vec!["Carl", "bob", "anna"]);
        let sensitive = run(
            json!({"orderBy": [{"columnName": "loginName", "direction": "Asc", "caseSensitive": true}]}),
        );
        assert_eq!(logins(&sensitive), vec!["Carl", "anna", "bob"]);
        let by_flag_then_name = run(json!({"orderBy": [
            {"columnName": "isEnabled", "direction": "Asc"},
            {"columnName": "fullName", "direction": "Desc"}]}));
        assert_eq!(logins(&by_flag_then_name), vec!["bob", "Carl", "anna"]);
    }

    #[test]
    fn unknown_condition_field_is_an_error() {
        let query = SearchQuery::parse(
            &json!({"conditions": [{"fieldName": "nope", "comparator": "Eq", "value": "x"}]}),
        )
        .unwrap();
        assert_eq!(
            query.apply(Vec::new(), &people()[0], &[]).unwrap_err().code,
            -32602
        );
    }
}

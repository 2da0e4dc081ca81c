//! Human-readable output of operation results: short sentences and aligned tables.

use serde_json::Value;

/// Formats rows under headers as a left-aligned table with two spaces between columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = vec![line(headers.to_vec())];
    out.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    out.join("\n") + "\n"
}

/// `key: value` lines, keys padded to the same width.
pub fn pairs(items: &[(&str, String)]) -> String {
    let width = items.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    items
        .iter()
        .map(|(key, value)| format!("{:<width$} {value}\n", format!("{key}:")))
        .collect()
}

/// The text of a JSON value: strings bare, `null` as `-`, everything else as JSON.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// One column per field of each object in `items`.
pub fn object_rows(items: &Value, fields: &[&str]) -> Vec<Vec<String>> {
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| fields.iter().map(|field| text(&item[*field])).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// A quota for people: `unlimited` for 0.
pub fn quota(value: &Value) -> String {
    match value.as_u64() {
        Some(0) => "unlimited".to_string(),
        _ => format!("{} MB", text(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_columns() {
        let rows = vec![
            vec!["a@example.com".to_string(), "1.5".to_string()],
            vec!["bob@x.org".to_string(), "2048".to_string()],
        ];
        assert_eq!(
            table(&["ADDRESS", "USED_MB"], &rows),
            "ADDRESS        USED_MB\na@example.com  1.5\nbob@x.org      2048\n"
        );
    }

    #[test]
    fn pairs_and_values_read_naturally() {
        assert_eq!(
            pairs(&[("a", "1".into()), ("long", "2".into())]),
            "a:    1\nlong: 2\n"
        );
        assert_eq!(text(&json!(null)), "-");
        assert_eq!(quota(&json!(0)), "unlimited");
        assert_eq!(quota(&json!(2048)), "2048 MB");
        let rows = object_rows(&json!([{"a": "x", "b": 1}]), &["b", "a"]);
        assert_eq!(rows, vec![vec!["1".to_string(), "x".to_string()]]);
    }
}

//! Writing spreadsheets people open in Excel: CSV cells quoted by RFC 4180 and neutralised
//! against formula injection (a cell starting `=`, `+`, `-`, `@`, tab or carriage return is
//! prefixed with `'` so Excel shows it as text). Stored values stay exactly as typed.

/// Whether a spreadsheet program could treat the cell as a formula. A plain signed number
/// (an E.164 phone such as `+254712345678`, or `-2.5`) cannot run anything, so it is left
/// alone: prefixing it would break the phone numbers the export exists to deliver.
pub fn looks_like_formula(value: &str) -> bool {
    if !value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        return false;
    }
    let rest = &value[1..];
    let plain_number = matches!(value.as_bytes()[0], b'+' | b'-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && rest.bytes().filter(|b| *b == b'.').count() <= 1;
    !plain_number
}

/// The value as it should appear in an exported cell (CSV or XLSX).
pub fn safe_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(value) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// One CSV cell: neutralised, then quoted when it holds a separator, quote or line break.
pub fn csv_cell(value: &str) -> String {
    let value = safe_cell(value);
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for cell in [
            "=1+1",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "+",
            "-",
        ] {
            assert!(safe_cell(cell).starts_with('\''), "{cell:?}");
        }
        for number in ["+254722000111", "-2", "-2.5"] {
            assert_eq!(safe_cell(number), number);
        }
        assert_eq!(safe_cell("Mama Mboga"), "Mama Mboga");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}

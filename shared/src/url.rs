//! Percent-encoding for values placed in a URL's query string (`?next=…`, `?logo_error=…`),
//! the same in the browser and on the server.

/// Encodes everything but RFC 3986's unreserved characters and `/` (legal in a query, and it
/// keeps paths like `/w/acme/settings` readable).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode_query_value;

    #[test]
    fn encodes_what_a_query_value_cannot_hold() {
        assert_eq!(encode_query_value("/invite/ab cd"), "/invite/ab%20cd");
        assert_eq!(encode_query_value("a&b=c?é"), "a%26b%3Dc%3F%C3%A9");
        assert_eq!(encode_query_value("plain-text_1.0~"), "plain-text_1.0~");
    }
}

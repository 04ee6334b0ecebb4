//! Delimited text: guesses the encoding (BOMs, UTF-8, else Windows-1252) and the delimiter
//! (the one that splits the first lines into the most consistent number of fields).

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::grid::Grid;
use super::{FileFormat, ReadOptions, SourceTable};
use crate::leads::ImportError;

/// Delimiters we try, in order of preference when two are equally consistent.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Records looked at to choose the delimiter.
const SAMPLE_RECORDS: usize = 50;
/// Bytes looked at to choose the delimiter (the sample is cut at a line end).
const SAMPLE_BYTES: usize = 64 * 1024;

/// Whether the bytes look like text in some encoding we decode (no NULs outside UTF-16, few
/// control characters).
pub(super) fn looks_like_text(bytes: &[u8]) -> bool {
    if Encoding::for_bom(bytes).is_some() || utf16_without_bom(bytes).is_some() {
        return true;
    }
    let head = &bytes[..bytes.len().min(8192)];
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    !head.contains(&0) && controls * 100 <= head.len()
}

/// UTF-16 written without a BOM shows as a NUL in every other byte of ASCII text.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even_zeros = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_zeros = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let mostly = |n: usize| n * 10 >= pairs * 7;
    let rarely = |n: usize| n * 10 <= pairs;
    if mostly(odd_zeros) && rarely(even_zeros) {
        Some(UTF_16LE)
    } else if mostly(even_zeros) && rarely(odd_zeros) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The text, decoded: a BOM decides when present; otherwise UTF-8 if the bytes are valid
/// UTF-8, else Windows-1252 (what Excel on Windows writes, and a superset of Latin-1).
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom_length..]).0;
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return encoding.decode_without_bom_handling(bytes).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// The delimiter whose split of the first records is the most consistent: the share of
/// records having the most common field count, which must be more than one field.
fn detect_delimiter(text: &str) -> u8 {
    let mut sample = &text[..floor_char_boundary(text, SAMPLE_BYTES)];
    if sample.len() < text.len()
        && let Some(end) = sample.rfind('\n')
    {
        sample = &sample[..end];
    }
    let mut best = (0.0, 0, DELIMITERS[0]);
    for delimiter in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(sample.as_bytes());
        let counts: Vec<usize> = reader
            .records()
            .take(SAMPLE_RECORDS)
            .filter_map(Result::ok)
            .map(|record| {
                // Trailing empty fields ("a;b;;;") say nothing about the delimiter.
                record
                    .iter()
                    .enumerate()
                    .filter(|(_, field)| !field.trim().is_empty())
                    .last()
                    .map_or(0, |(i, _)| i + 1)
            })
            .filter(|&count| count > 0)
            .collect();
        let Some((fields, times)) = most_common(&counts) else {
            continue;
        };
        if fields < 2 {
            continue;
        }
        let consistency = times as f64 / counts.len() as f64;
        if consistency > best.0 + 1e-9 || ((consistency - best.0).abs() <= 1e-9 && fields > best.1)
        {
            best = (consistency, fields, delimiter);
        }
    }
    best.2
}

/// The most common value and how often it occurs.
fn most_common(values: &[usize]) -> Option<(usize, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for &value in values {
        *counts.entry(value).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(value, times)| (times, value))
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Reads delimited text. Ragged rows are kept (the grid pads them); row numbers are the line on
/// which each record starts.
pub(super) fn read(bytes: &[u8], options: &ReadOptions) -> Result<SourceTable, ImportError> {
    let text = decode(bytes);
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Grid::new(options);
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let at = error
                    .position()
                    .map_or(text.len(), |p| byte_offset(p.byte()));
                return Err(ImportError::BadRow {
                    row: lines.line_at(at),
                    detail: error.to_string(),
                });
            }
        }
        let at = record
            .position()
            .map_or(text.len(), |p| byte_offset(p.byte()));
        let row = lines.line_at(at).saturating_sub(1);
        for (column, value) in record.iter().enumerate() {
            let column = u32::try_from(column).unwrap_or(u32::MAX);
            grid.set(row, column, value)?;
        }
    }
    let rows = grid.finish();
    if rows.is_empty() {
        return Err(ImportError::NoData);
    }
    Ok(SourceTable {
        format: FileFormat::Text,
        rows,
        sheet: None,
        sheets: Vec::new(),
    })
}

fn byte_offset(byte: u64) -> usize {
    usize::try_from(byte).unwrap_or(usize::MAX)
}

/// Line numbers as an editor (or Excel opening the file) shows them: `\r\n`, `\n` and a lone
/// `\r` each end a line. The csv reader's own count does not see blank lines or lone `\r`.
struct LineCounter<'t> {
    text: &'t [u8],
    position: usize,
    line: u32,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        Self {
            text,
            position: 0,
            line: 1,
        }
    }

    /// The 1-based line of the first character at or after `offset` that is not a line end
    /// (a record's reported start can sit just before the blank lines that precede it).
    /// Offsets must not go backwards.
    fn line_at(&mut self, offset: usize) -> u32 {
        let mut end = offset.min(self.text.len());
        while end < self.text.len() && matches!(self.text[end], b'\r' | b'\n') {
            end += 1;
        }
        if end > self.position {
            for (i, &byte) in self.text[self.position..end].iter().enumerate() {
                let next = self.text.get(self.position + i + 1);
                if byte == b'\n' || (byte == b'\r' && next != Some(&b'\n')) {
                    self.line = self.line.saturating_add(1);
                }
            }
            self.position = end;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_encoding() {
        assert_eq!(decode(b"\xEF\xBB\xBFCaf\xC3\xA9"), "Café");
        assert_eq!(decode(b"Caf\xC3\xA9"), "Café");
        assert_eq!(decode(&[0x43, 0x61, 0x66, 0xE9]), "Café");
        assert_eq!(decode(b"\x93quoted\x94"), "\u{201C}quoted\u{201D}");
        assert_eq!(decode(&[0xFF, 0xFE, b'h', 0, b'i', 0]), "hi");
        assert_eq!(decode(&[0xFE, 0xFF, 0, b'h', 0, b'i']), "hi");
        assert_eq!(decode(&[b'a', 0, b',', 0, b'b', 0, b'\n', 0]), "a,b\n");
    }

    #[test]
    fn picks_the_consistent_delimiter() {
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter("a;b;c\n1,5;2;3\n4;5,5;6\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter("a|b|c\nx, y|2|3\n"), b'|');
        // Commas inside some names do not beat a consistent semicolon.
        assert_eq!(
            detect_delimiter(
                "Name;City;Phone\nAcme, Ltd;Nairobi;0722\nBeta;Mombasa, KE;0733\nGamma;Kisumu;0711\n"
            ),
            b';'
        );
        // A title line and trailing empty fields do not confuse it.
        assert_eq!(
            detect_delimiter("Leads export\nName;Phone;;;\nAcme;0722;;;\nBeta;0733;;;\n"),
            b';'
        );
    }

    #[test]
    fn counts_lines_like_an_editor() {
        let text = b"a\r\nb\n\nc\rd\r\n\r\ne";
        let mut lines = LineCounter::new(text);
        assert_eq!(lines.line_at(0), 1);
        assert_eq!(lines.line_at(3), 2);
        assert_eq!(lines.line_at(5), 4);
        assert_eq!(lines.line_at(7), 5);
        assert_eq!(lines.line_at(8), 5);
        assert_eq!(lines.line_at(10), 7);
        assert_eq!(lines.line_at(text.len()), 7);
    }

    #[test]
    fn binary_is_not_text() {
        assert!(looks_like_text(b"name,phone\n"));
        assert!(looks_like_text(&[0x43, 0x61, 0x66, 0xE9]));
        assert!(!looks_like_text(&[0x00, 0x01, 0x02, 0x03, 0x89, 0x50]));
    }
}

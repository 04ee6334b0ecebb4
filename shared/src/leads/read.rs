//! Reading an upload into rows of text: recognises the format from its bytes (not just its
//! name), enforces the size limits, and hands CSV/TSV to `text` and workbooks to `workbook`.

mod grid;
mod text;
mod workbook;

use serde::{Deserialize, Serialize};

use super::ImportError;

/// Limits and choices for reading one upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Most rows with data accepted (header and title rows included).
    pub max_rows: u32,
    /// Most columns accepted (trailing empty cells do not count).
    pub max_columns: u32,
    /// Most bytes a workbook may expand to, judged from its zip directory before any parsing.
    pub max_decompressed_bytes: u64,
    /// The sheet to read; `None` takes the first visible sheet with data.
    pub sheet: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_rows: 1_000_000,
            max_columns: 200,
            max_decompressed_bytes: 500_000_000,
            sheet: None,
        }
    }
}

/// One row with data, every row of a table padded to the same width.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    /// 1-based row number in the file (the line in a CSV, the row in a sheet), so messages can
    /// point at it; rows without data are skipped, so numbers can jump.
    pub number: u32,
    pub cells: Vec<String>,
}

/// What was read from an upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceTable {
    pub format: FileFormat,
    pub rows: Vec<SourceRow>,
    /// The sheet read (workbooks only).
    pub sheet: Option<String>,
    /// The workbook's worksheets in order (empty for CSV/TSV), to offer a choice.
    pub sheets: Vec<String>,
}

/// The kinds of file we read, as recognised from their bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Delimited text (CSV, TSV, semicolon- or pipe-separated).
    Text,
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl FileFormat {
    /// How the format is named in messages.
    fn described(self) -> &'static str {
        match self {
            Self::Text => "a text (CSV) file",
            Self::Xlsx => "an Excel workbook (.xlsx)",
            Self::Xlsb => "an Excel binary workbook (.xlsb)",
            Self::Xls => "an Excel 97-2003 workbook (.xls)",
            Self::Ods => "an OpenDocument spreadsheet (.ods)",
        }
    }

    /// What an extension promises, for "named .x but is not …".
    fn expected(self) -> &'static str {
        match self {
            Self::Text => "a text (CSV) file",
            Self::Xlsx | Self::Xlsb | Self::Xls => "an Excel workbook",
            Self::Ods => "an OpenDocument spreadsheet",
        }
    }

    fn is_workbook(self) -> bool {
        self != Self::Text
    }
}

/// Reads an upload. `file_name` is only used for its extension, which must agree with the bytes.
pub fn read_table(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
) -> Result<SourceTable, ImportError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    let claimed = claimed_format(file_name)?;
    let actual = sniff(bytes, options)?;
    let format = match (claimed, actual) {
        (None, Sniffed::Other(_)) => return Err(ImportError::NotASpreadsheet),
        (None, Sniffed::Format(format)) => format,
        (Some((extension, claimed)), Sniffed::Other(actual)) => {
            return Err(ImportError::WrongType {
                extension,
                expected: claimed.expected(),
                actual,
            });
        }
        (Some((extension, claimed)), Sniffed::Format(actual)) => {
            // Workbooks saved under another workbook's extension are common (an .xls renamed
            // to .xlsx) and harmless: the bytes decide. Text posing as a workbook, or the
            // reverse, is a mistake worth telling the person about.
            if claimed.is_workbook() != actual.is_workbook() {
                return Err(ImportError::WrongType {
                    extension,
                    expected: claimed.expected(),
                    actual: actual.described(),
                });
            }
            actual
        }
    };
    match format {
        FileFormat::Text => text::read(bytes, options),
        workbook => workbook::read(workbook, bytes, options),
    }
}

/// What the bytes turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sniffed {
    Format(FileFormat),
    /// Something we cannot read, described for a message ("a PDF document").
    Other(&'static str),
}

/// The extension and what it promises; `None` when the name has no extension to go by.
fn claimed_format(file_name: &str) -> Result<Option<(String, FileFormat)>, ImportError> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let Some((_, extension)) = base.rsplit_once('.') else {
        return Ok(None);
    };
    let extension = extension.to_lowercase();
    let format = match extension.as_str() {
        "csv" | "tsv" | "txt" | "tab" => FileFormat::Text,
        "xlsx" | "xlsm" => FileFormat::Xlsx,
        "xlsb" => FileFormat::Xlsb,
        "xls" => FileFormat::Xls,
        "ods" => FileFormat::Ods,
        _ => return Err(ImportError::UnsupportedType { extension }),
    };
    Ok(Some((extension, format)))
}

/// Recognises the format from the bytes: a zip (xlsx, xlsb, ods, told apart by their parts),
/// an OLE compound file (xls), or text.
fn sniff(bytes: &[u8], options: &ReadOptions) -> Result<Sniffed, ImportError> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) {
        return workbook::zip_kind(bytes, options);
    }
    if bytes.starts_with(OLE) {
        // Also how password-protected xlsx files are wrapped; reading them fails later with a
        // message that mentions passwords.
        return Ok(Sniffed::Format(FileFormat::Xls));
    }
    Ok(if bytes.starts_with(b"%PDF") {
        Sniffed::Other("a PDF document")
    } else if text::looks_like_text(bytes) {
        Sniffed::Format(FileFormat::Text)
    } else {
        Sniffed::Other("a binary file that is not a spreadsheet")
    })
}

#[cfg(test)]
mod tests;

//! `ImportError`: every way reading an upload or applying a mapping can fail, each with a
//! message for the person who uploaded the file (naming the row where one applies).

use crate::error::AppError;

/// Why an upload could not be read or mapped. The messages are shown as they are; internal
/// detail (a parser's own error text) is kept in fields the message does not print.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file has no rows with data.")]
    NoData,
    #[error(
        "Files of type .{extension} cannot be imported. Upload a CSV, TSV, XLSX, XLS, XLSB or ODS file."
    )]
    UnsupportedType { extension: String },
    /// The extension promises one kind of file and the bytes are another.
    #[error("The file is named .{extension} but is not {expected}: it looks like {actual}.")]
    WrongType {
        extension: String,
        expected: &'static str,
        actual: &'static str,
    },
    #[error("The file is neither a spreadsheet nor a text (CSV) file.")]
    NotASpreadsheet,
    #[error("The workbook could not be read; it may be damaged or password-protected.")]
    Corrupt { detail: String },
    #[error("The workbook expands to more than {} MB; split it into smaller files.", .max_bytes / 1_000_000)]
    TooLarge { max_bytes: u64 },
    #[error("The file has more than {max} rows; split it into smaller files.")]
    TooManyRows { max: u32 },
    #[error("Row {row} has {columns} columns; at most {max} are allowed.")]
    TooManyColumns { row: u32, columns: u32, max: u32 },
    #[error(
        "Sheet \"{sheet}\" spans {rows} rows and {columns} columns; at most {max_rows} rows and {max_columns} columns are allowed."
    )]
    SheetTooLarge {
        sheet: String,
        rows: u32,
        columns: u32,
        max_rows: u32,
        max_columns: u32,
    },
    #[error("There is no sheet named \"{name}\"; the workbook has: {}.", .available.join(", "))]
    SheetNotFound {
        name: String,
        available: Vec<String>,
    },
    #[error("Row {row} could not be read.")]
    BadRow { row: u32, detail: String },
    #[error("There is no column \"{header}\"; the columns are: {}.", .available.join(", "))]
    UnknownHeader {
        header: String,
        available: Vec<String>,
    },
    #[error("\"{field}\" is not a lead field; use one of: {}.", super::LeadField::NAMES.join(", "))]
    UnknownField { field: String },
}

impl From<ImportError> for AppError {
    fn from(error: ImportError) -> Self {
        if let ImportError::Corrupt { detail } | ImportError::BadRow { detail, .. } = &error {
            tracing::info!(%detail, "import: unreadable upload");
        }
        AppError::field("file", error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn becomes_a_validation_error_on_the_file_field() {
        let app: AppError = ImportError::TooManyColumns {
            row: 7,
            columns: 250,
            max: 200,
        }
        .into();
        assert_eq!(
            app.field_message("file"),
            Some("Row 7 has 250 columns; at most 200 are allowed.")
        );
        assert_eq!(app.status_code(), 422);
    }

    #[test]
    fn messages_name_sheets_and_hide_parser_detail() {
        let missing = ImportError::SheetNotFound {
            name: "Leads".into(),
            available: vec!["Sheet1".into(), "Old".into()],
        };
        assert_eq!(
            missing.to_string(),
            "There is no sheet named \"Leads\"; the workbook has: Sheet1, Old."
        );
        let corrupt = ImportError::Corrupt {
            detail: "Zip error: invalid central directory".into(),
        };
        assert!(!corrupt.to_string().contains("Zip"));
        assert_eq!(
            ImportError::TooLarge {
                max_bytes: 500_000_000
            }
            .to_string(),
            "The workbook expands to more than 500 MB; split it into smaller files."
        );
    }
}

//! Workbooks through `calamine`: the zip-bomb guard (declared sizes checked before any part is
//! inflated), sheet choice, dimension limits, and cell values turned into the text a person
//! would have typed.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{
    Data, DataRef, Dimensions, ExcelDateTime, Ods, Reader, SheetType, SheetVisible, Xls, Xlsb, Xlsx,
};

use super::grid::Grid;
use super::{FileFormat, ReadOptions, Sniffed, SourceRow, SourceTable};
use crate::leads::ImportError;

/// Tells xlsx, xlsb and ods apart by their parts, after refusing archives whose entries
/// declare more than `max_decompressed_bytes` in total. The zip reader refuses to inflate an
/// entry past its declared size, so the declared sizes bound what calamine can be made to read.
pub(super) fn zip_kind(bytes: &[u8], options: &ReadOptions) -> Result<Sniffed, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(corrupt)?;
        total = total.saturating_add(entry.size());
        if total > options.max_decompressed_bytes {
            return Err(ImportError::TooLarge {
                max_bytes: options.max_decompressed_bytes,
            });
        }
        names.push(entry.name().map_err(corrupt)?.into_owned());
    }
    let has = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if has("xl/workbook.xml") {
        return Ok(Sniffed::Format(FileFormat::Xlsx));
    }
    if has("xl/workbook.bin") {
        return Ok(Sniffed::Format(FileFormat::Xlsb));
    }
    if has("mimetype") && has("content.xml") {
        let mut mimetype = String::new();
        if let Ok(entry) = archive.by_name("mimetype") {
            // The entry is checked against the total above; 100 bytes is plenty for the type.
            let _ = entry.take(100).read_to_string(&mut mimetype);
        }
        if mimetype.trim() == "application/vnd.oasis.opendocument.spreadsheet" {
            return Ok(Sniffed::Format(FileFormat::Ods));
        }
    }
    Ok(Sniffed::Other("a ZIP archive that is not a spreadsheet"))
}

fn corrupt(error: impl std::fmt::Display) -> ImportError {
    ImportError::Corrupt {
        detail: error.to_string(),
    }
}

/// Reads the chosen sheet of a workbook whose format `sniff` established.
pub(super) fn read(
    format: FileFormat,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<SourceTable, ImportError> {
    // calamine parses untrusted bytes; should a malformed file reach a bug in it, the person
    // gets "could not be read" rather than a failed request.
    catch_unwind(AssertUnwindSafe(|| read_format(format, bytes, options))).unwrap_or_else(|_| {
        Err(ImportError::Corrupt {
            detail: "the workbook parser panicked".into(),
        })
    })
}

fn read_format(
    format: FileFormat,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<SourceTable, ImportError> {
    let cursor = Cursor::new(bytes);
    match format {
        FileFormat::Xlsx => {
            let mut book = Xlsx::new(cursor).map_err(corrupt)?;
            let (names, visible) = worksheets(&book);
            pick_sheet(format, names, visible, options, |name| {
                let mut cells = book.worksheet_cells_reader(name).map_err(corrupt)?;
                check_dimensions(name, cells.dimensions(), options)?;
                let mut grid = Grid::new(options);
                while let Some(cell) = cells.next_cell().map_err(corrupt)? {
                    let (row, column) = cell.get_position();
                    set_ref(&mut grid, row, column, cell.get_value())?;
                }
                Ok(grid.finish())
            })
        }
        FileFormat::Xlsb => {
            let mut book = Xlsb::new(cursor).map_err(corrupt)?;
            let (names, visible) = worksheets(&book);
            pick_sheet(format, names, visible, options, |name| {
                let mut cells = book.worksheet_cells_reader(name).map_err(corrupt)?;
                check_dimensions(name, cells.dimensions(), options)?;
                let mut grid = Grid::new(options);
                while let Some(cell) = cells.next_cell().map_err(corrupt)? {
                    let (row, column) = cell.get_position();
                    set_ref(&mut grid, row, column, cell.get_value())?;
                }
                Ok(grid.finish())
            })
        }
        FileFormat::Xls => {
            let book = Xls::new(cursor).map_err(corrupt)?;
            read_ranges(format, book, options)
        }
        FileFormat::Ods => {
            let book = Ods::new(cursor).map_err(corrupt)?;
            read_ranges(format, book, options)
        }
        FileFormat::Text => Err(ImportError::NotASpreadsheet),
    }
}

/// xls and ods have no streaming reader in calamine: read the sheet's range, then check it.
fn read_ranges<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(
    format: FileFormat,
    mut book: R,
    options: &ReadOptions,
) -> Result<SourceTable, ImportError>
where
    R::Error: std::fmt::Display,
{
    let (names, visible) = worksheets(&book);
    pick_sheet(format, names, visible, options, |name| {
        let range = book.worksheet_range(name).map_err(corrupt)?;
        let (Some(start), Some(end)) = (range.start(), range.end()) else {
            return Ok(Vec::new());
        };
        check_dimensions(name, Dimensions { start, end }, options)?;
        let mut grid = Grid::new(options);
        for (row, column, value) in range.used_cells() {
            let row = start
                .0
                .saturating_add(u32::try_from(row).unwrap_or(u32::MAX));
            let column = start
                .1
                .saturating_add(u32::try_from(column).unwrap_or(u32::MAX));
            match value {
                Data::String(text) => grid.set(row, column, text)?,
                other => grid.set_owned(row, column, text_of(other))?,
            }
        }
        Ok(grid.finish())
    })
}

/// Worksheet names in order (chart and macro sheets have no cells to import), and which of
/// them are visible.
fn worksheets<RS: std::io::Read + std::io::Seek>(
    book: &impl Reader<RS>,
) -> (Vec<String>, Vec<bool>) {
    book.sheets_metadata()
        .iter()
        .filter(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| (sheet.name.clone(), sheet.visible == SheetVisible::Visible))
        .unzip()
}

/// Reads the sheet named in the options, or else the first visible sheet with data.
fn pick_sheet(
    format: FileFormat,
    names: Vec<String>,
    visible: Vec<bool>,
    options: &ReadOptions,
    mut read_sheet: impl FnMut(&str) -> Result<Vec<SourceRow>, ImportError>,
) -> Result<SourceTable, ImportError> {
    let table = |rows: Vec<SourceRow>, sheet: &str, names: Vec<String>| SourceTable {
        format,
        rows,
        sheet: Some(sheet.to_owned()),
        sheets: names,
    };
    if let Some(wanted) = &options.sheet {
        let wanted_key = wanted.trim().to_lowercase();
        let found = names
            .iter()
            .find(|name| *name == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|name| name.trim().to_lowercase() == wanted_key)
            })
            .cloned();
        let Some(name) = found else {
            return Err(ImportError::SheetNotFound {
                name: wanted.clone(),
                available: names,
            });
        };
        let rows = read_sheet(&name)?;
        if rows.is_empty() {
            return Err(ImportError::NoData);
        }
        return Ok(table(rows, &name, names));
    }
    for (name, _) in names.iter().zip(&visible).filter(|(_, visible)| **visible) {
        let rows = read_sheet(name)?;
        if !rows.is_empty() {
            return Ok(table(rows, name, names.clone()));
        }
    }
    Err(ImportError::NoData)
}

/// Refuses a sheet whose declared extent is over the limits before its cells are read.
fn check_dimensions(
    sheet: &str,
    dimensions: Dimensions,
    options: &ReadOptions,
) -> Result<(), ImportError> {
    // Rows and columns are counted from A1: that is what the row numbers shown will be.
    let rows = dimensions.end.0.saturating_add(1);
    let columns = dimensions.end.1.saturating_add(1);
    if rows > options.max_rows || columns > options.max_columns {
        return Err(ImportError::SheetTooLarge {
            sheet: sheet.to_owned(),
            rows,
            columns,
            max_rows: options.max_rows,
            max_columns: options.max_columns,
        });
    }
    Ok(())
}

/// Puts a streamed cell in the grid; text is copied once, straight from the workbook's
/// shared strings (most cells of a lead list), not through an owned `Data` first.
fn set_ref(
    grid: &mut Grid<'_>,
    row: u32,
    column: u32,
    value: &DataRef<'_>,
) -> Result<(), ImportError> {
    match value {
        DataRef::SharedString(text) => grid.set(row, column, text),
        DataRef::String(text) => grid.set(row, column, text),
        DataRef::Empty => Ok(()),
        other => grid.set_owned(row, column, text_of(&Data::from(other.clone()))),
    }
}

/// A cell as the text a person would have typed: integers without ".0", other numbers at
/// Excel's 15 significant digits, dates as ISO dates.
pub(super) fn text_of(value: &Data) -> String {
    match value {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(int) => int.to_string(),
        Data::Float(float) => number_text(*float),
        Data::Bool(true) => "TRUE".into(),
        Data::Bool(false) => "FALSE".into(),
        Data::DateTime(date) => date_text(date),
        Data::DateTimeIso(iso) => iso.strip_suffix("T00:00:00").unwrap_or(iso).to_owned(),
        Data::DurationIso(iso) => iso.clone(),
    }
}

/// Largest magnitude below which every integer is exact in an f64 and shown without exponent.
const EXACT_INTEGERS: f64 = 1e15;

pub(super) fn number_text(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    // Excel keeps 15 significant digits, so 0.1 + 0.2 is 0.3 to the person who typed it.
    let rounded: f64 = format!("{value:.14e}").parse().unwrap_or(value);
    if rounded.fract() == 0.0 && rounded.abs() < EXACT_INTEGERS {
        // Integral and in range, so the cast is exact.
        return (rounded as i64).to_string();
    }
    format!("{rounded}")
}

fn date_text(date: &ExcelDateTime) -> String {
    if date.is_duration() || (date.as_f64() < 1.0 && date.as_f64() >= 0.0) {
        // A duration, or a time of day with no date: hours, minutes and seconds.
        let seconds = (date.as_f64() * 86_400.0).round();
        if !seconds.is_finite() {
            return String::new();
        }
        let seconds = seconds as i64;
        return format!(
            "{:02}:{:02}:{:02}",
            seconds / 3600,
            (seconds / 60) % 60,
            seconds % 60
        );
    }
    let (year, month, day, hour, minute, second, _) = date.to_ymd_hms_milli();
    if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
    }
}

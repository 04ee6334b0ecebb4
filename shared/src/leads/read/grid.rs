//! The rows being collected from a file, with the row and column limits checked as each cell
//! arrives, so an oversized file is refused before it is all in memory.

use std::collections::BTreeMap;

use super::{ReadOptions, SourceRow};
use crate::leads::ImportError;

/// Non-empty cells by 0-based row, each row's cells by 0-based column.
pub(super) struct Grid<'a> {
    options: &'a ReadOptions,
    rows: BTreeMap<u32, Vec<String>>,
}

impl<'a> Grid<'a> {
    pub(super) fn new(options: &'a ReadOptions) -> Self {
        Self {
            options,
            rows: BTreeMap::new(),
        }
    }

    /// Puts one cell in place; blank cells are dropped (so trailing empty cells never count
    /// against the column limit).
    pub(super) fn set(&mut self, row: u32, column: u32, value: &str) -> Result<(), ImportError> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(());
        }
        let number = row.saturating_add(1);
        if column >= self.options.max_columns {
            return Err(ImportError::TooManyColumns {
                row: number,
                columns: column.saturating_add(1),
                max: self.options.max_columns,
            });
        }
        if !self.rows.contains_key(&row) && self.rows.len() >= self.options.max_rows as usize {
            return Err(ImportError::TooManyRows {
                max: self.options.max_rows,
            });
        }
        let cells = self.rows.entry(row).or_default();
        let index = column as usize;
        if cells.len() <= index {
            cells.resize(index + 1, String::new());
        }
        cells[index] = value.to_owned();
        Ok(())
    }

    /// The rows with data in file order, all padded to the widest row.
    pub(super) fn finish(self) -> Vec<SourceRow> {
        let width = self.rows.values().map(Vec::len).max().unwrap_or(0);
        self.rows
            .into_iter()
            .map(|(row, mut cells)| {
                cells.resize(width, String::new());
                SourceRow {
                    number: row.saturating_add(1),
                    cells,
                }
            })
            .collect()
    }
}

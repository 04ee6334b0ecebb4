//! The rows being collected from a file, with the row and column limits checked as each cell
//! arrives, so an oversized file is refused before it is all in memory.

use std::collections::BTreeMap;

use super::{ReadOptions, SourceRow};
use crate::leads::ImportError;

/// Non-empty cells by 0-based row, each row's cells by 0-based column.
pub(super) struct Grid<'a> {
    options: &'a ReadOptions,
    /// Rows in ascending order. Files list their rows in order, so a cell nearly always
    /// belongs to the last row or starts a new one: no map lookup per cell.
    rows: Vec<(u32, Vec<String>)>,
    /// Cells of rows that arrived after a later row (a hand-made workbook may list rows out of
    /// order); merged in by `finish`. A map, so even a file in reverse order stays n·log n.
    stray: BTreeMap<u32, Vec<String>>,
}

impl<'a> Grid<'a> {
    pub(super) fn new(options: &'a ReadOptions) -> Self {
        Self {
            options,
            rows: Vec::new(),
            stray: BTreeMap::new(),
        }
    }

    /// Puts one cell in place; blank cells are dropped (so trailing empty cells never count
    /// against the column limit).
    pub(super) fn set(&mut self, row: u32, column: u32, value: &str) -> Result<(), ImportError> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(());
        }
        self.put(row, column, value.to_owned())
    }

    /// [`Grid::set`] for a value already owned: kept as it is unless it needs trimming.
    pub(super) fn set_owned(
        &mut self,
        row: u32,
        column: u32,
        value: String,
    ) -> Result<(), ImportError> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        let value = if trimmed.len() == value.len() {
            value
        } else {
            trimmed.to_owned()
        };
        self.put(row, column, value)
    }

    fn put(&mut self, row: u32, column: u32, value: String) -> Result<(), ImportError> {
        if column >= self.options.max_columns {
            return Err(ImportError::TooManyColumns {
                row: row.saturating_add(1),
                columns: column.saturating_add(1),
                max: self.options.max_columns,
            });
        }
        let cells = self.row_cells(row)?;
        let index = column as usize;
        if cells.len() <= index {
            cells.resize(index + 1, String::new());
        }
        cells[index] = value;
        Ok(())
    }

    /// The cells of a row, the row added (within the row limit) when it is new.
    fn row_cells(&mut self, row: u32) -> Result<&mut Vec<String>, ImportError> {
        let last = self.rows.last().map(|(number, _)| *number);
        let at = match last {
            Some(last) if last == row => self.rows.len() - 1,
            Some(last) if last > row => {
                match self.rows.binary_search_by_key(&row, |(number, _)| *number) {
                    Ok(at) => at,
                    Err(_) => {
                        if !self.stray.contains_key(&row) {
                            self.check_row_limit()?;
                        }
                        return Ok(self.stray.entry(row).or_default());
                    }
                }
            }
            _ => {
                self.check_row_limit()?;
                self.rows.push((row, Vec::new()));
                self.rows.len() - 1
            }
        };
        Ok(&mut self.rows[at].1)
    }

    fn check_row_limit(&self) -> Result<(), ImportError> {
        if self.rows.len() + self.stray.len() >= self.options.max_rows as usize {
            return Err(ImportError::TooManyRows {
                max: self.options.max_rows,
            });
        }
        Ok(())
    }

    /// The rows with data in file order, all padded to the widest row.
    pub(super) fn finish(self) -> Vec<SourceRow> {
        let rows = if self.stray.is_empty() {
            self.rows
        } else {
            let mut merged: BTreeMap<u32, Vec<String>> = self.rows.into_iter().collect();
            for (row, cells) in self.stray {
                let target = merged.entry(row).or_default();
                if target.len() < cells.len() {
                    target.resize(cells.len(), String::new());
                }
                for (index, cell) in cells.into_iter().enumerate() {
                    if !cell.is_empty() {
                        target[index] = cell;
                    }
                }
            }
            merged.into_iter().collect()
        };
        let width = rows.iter().map(|(_, cells)| cells.len()).max().unwrap_or(0);
        rows.into_iter()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[SourceRow]) -> Vec<(u32, Vec<&str>)> {
        rows.iter()
            .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn rows_out_of_order_are_merged_in_file_order() {
        let options = ReadOptions::default();
        let mut grid = Grid::new(&options);
        grid.set(0, 0, "Name").unwrap();
        grid.set(4, 0, " Acme ").unwrap();
        // A row listed after a later one, and a second visit to a row already passed.
        grid.set(2, 1, "0722000111").unwrap();
        grid.set_owned(0, 1, "Phone".to_owned()).unwrap();
        grid.set(2, 0, "Beta").unwrap();
        grid.set(4, 2, "   ").unwrap();
        assert_eq!(
            texts(&grid.finish()),
            vec![
                (1, vec!["Name", "Phone"]),
                (3, vec!["Beta", "0722000111"]),
                (5, vec!["Acme", ""]),
            ]
        );
    }

    #[test]
    fn stray_rows_count_against_the_row_limit() {
        let options = ReadOptions {
            max_rows: 2,
            ..ReadOptions::default()
        };
        let mut grid = Grid::new(&options);
        grid.set(5, 0, "a").unwrap();
        grid.set(1, 0, "b").unwrap();
        grid.set(1, 1, "c").unwrap();
        assert!(matches!(
            grid.set(3, 0, "d"),
            Err(ImportError::TooManyRows { max: 2 })
        ));
    }
}

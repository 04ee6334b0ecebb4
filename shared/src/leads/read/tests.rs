//! Reading uploads end to end: encodings, delimiters, workbooks built in the test, and every
//! refusal (wrong type, empty, zip bomb, too many rows or columns, missing sheet).

use std::io::Write;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::*;

fn read(name: &str, bytes: &[u8]) -> Result<SourceTable, ImportError> {
    read_table(bytes, name, &ReadOptions::default())
}

fn cells(table: &SourceTable) -> Vec<(u32, Vec<&str>)> {
    table
        .rows
        .iter()
        .map(|r| (r.number, r.cells.iter().map(String::as_str).collect()))
        .collect()
}

#[test]
fn csv_utf8_with_bom_and_mixed_line_endings() {
    let table = read(
        "leads.csv",
        b"\xEF\xBB\xBFName,Phone,City\r\nCaf\xC3\xA9 Uno,0722 000 111,Nairobi\n\"Acme, Ltd\",0733000222\r\n",
    )
    .unwrap();
    assert_eq!(table.format, FileFormat::Text);
    assert_eq!(table.sheet, None);
    assert_eq!(
        cells(&table),
        vec![
            (1, vec!["Name", "Phone", "City"]),
            (2, vec!["Café Uno", "0722 000 111", "Nairobi"]),
            (3, vec!["Acme, Ltd", "0733000222", ""]),
        ]
    );
}

#[test]
fn csv_utf16le_with_bom_and_tabs() {
    let text = "Name\tPhone\nJua Kali\t0722000111\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let table = read("leads.txt", &bytes).unwrap();
    assert_eq!(
        cells(&table),
        vec![
            (1, vec!["Name", "Phone"]),
            (2, vec!["Jua Kali", "0722000111"])
        ]
    );
}

#[test]
fn csv_utf16be_with_bom() {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in "a,b\nc,d\n".encode_utf16() {
        bytes.extend(unit.to_be_bytes());
    }
    let table = read("x.csv", &bytes).unwrap();
    assert_eq!(
        cells(&table),
        vec![(1, vec!["a", "b"]), (2, vec!["c", "d"])]
    );
}

#[test]
fn csv_windows_1252_semicolons() {
    // "Café" as Excel on Windows saves it: é is the single byte 0xE9.
    let bytes = b"Nom;Ville\nCaf\xE9 de Paris;Qu\xE9bec\n";
    let table = read("clients.csv", bytes).unwrap();
    assert_eq!(
        cells(&table),
        vec![
            (1, vec!["Nom", "Ville"]),
            (2, vec!["Café de Paris", "Québec"])
        ]
    );
}

#[test]
fn tsv_and_pipe_delimiters() {
    let table = read("x.tsv", b"a\tb\tc\n1\t2\t3\n").unwrap();
    assert_eq!(cells(&table)[1], (2, vec!["1", "2", "3"]));
    let table = read("x.csv", b"a|b\n1|2\n").unwrap();
    assert_eq!(cells(&table)[1], (2, vec!["1", "2"]));
}

#[test]
fn ragged_rows_are_padded_and_blank_lines_keep_numbers() {
    let table = read(
        "x.csv",
        b"Title only\n\nName,Phone,City\nA,1\nB,2,X,extra\n",
    )
    .unwrap();
    assert_eq!(
        cells(&table),
        vec![
            (1, vec!["Title only", "", "", ""]),
            (3, vec!["Name", "Phone", "City", ""]),
            (4, vec!["A", "1", "", ""]),
            (5, vec!["B", "2", "X", "extra"]),
        ]
    );
}

#[test]
fn empty_files_are_refused() {
    assert_eq!(read("x.csv", b""), Err(ImportError::Empty));
    assert_eq!(read("x.csv", b"  \r\n\n"), Err(ImportError::Empty));
    assert_eq!(read("x.csv", b",,,\n , ,\n"), Err(ImportError::NoData));
}

#[test]
fn a_text_file_named_xlsx_is_refused_by_name() {
    let error = read("leads.xlsx", b"Name,Phone\nA,1\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "The file is named .xlsx but is not an Excel workbook: it looks like a text (CSV) file."
    );
    let error = read("leads.ods", b"Name,Phone\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "The file is named .ods but is not an OpenDocument spreadsheet: it looks like a text \
         (CSV) file."
    );
}

#[test]
fn a_workbook_named_csv_and_other_files_are_refused() {
    let error = read("leads.csv", &xlsx_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The file is named .csv but is not a text (CSV) file: it looks like an Excel workbook \
         (.xlsx)."
    );
    assert_eq!(
        read("leads.pdf", b"%PDF-1.7"),
        Err(ImportError::UnsupportedType {
            extension: "pdf".into()
        })
    );
    assert_eq!(
        read("leads.xlsx", b"%PDF-1.7\n\x00\x01"),
        Err(ImportError::WrongType {
            extension: "xlsx".into(),
            expected: "an Excel workbook",
            actual: "a PDF document",
        })
    );
    assert_eq!(
        read("upload", &[0, 1, 2, 3, 4, 5]),
        Err(ImportError::NotASpreadsheet)
    );
}

#[test]
fn a_zip_that_is_not_a_spreadsheet_is_refused() {
    let zip = zip_with(&[("readme.txt", b"hello")]);
    assert_eq!(
        read("leads.xlsx", &zip),
        Err(ImportError::WrongType {
            extension: "xlsx".into(),
            expected: "an Excel workbook",
            actual: "a ZIP archive that is not a spreadsheet",
        })
    );
}

#[test]
fn corrupt_workbooks_are_errors_not_panics() {
    let mut bytes = xlsx_bytes();
    // Damage the compressed data of the sheet with the leads; the zip directory stays intact.
    let name = b"xl/worksheets/sheet2.xml";
    let at = bytes
        .windows(name.len())
        .position(|w| w == name)
        .expect("sheet part");
    for b in &mut bytes[at + name.len() + 10..at + name.len() + 60] {
        *b = 0x55;
    }
    assert!(matches!(
        read("x.xlsx", &bytes),
        Err(ImportError::Corrupt { .. })
    ));
    assert!(matches!(
        read("x.xlsx", b"PK\x03\x04garbage"),
        Err(ImportError::Corrupt { .. })
    ));
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0];
    assert!(matches!(
        read("x.xls", &ole),
        Err(ImportError::Corrupt { .. })
    ));
}

/// A workbook like a real export: a title block, headers, phones stored as numbers, a date.
fn xlsx_bytes() -> Vec<u8> {
    let mut book = Workbook::new();
    let empty = book.add_worksheet();
    empty.set_name("Notes").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Leads").unwrap();
    sheet.write_string(0, 0, "Nairobi restaurants").unwrap();
    sheet.write_string(2, 0, "Name").unwrap();
    sheet.write_string(2, 1, "Phone").unwrap();
    sheet.write_string(2, 2, "Rating").unwrap();
    sheet.write_string(2, 3, "Since").unwrap();
    sheet.write_string(3, 0, "Mama Oliech").unwrap();
    sheet.write_number(3, 1, 254712345678.0).unwrap();
    sheet.write_number(3, 2, 3.5).unwrap();
    let date = ExcelDateTime::from_ymd(2024, 3, 1).unwrap();
    let format = Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .write_datetime_with_format(3, 3, &date, &format)
        .unwrap();
    sheet.write_string(4, 0, "Java House").unwrap();
    sheet.write_number(4, 1, 7.12345678E8).unwrap();
    sheet.write_number(4, 2, 0.1 + 0.2).unwrap();
    sheet.write_boolean(4, 3, true).unwrap();
    let other = book.add_worksheet();
    other.set_name("Archive").unwrap();
    other.write_string(0, 0, "old").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn xlsx_numbers_read_as_typed_from_the_first_sheet_with_data() {
    let table = read("leads.xlsx", &xlsx_bytes()).unwrap();
    assert_eq!(table.format, FileFormat::Xlsx);
    assert_eq!(table.sheet.as_deref(), Some("Leads"));
    assert_eq!(table.sheets, vec!["Notes", "Leads", "Archive"]);
    assert_eq!(
        cells(&table),
        vec![
            (1, vec!["Nairobi restaurants", "", "", ""]),
            (3, vec!["Name", "Phone", "Rating", "Since"]),
            (4, vec!["Mama Oliech", "254712345678", "3.5", "2024-03-01"]),
            (5, vec!["Java House", "712345678", "0.3", "TRUE"]),
        ]
    );
}

#[test]
fn xlsx_sheet_by_name_and_unknown_sheet() {
    let options = ReadOptions {
        sheet: Some("archive".into()),
        ..ReadOptions::default()
    };
    let table = read_table(&xlsx_bytes(), "leads.xlsx", &options).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("Archive"));
    assert_eq!(cells(&table), vec![(1, vec!["old"])]);

    let options = ReadOptions {
        sheet: Some("Clients".into()),
        ..ReadOptions::default()
    };
    let error = read_table(&xlsx_bytes(), "leads.xlsx", &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "There is no sheet named \"Clients\"; the workbook has: Notes, Leads, Archive."
    );
    let options = ReadOptions {
        sheet: Some("Notes".into()),
        ..ReadOptions::default()
    };
    assert_eq!(
        read_table(&xlsx_bytes(), "leads.xlsx", &options),
        Err(ImportError::NoData)
    );
}

#[test]
fn a_workbook_with_a_workbook_extension_of_another_kind_is_read_by_its_bytes() {
    let table = read("leads.xls", &xlsx_bytes()).unwrap();
    assert_eq!(table.format, FileFormat::Xlsx);
    let table = read("no-extension", &xlsx_bytes()).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("Leads"));
}

#[test]
fn zip_bomb_guard_checks_declared_sizes_first() {
    let options = ReadOptions {
        max_decompressed_bytes: 2_000,
        ..ReadOptions::default()
    };
    assert_eq!(
        read_table(&xlsx_bytes(), "leads.xlsx", &options),
        Err(ImportError::TooLarge { max_bytes: 2_000 })
    );

    // A small archive whose directory declares a 4 GB part: refused before anything inflates.
    let mut zip = zip_with(&[("xl/workbook.xml", b"<workbook/>")]);
    let central = zip
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    zip[central + 24..central + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    assert_eq!(
        read("bomb.xlsx", &zip),
        Err(ImportError::TooLarge {
            max_bytes: 500_000_000
        })
    );
}

#[test]
fn too_many_rows_or_columns() {
    let options = ReadOptions {
        max_rows: 2,
        max_columns: 3,
        ..ReadOptions::default()
    };
    assert_eq!(
        read_table(b"a,b\n1,2\n3,4\n", "x.csv", &options),
        Err(ImportError::TooManyRows { max: 2 })
    );
    let error = read_table(b"a,b,c\n1,2,3,4\n", "x.csv", &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Row 2 has 4 columns; at most 3 are allowed."
    );
    // Trailing empty cells are not columns.
    assert!(read_table(b"a,b,c,,,,\n1,2,3,,,\n", "x.csv", &options).is_ok());

    // A sheet whose declared dimension is over the limit is refused before its cells are read.
    let error = read_table(&xlsx_bytes(), "leads.xlsx", &options).unwrap_err();
    assert_eq!(
        error,
        ImportError::SheetTooLarge {
            sheet: "Leads".into(),
            rows: 5,
            columns: 4,
            max_rows: 2,
            max_columns: 3,
        }
    );
}

#[test]
fn numbers_read_as_a_person_typed_them() {
    use super::workbook::number_text;
    assert_eq!(number_text(254712345678.0), "254712345678");
    assert_eq!(number_text(7.12345678E8), "712345678");
    assert_eq!(number_text(3.5), "3.5");
    assert_eq!(number_text(0.1 + 0.2), "0.3");
    assert_eq!(number_text(-42.0), "-42");
    assert_eq!(number_text(1e20), "100000000000000000000");
    assert_eq!(number_text(f64::NAN), "");
}

/// The smallest OpenDocument spreadsheet calamine reads: mimetype, content and manifest.
fn ods_bytes() -> Vec<u8> {
    // Real files have no whitespace between cells, and calamine expects none.
    let cell = |kind: &str, value: &str, shown: &str| {
        format!(
            "<table:table-cell office:value-type=\"{kind}\" {value}><text:p>{shown}</text:p></table:table-cell>"
        )
    };
    let content = [
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" "#,
        r#"xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" "#,
        r#"xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">"#,
        r#"<office:body><office:spreadsheet><table:table table:name="Clientes"><table:table-row>"#,
        &cell("string", "", "Nome"),
        &cell("string", "", "Telefone"),
        &cell("string", "", "Desde"),
        "</table:table-row><table:table-row>",
        &cell("string", "", "Padaria"),
        &cell("float", r#"office:value="5511987654321""#, "5,51E+12"),
        &cell("date", r#"office:date-value="2024-03-01""#, "01/03/24"),
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>",
    ]
    .concat();
    zip_with(&[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", content.as_bytes()),
        (
            "META-INF/manifest.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#,
        ),
    ])
}

#[test]
fn ods_is_recognised_and_read() {
    let table = read("clientes.ods", &ods_bytes()).unwrap();
    assert_eq!(table.format, FileFormat::Ods);
    assert_eq!(table.sheets, vec!["Clientes"]);
    assert_eq!(
        cells(&table),
        vec![
            (1, vec!["Nome", "Telefone", "Desde"]),
            (2, vec!["Padaria", "5511987654321", "2024-03-01"]),
        ]
    );
}

fn zip_with(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

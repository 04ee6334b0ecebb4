//! Header-row detection, header synonyms in five languages, content detection, and overrides.

use super::*;

fn table(lines: &[&[&str]]) -> Vec<SourceRow> {
    let width = lines.iter().map(|l| l.len()).max().unwrap_or(0);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut cells: Vec<String> = line.iter().map(|c| (*c).to_owned()).collect();
            cells.resize(width, String::new());
            SourceRow {
                number: u32::try_from(i).unwrap() + 1,
                cells,
            }
        })
        .collect()
}

fn targets(mapping: &Mapping) -> Vec<(&str, ColumnTarget, u8)> {
    mapping
        .columns
        .iter()
        .map(|c| (c.header.as_str(), c.target.clone(), c.confidence))
        .collect()
}

fn field(f: LeadField) -> ColumnTarget {
    ColumnTarget::Field(f)
}

fn custom(name: &str) -> ColumnTarget {
    ColumnTarget::Custom(name.to_owned())
}

#[test]
fn normalises_headers() {
    assert_eq!(normalize("  Nome da Empresa "), "nome da empresa");
    assert_eq!(normalize("Teléfono"), "telefono");
    assert_eq!(normalize("Tel No."), "tel no");
    assert_eq!(normalize("E-MAIL"), "e mail");
    assert_eq!(normalize("Catégorie / Secteur"), "categorie secteur");
}

#[test]
fn header_synonyms_in_five_languages() {
    let cases = [
        ("Nome da Empresa", LeadField::Name, EXACT),
        ("Teléfono", LeadField::Phone, EXACT),
        ("Tel No.", LeadField::Phone, EXACT),
        ("Web Address", LeadField::Website, EXACT),
        ("Site", LeadField::Website, EXACT),
        ("Jina la Biashara", LeadField::Name, EXACT),
        ("Simu", LeadField::Phone, EXACT),
        ("Tovuti", LeadField::Website, EXACT),
        ("Barua pepe", LeadField::Email, EXACT),
        ("Mji", LeadField::City, EXACT),
        ("Nchi", LeadField::Country, EXACT),
        ("Ville", LeadField::City, EXACT),
        ("Pays", LeadField::Country, EXACT),
        ("Ciudad", LeadField::City, EXACT),
        ("Categoría", LeadField::Category, EXACT),
        ("E-mail", LeadField::Email, EXACT),
        ("Courriel", LeadField::Email, EXACT),
        ("Etiquetas", LeadField::Tags, EXACT),
        ("Observações", LeadField::Notes, EXACT),
        ("Company Website", LeadField::Website, PARTIAL),
        ("City Name", LeadField::City, PARTIAL),
        ("Business Phone Number", LeadField::Phone, PARTIAL),
        ("Contact Name", LeadField::Name, PARTIAL),
    ];
    for (header, expected, confidence) in cases {
        assert_eq!(
            match_header(header),
            Some((expected, confidence)),
            "{header}"
        );
    }
    assert_eq!(match_header("Rating"), None);
    assert_eq!(match_header(""), None);
    assert_eq!(match_header("Nominal"), None);
}

#[test]
fn classifies_values() {
    assert_eq!(classify("0722 000 111"), Kind::Phone);
    assert_eq!(classify("+254-722-000111"), Kind::Phone);
    assert_eq!(classify("254712345678"), Kind::Phone);
    assert_eq!(classify("7.12345678E8"), Kind::Phone);
    assert_eq!(classify("(11) 98765-4321"), Kind::Phone);
    assert_eq!(classify("info@acme.co.ke"), Kind::Email);
    assert_eq!(classify("www.acme.co.ke"), Kind::Url);
    assert_eq!(classify("https://Acme.com/menu"), Kind::Url);
    assert_eq!(classify("acme.co.ke"), Kind::Url);
    assert_eq!(classify("1234567.89"), Kind::Number);
    assert_eq!(classify("3.5"), Kind::Number);
    assert_eq!(classify("2024-03-01"), Kind::Number);
    assert_eq!(classify("J.Smith"), Kind::Text);
    assert_eq!(classify("Mama Oliech"), Kind::Text);
    assert_eq!(classify(""), Kind::Empty);
}

#[test]
fn english_headers_on_the_first_row() {
    let rows = table(&[
        &[
            "Business Name",
            "Phone",
            "Website",
            "Email",
            "City",
            "Rating",
        ],
        &[
            "Mama Oliech",
            "0722 000 111",
            "mamaoliech.co.ke",
            "hi@mamaoliech.co.ke",
            "Nairobi",
            "4.5",
        ],
        &[
            "Java House",
            "0733 000 222",
            "",
            "info@javahouse.com",
            "Nairobi",
            "4.1",
        ],
    ]);
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    assert_eq!(mapping.header_row, Some(1));
    assert_eq!(
        targets(&mapping),
        vec![
            ("Business Name", field(LeadField::Name), 100),
            ("Phone", field(LeadField::Phone), 100),
            ("Website", field(LeadField::Website), 100),
            ("Email", field(LeadField::Email), 100),
            ("City", field(LeadField::City), 100),
            ("Rating", custom("Rating"), 0),
        ]
    );
    assert_eq!(
        mapping.value(&rows[1], LeadField::Phone),
        Some("0722 000 111")
    );
    assert_eq!(mapping.value(&rows[2], LeadField::Website), None);
    assert_eq!(mapping.data_rows(&rows).count(), 2);
}

#[test]
fn header_below_a_title_block_and_blank_rows() {
    // Row numbers jump where blank rows were skipped by the reader.
    let mut rows = table(&[
        &["Leads export — Nairobi", "", ""],
        &["Generated 2024-03-01", "", ""],
        &["Nome da Empresa", "Telefone", "Cidade"],
        &["Padaria Pão Quente", "(11) 98765-4321", "São Paulo"],
        &["Bar do Zé", "(21) 99876-5432", "Rio de Janeiro"],
    ]);
    rows[2].number = 5;
    rows[3].number = 6;
    rows[4].number = 7;
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    assert_eq!(mapping.header_row, Some(5));
    assert_eq!(
        targets(&mapping),
        vec![
            ("Nome da Empresa", field(LeadField::Name), 100),
            ("Telefone", field(LeadField::Phone), 100),
            ("Cidade", field(LeadField::City), 100),
        ]
    );
    let data: Vec<u32> = mapping.data_rows(&rows).map(|r| r.number).collect();
    assert_eq!(data, vec![6, 7]);
}

#[test]
fn spanish_french_and_swahili_headers() {
    let spanish = table(&[
        &[
            "Nombre",
            "Teléfono",
            "Sitio web",
            "Correo electrónico",
            "Ciudad",
            "País",
            "Categoría",
        ],
        &[
            "Café Central",
            "+34 912 345 678",
            "cafecentral.es",
            "hola@cafecentral.es",
            "Madrid",
            "España",
            "Cafetería",
        ],
    ]);
    let mapping = detect_mapping(&spanish, &DetectOptions::default());
    let fields: Vec<ColumnTarget> = mapping.columns.iter().map(|c| c.target.clone()).collect();
    assert_eq!(
        fields,
        vec![
            field(LeadField::Name),
            field(LeadField::Phone),
            field(LeadField::Website),
            field(LeadField::Email),
            field(LeadField::City),
            field(LeadField::Country),
            field(LeadField::Category),
        ]
    );

    let french = table(&[
        &[
            "Nom de l'entreprise",
            "Téléphone",
            "Site",
            "Courriel",
            "Ville",
            "Pays",
            "Remarques",
        ],
        &[
            "Boulangerie Paul",
            "01 23 45 67 89",
            "paul.fr",
            "contact@paul.fr",
            "Paris",
            "France",
            "Ouvert le dimanche",
        ],
    ]);
    let mapping = detect_mapping(&french, &DetectOptions::default());
    let fields: Vec<ColumnTarget> = mapping.columns.iter().map(|c| c.target.clone()).collect();
    assert_eq!(
        fields,
        vec![
            field(LeadField::Name),
            field(LeadField::Phone),
            field(LeadField::Website),
            field(LeadField::Email),
            field(LeadField::City),
            field(LeadField::Country),
            field(LeadField::Notes),
        ]
    );

    let swahili = table(&[
        &[
            "Jina la Biashara",
            "Simu",
            "Tovuti",
            "Barua pepe",
            "Mji",
            "Nchi",
            "Aina",
        ],
        &[
            "Duka la Mama",
            "0722 000 111",
            "dukalamama.co.ke",
            "mama@duka.co.ke",
            "Mombasa",
            "Kenya",
            "Duka",
        ],
    ]);
    let mapping = detect_mapping(&swahili, &DetectOptions::default());
    let fields: Vec<ColumnTarget> = mapping.columns.iter().map(|c| c.target.clone()).collect();
    assert_eq!(
        fields,
        vec![
            field(LeadField::Name),
            field(LeadField::Phone),
            field(LeadField::Website),
            field(LeadField::Email),
            field(LeadField::City),
            field(LeadField::Country),
            field(LeadField::Category),
        ]
    );
}

#[test]
fn a_sheet_without_headers_is_mapped_by_content() {
    let rows = table(&[
        &[
            "Nairobi",
            "Mama Oliech Restaurant",
            "0722 000 111",
            "mamaoliech.co.ke",
            "5",
        ],
        &[
            "Nairobi",
            "Java House Adams",
            "0733 000 222",
            "www.javahouse.com",
            "4",
        ],
        &["Mombasa", "Tamarind Dhow", "254712345678", "", "5"],
        &[
            "Kisumu",
            "Kiboko Bay",
            "+254 711 000 333",
            "kibokobay.com",
            "3",
        ],
    ]);
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    assert_eq!(mapping.header_row, None);
    assert_eq!(
        targets(&mapping),
        vec![
            ("Column A", custom("Column A"), 0),
            ("Column B", field(LeadField::Name), 80),
            ("Column C", field(LeadField::Phone), 95),
            ("Column D", field(LeadField::Website), 95),
            ("Column E", custom("Column E"), 0),
        ]
    );
    assert_eq!(mapping.data_rows(&rows).count(), 4);
}

#[test]
fn unknown_headers_above_data_are_still_headers() {
    let rows = table(&[
        &["Biz", "Contacto X", "Zone"],
        &["Acme", "0722 000 111", "North"],
        &["Beta", "0733 000 222", "South"],
    ]);
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    assert_eq!(mapping.header_row, Some(1));
    assert_eq!(
        targets(&mapping),
        vec![
            ("Biz", custom("Biz"), 0),
            ("Contacto X", field(LeadField::Phone), 95),
            ("Zone", custom("Zone"), 0),
        ]
    );
}

#[test]
fn content_confirms_or_outweighs_the_header() {
    let rows = table(&[
        &["Name", "Website", "Phone", "Mobile"],
        &["Acme", "info@acme.com", "see website", "0722 000 111"],
        &["Beta", "hello@beta.com", "n/a", "0733 000 222"],
    ]);
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    assert_eq!(
        targets(&mapping),
        vec![
            ("Name", field(LeadField::Name), 100),
            // A "Website" column full of e-mails holds e-mails.
            ("Website", field(LeadField::Email), 95),
            // A "Phone" header over no phones loses to the mobile column that has them.
            ("Phone", custom("Phone"), 0),
            ("Mobile", field(LeadField::Phone), 100),
        ]
    );
}

#[test]
fn each_field_goes_to_one_column_and_customs_stay_distinct() {
    let rows = table(&[
        &[
            "Company",
            "Contact Name",
            "Phone",
            "Phone",
            "Notes",
            "Notes",
        ],
        &["Acme", "Jane Doe", "0722 000 111", "0733 000 222", "a", "b"],
    ]);
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    assert_eq!(
        targets(&mapping),
        vec![
            ("Company", field(LeadField::Name), 100),
            ("Contact Name", custom("Contact Name"), 0),
            ("Phone", field(LeadField::Phone), 100),
            ("Phone", custom("Phone"), 0),
            ("Notes", field(LeadField::Notes), 100),
            ("Notes", custom("Notes"), 0),
        ]
    );
    let rows = table(&[&["Tag", "Tag", "Tag"], &["x", "y", "z"]]);
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    let names: Vec<ColumnTarget> = mapping.columns.iter().map(|c| c.target.clone()).collect();
    assert_eq!(
        names,
        vec![field(LeadField::Tags), custom("Tag"), custom("Tag (2)")]
    );
}

#[test]
fn empty_columns_are_ignored() {
    let rows = table(&[&["Name", "", "Phone"], &["Acme", "", "0722 000 111"]]);
    let mapping = detect_mapping(&rows, &DetectOptions::default());
    assert_eq!(mapping.columns[1].header, "Column B");
    assert_eq!(mapping.columns[1].target, ColumnTarget::Ignore);
}

#[test]
fn signature_is_stable_and_follows_normalised_headers() {
    let a = detect_mapping(
        &table(&[&["Name", "Teléfono"], &["Acme", "0722 000 111"]]),
        &DetectOptions::default(),
    );
    let b = detect_mapping(
        &table(&[&[" NAME ", "telefono"], &["Beta", "0733 000 222"]]),
        &DetectOptions::default(),
    );
    let c = detect_mapping(
        &table(&[&["Telefono", "Name"], &["0722 000 111", "Acme"]]),
        &DetectOptions::default(),
    );
    assert_eq!(a.headers_signature(), b.headers_signature());
    assert_ne!(a.headers_signature(), c.headers_signature());
    assert_eq!(a.headers_signature().len(), 64);
    assert_eq!(
        a.headers_signature(),
        "cf435315859a89447059ac73cde427773dd94b31e5c48c682585a8d2b65981b9"
    );
}

#[test]
fn overrides_move_fields_and_name_unknowns() {
    let rows = table(&[
        &["Company", "Owner", "Tel", "Zone"],
        &["Acme", "Jane Doe", "0722 000 111", "North"],
    ]);
    let mut mapping = detect_mapping(&rows, &DetectOptions::default());
    mapping
        .apply_overrides([("name", "owner"), ("city", "Zone"), ("ignore", "TEL")])
        .unwrap();
    assert_eq!(
        targets(&mapping),
        vec![
            ("Company", custom("Company"), 0),
            ("Owner", field(LeadField::Name), 100),
            ("Tel", ColumnTarget::Ignore, 0),
            ("Zone", field(LeadField::City), 100),
        ]
    );
    assert_eq!(
        mapping
            .apply_overrides([("phone", "Fax")])
            .unwrap_err()
            .to_string(),
        "There is no column \"Fax\"; the columns are: Company, Owner, Tel, Zone."
    );
    assert!(matches!(
        mapping.apply_overrides([("fax", "Tel")]),
        Err(ImportError::UnknownField { field }) if field == "fax"
    ));
    assert_eq!(
        parse_override(" phone = Tel No. "),
        Ok(("phone".into(), "Tel No.".into()))
    );
    assert!(parse_override("phone").is_err());
}

#[test]
fn column_letters_follow_spreadsheets() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
    assert_eq!(column_letters(701), "ZZ");
    assert_eq!(column_letters(702), "AAA");
}

#[test]
fn empty_input_maps_to_nothing() {
    let mapping = detect_mapping(&[], &DetectOptions::default());
    assert_eq!(
        mapping,
        Mapping {
            header_row: None,
            columns: vec![]
        }
    );
}

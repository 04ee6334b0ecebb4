//! Mapping an upload's columns to lead fields: finds the header row (even below a title block),
//! matches headers against synonyms in English, Spanish, Portuguese, French and Swahili, and
//! checks or decides by what the values look like (phones, e-mails, websites).

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{ImportError, LeadField, SourceRow, clean_email, clean_website};

/// How much of the file detection looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectOptions {
    /// Rows searched for the header row (title blocks sit above it).
    pub scan_rows: usize,
    /// Data rows sampled per column to judge its content.
    pub sample_rows: usize,
}

impl Default for DetectOptions {
    fn default() -> Self {
        Self {
            scan_rows: 30,
            sample_rows: 50,
        }
    }
}

/// Where a column's values go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnTarget {
    Field(LeadField),
    /// A custom field, keyed by the column's header text.
    Custom(String),
    /// Not imported (an empty column, or the person said so).
    Ignore,
}

/// One column of the upload and where it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// 0-based position in [`SourceRow::cells`].
    pub index: usize,
    /// The header text, or "Column C" when the file has no header for it.
    pub header: String,
    pub target: ColumnTarget,
    /// How sure detection is that the column holds its field (100 for an exact header match
    /// or a person's choice; 0 for custom and ignored columns).
    pub confidence: u8,
}

/// How an upload's columns map to lead fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// 1-based row number of the header row; `None` when the file has none (every row is data).
    pub header_row: Option<u32>,
    pub columns: Vec<ColumnMapping>,
}

impl Mapping {
    /// A stable fingerprint of the header list (hex SHA-256 of the normalised headers), so a
    /// mapping saved for one export can be offered again for the next file of the same shape.
    pub fn headers_signature(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"leadloom-headers-v1");
        for column in &self.columns {
            hasher.update([0x1f]);
            hasher.update(normalize(&column.header).as_bytes());
        }
        hex::encode(hasher.finalize())
    }

    /// The column mapped to `field`, if any.
    pub fn column_for(&self, field: LeadField) -> Option<&ColumnMapping> {
        self.columns
            .iter()
            .find(|c| c.target == ColumnTarget::Field(field))
    }

    /// The value of `field` in `row`, trimmed; `None` when unmapped or blank.
    pub fn value<'r>(&self, row: &'r SourceRow, field: LeadField) -> Option<&'r str> {
        let column = self.column_for(field)?;
        let value = row.cells.get(column.index)?.trim();
        (!value.is_empty()).then_some(value)
    }

    /// The rows holding data: those after the header row.
    pub fn data_rows<'r>(&self, rows: &'r [SourceRow]) -> impl Iterator<Item = &'r SourceRow> {
        let after = self.header_row.unwrap_or(0);
        rows.iter().filter(move |row| row.number > after)
    }

    /// Applies a person's choices, each `(field, header)`: the field is a lead field name,
    /// `custom` or `ignore`; the header names a column (compared without case or accents).
    /// A field moved to a new column leaves its old column as a custom field.
    pub fn apply_overrides<F, H>(
        &mut self,
        overrides: impl IntoIterator<Item = (F, H)>,
    ) -> Result<(), ImportError>
    where
        F: AsRef<str>,
        H: AsRef<str>,
    {
        for (field, header) in overrides {
            let (field, header) = (field.as_ref().trim(), header.as_ref().trim());
            let wanted = normalize(header);
            let Some(index) = self
                .columns
                .iter()
                .position(|c| normalize(&c.header) == wanted)
            else {
                return Err(ImportError::UnknownHeader {
                    header: header.to_owned(),
                    available: self.columns.iter().map(|c| c.header.clone()).collect(),
                });
            };
            let target = match field.to_lowercase().as_str() {
                "ignore" => ColumnTarget::Ignore,
                "custom" => ColumnTarget::Custom(self.columns[index].header.clone()),
                _ => ColumnTarget::Field(field.parse::<LeadField>()?),
            };
            if let ColumnTarget::Field(_) = target {
                for column in &mut self.columns {
                    if column.target == target {
                        column.target = ColumnTarget::Custom(column.header.clone());
                        column.confidence = 0;
                    }
                }
            }
            let column = &mut self.columns[index];
            column.confidence = if matches!(target, ColumnTarget::Field(_)) {
                100
            } else {
                0
            };
            column.target = target;
        }
        Ok(())
    }
}

/// Splits one `field=Header` override as typed (the first `=` separates).
pub fn parse_override(text: &str) -> Result<(String, String), ImportError> {
    match text.split_once('=') {
        Some((field, header)) => Ok((field.trim().to_owned(), header.trim().to_owned())),
        None => Err(ImportError::UnknownField {
            field: text.trim().to_owned(),
        }),
    }
}

/// Lower-case, accents stripped, punctuation turned into spaces, spaces collapsed:
/// "Nome da Empresa" → "nome da empresa", "Tel. No." → "tel no", "Teléfono" → "telefono".
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Header synonyms per field: `exact` matches the whole header (spaces ignored, so "E-mail",
/// "Email" and "e mail" agree); `words` match a run of words inside a longer header.
struct Synonyms {
    field: LeadField,
    exact: &'static [&'static str],
    words: &'static [&'static str],
}

/// In priority order for headers holding words of several fields ("Company Website" is the
/// website, "City Name" is the city): specific fields first, the name last.
const SYNONYMS: &[Synonyms] = &[
    Synonyms {
        field: LeadField::Email,
        exact: &[
            "email",
            "e-mail",
            "email address",
            "e-mail address",
            "mail",
            "correo",
            "correo electronico",
            "correio",
            "correio eletronico",
            "endereco de email",
            "courriel",
            "adresse email",
            "adresse e-mail",
            "adresse electronique",
            "mel",
            "barua pepe",
            "anwani ya barua pepe",
        ],
        words: &[
            "email",
            "mail",
            "correo",
            "correio",
            "courriel",
            "barua pepe",
        ],
    },
    Synonyms {
        field: LeadField::Website,
        exact: &[
            "website",
            "web site",
            "web",
            "site",
            "url",
            "web address",
            "website address",
            "homepage",
            "home page",
            "www",
            "domain",
            "link",
            "sitio web",
            "sitio",
            "pagina web",
            "pagina",
            "site web",
            "site internet",
            "endereco do site",
            "tovuti",
            "anwani ya tovuti",
        ],
        words: &[
            "website", "web", "site", "url", "homepage", "www", "sitio", "tovuti",
        ],
    },
    Synonyms {
        field: LeadField::Phone,
        exact: &[
            "phone",
            "phone number",
            "phone no",
            "telephone",
            "telephone number",
            "tel",
            "tel no",
            "tel number",
            "mobile",
            "mobile number",
            "mobile phone",
            "cell",
            "cell phone",
            "cellphone",
            "whatsapp",
            "whatsapp number",
            "contact number",
            "msisdn",
            "telefono",
            "numero de telefono",
            "celular",
            "movil",
            "telefone",
            "numero de telefone",
            "fone",
            "portable",
            "numero de telephone",
            "simu",
            "namba ya simu",
            "nambari ya simu",
            "simu ya mkononi",
            "rununu",
        ],
        words: &[
            "phone",
            "telephone",
            "tel",
            "mobile",
            "cell",
            "whatsapp",
            "telefono",
            "telefone",
            "celular",
            "movil",
            "fone",
            "portable",
            "simu",
            "msisdn",
        ],
    },
    Synonyms {
        field: LeadField::Tags,
        exact: &[
            "tags",
            "tag",
            "labels",
            "label",
            "keywords",
            "etiquetas",
            "etiqueta",
            "marcadores",
            "etiquettes",
            "mots cles",
            "lebo",
            "vitambulisho",
        ],
        words: &["tags", "tag", "labels", "etiquetas", "etiquettes"],
    },
    Synonyms {
        field: LeadField::Category,
        exact: &[
            "category",
            "categories",
            "type",
            "business type",
            "industry",
            "sector",
            "niche",
            "segment",
            "categoria",
            "tipo",
            "rubro",
            "giro",
            "industria",
            "segmento",
            "ramo",
            "setor",
            "categorie",
            "secteur",
            "activite",
            "secteur d activite",
            "aina",
            "aina ya biashara",
            "kundi",
            "sekta",
        ],
        words: &[
            "category",
            "categoria",
            "categorie",
            "industry",
            "sector",
            "secteur",
            "setor",
            "aina",
        ],
    },
    Synonyms {
        field: LeadField::Notes,
        exact: &[
            "notes",
            "note",
            "comments",
            "comment",
            "remarks",
            "description",
            "details",
            "notas",
            "nota",
            "comentarios",
            "observaciones",
            "descripcion",
            "observacoes",
            "obs",
            "descricao",
            "remarques",
            "commentaires",
            "maelezo",
            "maoni",
            "kumbukumbu",
        ],
        words: &[
            "notes",
            "note",
            "comments",
            "remarks",
            "notas",
            "observaciones",
            "observacoes",
            "commentaires",
            "maelezo",
            "maoni",
        ],
    },
    Synonyms {
        field: LeadField::City,
        exact: &[
            "city",
            "town",
            "ciudad",
            "localidad",
            "municipio",
            "cidade",
            "ville",
            "commune",
            "localite",
            "mji",
            "jiji",
        ],
        words: &["city", "town", "ciudad", "cidade", "ville", "mji", "jiji"],
    },
    Synonyms {
        field: LeadField::Country,
        exact: &["country", "nation", "pais", "pays", "nchi"],
        words: &["country", "pais", "pays", "nchi"],
    },
    Synonyms {
        field: LeadField::Name,
        exact: &[
            "name",
            "business name",
            "company",
            "company name",
            "business",
            "organisation",
            "organization",
            "account",
            "account name",
            "lead",
            "lead name",
            "store",
            "shop",
            "nombre",
            "nombre de la empresa",
            "empresa",
            "negocio",
            "nombre del negocio",
            "razon social",
            "nombre comercial",
            "nome",
            "nome da empresa",
            "nome do negocio",
            "razao social",
            "nome fantasia",
            "estabelecimento",
            "loja",
            "nom",
            "nom de l entreprise",
            "entreprise",
            "societe",
            "raison sociale",
            "nom commercial",
            "etablissement",
            "jina",
            "jina la biashara",
            "biashara",
            "kampuni",
            "jina la kampuni",
        ],
        words: &[
            "name",
            "nombre",
            "nome",
            "nom",
            "jina",
            "company",
            "business",
            "empresa",
            "entreprise",
            "biashara",
            "kampuni",
        ],
    },
];

/// The synonyms, normalised once: exact ones without spaces, word runs as word lists.
struct Prepared {
    field: LeadField,
    exact: HashSet<String>,
    words: Vec<Vec<String>>,
}

static PREPARED: LazyLock<Vec<Prepared>> = LazyLock::new(|| {
    SYNONYMS
        .iter()
        .map(|s| Prepared {
            field: s.field,
            exact: s
                .exact
                .iter()
                .map(|e| normalize(e).replace(' ', ""))
                .collect(),
            words: s
                .words
                .iter()
                .map(|w| normalize(w).split(' ').map(str::to_owned).collect())
                .collect(),
        })
        .collect()
});

/// Confidence of a header that is exactly a synonym.
const EXACT: u8 = 100;
/// Confidence of a header that contains a synonym among other words.
const PARTIAL: u8 = 75;

/// The field a header names, with confidence.
fn match_header(header: &str) -> Option<(LeadField, u8)> {
    let normal = normalize(header);
    if normal.is_empty() {
        return None;
    }
    let compact = normal.replace(' ', "");
    if let Some(p) = PREPARED.iter().find(|p| p.exact.contains(&compact)) {
        return Some((p.field, EXACT));
    }
    let words: Vec<&str> = normal.split(' ').collect();
    PREPARED
        .iter()
        .find(|p| {
            p.words.iter().any(|run| {
                words
                    .windows(run.len())
                    .any(|window| window.iter().zip(run).all(|(a, b)| *a == b.as_str()))
            })
        })
        .map(|p| (p.field, PARTIAL))
}

/// What a cell's value looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Empty,
    Phone,
    Email,
    Url,
    Number,
    Text,
}

fn classify(value: &str) -> Kind {
    let value = value.trim();
    if value.is_empty() {
        return Kind::Empty;
    }
    if value.contains('@') {
        return if clean_email(value).is_some() {
            Kind::Email
        } else {
            Kind::Text
        };
    }
    if looks_like_phone(value) {
        return Kind::Phone;
    }
    if looks_like_number(value) {
        return Kind::Number;
    }
    if looks_like_url(value) {
        return Kind::Url;
    }
    Kind::Text
}

fn looks_like_phone(value: &str) -> bool {
    // ISO dates are digits and dashes too.
    let bytes = value.as_bytes();
    if bytes.len() >= 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        return false;
    }
    // What spreadsheets make of numbers: "254712345678.0", "7.12345678E8".
    let spreadsheet = value.strip_suffix(".0").unwrap_or(value);
    if let Some((mantissa, exponent)) = spreadsheet.split_once(['E', 'e'])
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && exponent
            .trim_start_matches('+')
            .parse::<u8>()
            .is_ok_and(|e| (6..=14).contains(&e))
    {
        return true;
    }
    let allowed = spreadsheet
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()./".contains(c));
    let digits = spreadsheet.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(7..=15).contains(&digits) {
        return false;
    }
    // A lone decimal point is an amount ("1234567.89"), not a phone.
    let separators = spreadsheet.chars().filter(|c| !c.is_ascii_digit()).count();
    !(separators == 1 && spreadsheet.contains('.'))
}

fn looks_like_number(value: &str) -> bool {
    let plain: String = value.chars().filter(|c| !matches!(c, ',' | ' ')).collect();
    plain.parse::<f64>().is_ok() || (value.len() >= 10 && value.as_bytes().get(4) == Some(&b'-'))
}

fn looks_like_url(value: &str) -> bool {
    let Some(site) = clean_website(value) else {
        return false;
    };
    if site.contains("://") || site.starts_with("www.") {
        return true;
    }
    // Without a scheme, ask for a top-level domain of letters ("acme.co.ke", not "J.Smith"
    // in a name column: that has a capital and a short label).
    let host = site.split(['/', ':']).next().unwrap_or("");
    let tld = host.rsplit('.').next().unwrap_or("");
    tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_lowercase()) && value == value.to_lowercase()
}

/// Short text that could be a column title.
fn header_like(value: &str) -> bool {
    classify(value) == Kind::Text && value.trim().chars().count() <= 40
}

/// Detects the header row and maps every column.
pub fn detect_mapping(rows: &[SourceRow], options: &DetectOptions) -> Mapping {
    let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let header_index = find_header(rows, width, options.scan_rows);
    let header_row = header_index.and_then(|i| rows.get(i));
    let data: Vec<&SourceRow> = rows
        .iter()
        .skip(header_index.map_or(0, |i| i + 1))
        .take(options.sample_rows)
        .collect();

    let mut columns: Vec<ColumnMapping> = Vec::with_capacity(width);
    // (column, field, confidence) for every column that could hold a field.
    let mut candidates: Vec<(usize, LeadField, u8)> = Vec::new();
    for index in 0..width {
        let header_text = header_row
            .and_then(|r| r.cells.get(index))
            .map(|h| h.trim().to_owned())
            .unwrap_or_default();
        let values: Vec<&str> = data
            .iter()
            .filter_map(|r| r.cells.get(index).map(|v| v.trim()))
            .filter(|v| !v.is_empty())
            .collect();
        let header = if header_text.is_empty() {
            format!("Column {}", column_letters(index))
        } else {
            header_text.clone()
        };
        let target = if header_text.is_empty() && values.is_empty() {
            ColumnTarget::Ignore
        } else {
            ColumnTarget::Custom(header.clone())
        };
        if let Some((field, confidence)) = judge(&header_text, &values) {
            candidates.push((index, field, confidence));
        }
        columns.push(ColumnMapping {
            index,
            header,
            target,
            confidence: 0,
        });
    }

    // Each field to its most certain column; ties go to the leftmost.
    candidates.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut taken = BTreeSet::new();
    for (index, field, confidence) in candidates {
        if taken.insert(field) {
            columns[index].target = ColumnTarget::Field(field);
            columns[index].confidence = confidence;
        }
    }

    if header_row.is_none() && !taken.contains(&LeadField::Name) {
        name_by_content(&mut columns, &data);
    }
    unique_custom_names(&mut columns);
    Mapping {
        header_row: header_row.map(|r| r.number),
        columns,
    }
}

/// The field a column holds, from its header and its sampled values.
fn judge(header: &str, values: &[&str]) -> Option<(LeadField, u8)> {
    let by_header = match_header(header);
    let by_content = content_field(values);
    match (by_header, by_content) {
        (Some((field, h)), Some((content, share))) if field == content => {
            Some((field, h.max(share_confidence(share)).max(90)))
        }
        // Values that are clearly phones (or e-mails, or websites) outweigh a header that says
        // otherwise ("Contact" full of phone numbers).
        (Some(_), Some((content, share))) if share >= 0.8 => {
            Some((content, share_confidence(share)))
        }
        (Some((field, h)), _) => {
            let checkable = matches!(
                field,
                LeadField::Phone | LeadField::Email | LeadField::Website
            );
            let share = values
                .iter()
                .filter(|v| content_kind(field) == Some(classify(v)))
                .count();
            // A phone header over values that are not phones is a weak guess.
            if checkable && !values.is_empty() && share * 10 < values.len() * 3 {
                Some((field, h / 2))
            } else {
                Some((field, h))
            }
        }
        (None, Some((content, share))) => Some((content, share_confidence(share))),
        (None, None) => None,
    }
}

fn content_kind(field: LeadField) -> Option<Kind> {
    match field {
        LeadField::Phone => Some(Kind::Phone),
        LeadField::Email => Some(Kind::Email),
        LeadField::Website => Some(Kind::Url),
        _ => None,
    }
}

fn share_confidence(share: f64) -> u8 {
    // At most 95: content alone is never as sure as a header that says so.
    (share * 95.0).round().clamp(0.0, 95.0) as u8
}

/// The checkable field most of the values look like, with the share that do (at least half).
fn content_field(values: &[&str]) -> Option<(LeadField, f64)> {
    if values.is_empty() {
        return None;
    }
    let share = |kind: Kind| {
        values.iter().filter(|v| classify(v) == kind).count() as f64 / values.len() as f64
    };
    [
        (LeadField::Phone, share(Kind::Phone)),
        (LeadField::Email, share(Kind::Email)),
        (LeadField::Website, share(Kind::Url)),
    ]
    .into_iter()
    .filter(|(_, share)| *share >= 0.5)
    .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Without a header, the name is the column with the most distinct multi-word text.
fn name_by_content(columns: &mut [ColumnMapping], data: &[&SourceRow]) {
    let best = columns
        .iter()
        .filter(|c| matches!(c.target, ColumnTarget::Custom(_)))
        .map(|c| {
            let distinct: HashSet<&str> = data
                .iter()
                .filter_map(|r| r.cells.get(c.index).map(|v| v.trim()))
                .filter(|v| classify(v) == Kind::Text && v.split_whitespace().nth(1).is_some())
                .collect();
            (c.index, distinct.len())
        })
        .filter(|(_, distinct)| *distinct > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
    if let Some((index, distinct)) = best
        && let Some(column) = columns.get_mut(index)
    {
        let sampled = data.len().max(1);
        column.target = ColumnTarget::Field(LeadField::Name);
        column.confidence = share_confidence(distinct as f64 / sampled as f64).min(80);
    }
}

/// Two custom columns with the same header would overwrite each other's values: number them.
fn unique_custom_names(columns: &mut [ColumnMapping]) {
    let mut seen: HashSet<String> = HashSet::new();
    for column in columns.iter_mut() {
        if let ColumnTarget::Custom(name) = &mut column.target {
            let mut candidate = name.clone();
            let mut n = 2;
            while !seen.insert(normalize(&candidate)) {
                candidate = format!("{name} ({n})");
                n += 1;
            }
            *name = candidate;
        }
    }
}

/// The header row's index in `rows`: the row among the first `scan` whose cells best match
/// header synonyms; failing that, the all-text row just above the first row of data.
fn find_header(rows: &[SourceRow], width: usize, scan: usize) -> Option<usize> {
    let scanned = &rows[..rows.len().min(scan)];
    let filled = |row: &SourceRow| row.cells.iter().filter(|c| !c.trim().is_empty()).count();
    let not_header_like = |row: &SourceRow| {
        row.cells
            .iter()
            .filter(|c| !c.trim().is_empty() && !header_like(c))
            .count()
    };
    let mut best: Option<(usize, usize)> = None;
    for (index, row) in scanned.iter().enumerate() {
        let cells = filled(row);
        // A header may hold an odd title ("2024", "Rating 1-5") but is mostly short text.
        if cells < 2.min(width) || not_header_like(row) * 5 > cells {
            continue;
        }
        let matches = row
            .cells
            .iter()
            .filter(|c| match_header(c).is_some())
            .count();
        // Two synonyms, or half the row: one stray word like "Shop" in a data row is not enough.
        let convincing = matches >= 2 || (matches >= 1 && matches * 2 >= cells);
        if convincing && best.is_none_or(|(_, m)| matches > m) {
            best = Some((index, matches));
        }
    }
    if let Some((index, _)) = best {
        return Some(index);
    }
    let first_data = scanned.iter().position(|row| {
        row.cells
            .iter()
            .any(|c| matches!(classify(c), Kind::Phone | Kind::Email | Kind::Url))
    })?;
    let above = first_data.checked_sub(1)?;
    let row = &scanned[above];
    let cells = filled(row);
    (cells >= 2 && not_header_like(row) == 0 && cells * 2 >= filled(&scanned[first_data]))
        .then_some(above)
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests;

//! Writes a realistic, messy lead spreadsheet: the sample in `examples/` that the README asks a
//! new user to import first, and the large files the import benchmark reads.
//!
//! `cargo run -p server --example make_sample -- [--rows N] [--plain] OUT.xlsx|OUT.csv`
//!
//! The sample mimics what agencies really upload: a title block above the header, headers in
//! Portuguese and Swahili next to English ones, numbers typed in every local style (and some
//! stored by Excel as numbers), placeholder websites, blank rows, repeated businesses and a few
//! broken numbers. `--plain` writes the benchmark shape instead: one header row and the columns
//! name, phone, website, city, category, email. Output is deterministic (a fixed seed).

use rust_xlsxwriter::Workbook;
use std::path::PathBuf;

/// A small deterministic generator (xorshift64*): the same file every run, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct Country {
    code: &'static str,
    cities: &'static [&'static str],
    /// Builds a local-style and an international-style rendering of a random mobile number.
    mobile: fn(&mut Rng) -> (String, String),
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

const COUNTRIES: [Country; 6] = [
    Country {
        code: "KE",
        cities: &["Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret"],
        mobile: |rng| {
            let prefix = rng.pick(&["712", "722", "733", "745", "790", "110"]);
            let rest = digits(rng, 6);
            (
                format!("0{prefix} {} {}", &rest[..3], &rest[3..]),
                format!("+254 {prefix} {rest}"),
            )
        },
    },
    Country {
        code: "NG",
        cities: &["Lagos", "Abuja", "Ibadan", "Port Harcourt"],
        mobile: |rng| {
            let prefix = rng.pick(&["803", "806", "813", "703", "906"]);
            let rest = digits(rng, 7);
            (format!("0{prefix} {rest}"), format!("+234{prefix}{rest}"))
        },
    },
    Country {
        code: "BR",
        cities: &["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba"],
        mobile: |rng| {
            let area = rng.pick(&["11", "21", "31", "41"]);
            let rest = digits(rng, 8);
            (
                format!("({area}) 9{}-{}", &rest[..4], &rest[4..]),
                format!("+55 {area} 9{rest}"),
            )
        },
    },
    Country {
        code: "ES",
        cities: &["Madrid", "Barcelona", "Valencia", "Sevilla"],
        mobile: |rng| {
            let rest = digits(rng, 8);
            (
                format!("6{} {} {}", &rest[..2], &rest[2..5], &rest[5..]),
                format!("0034 6{rest}"),
            )
        },
    },
    Country {
        code: "FR",
        cities: &["Paris", "Lyon", "Marseille", "Toulouse"],
        mobile: |rng| {
            // 06 1x … 06 8x: metropolitan France (0690–0697 belong to the overseas regions).
            let rest = format!("{}{}", 1 + rng.below(8), digits(rng, 7));
            let pairs: Vec<&str> = (0..4).map(|i| &rest[i * 2..i * 2 + 2]).collect();
            (format!("06 {}", pairs.join(" ")), format!("+33 6{rest}"))
        },
    },
    Country {
        code: "TZ",
        cities: &["Dar es Salaam", "Arusha", "Mwanza", "Dodoma"],
        mobile: |rng| {
            let prefix = rng.pick(&["754", "713", "784", "655"]);
            let rest = digits(rng, 6);
            (format!("0{prefix}{rest}"), format!("+255 {prefix} {rest}"))
        },
    },
];

const FIRST: [&str; 16] = [
    "Mama", "Baraka", "Sol", "Bella", "Jiko", "Casa", "Le Petit", "Golden", "Umoja", "Nova",
    "Kilima", "Estrela", "Savanna", "Bom", "La Perla", "Tumaini",
];
const SECOND: [&str; 16] = [
    "Mboga",
    "Bakery",
    "Hardware",
    "Salon",
    "Pharmacy",
    "Auto Parts",
    "Café",
    "Tailors",
    "Supermarket",
    "Dental Clinic",
    "Electronics",
    "Boutique",
    "Butchery",
    "Print Shop",
    "Restaurante",
    "Hotel",
];
const SUFFIX: [&str; 6] = ["Ltd", "& Sons", "Enterprises", "", "", "Ltda"];
const CATEGORIES: [&str; 8] = [
    "Retail",
    "Food & Drink",
    "Health",
    "Beauty",
    "Automotive",
    "Hospitality",
    "Services",
    "Electronics",
];
const NO_SITE: [&str; 6] = ["", "-", "n/a", "none", "", "Hakuna"];

struct Lead {
    name: String,
    phone: String,
    website: String,
    email: String,
    city: String,
    category: String,
    tags: String,
    country: &'static str,
}

fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn lead(rng: &mut Rng, index: usize, messy: bool) -> Lead {
    let country = &COUNTRIES[rng.below(COUNTRIES.len())];
    let name = format!(
        "{} {} {}",
        rng.pick(&FIRST),
        rng.pick(&SECOND),
        rng.pick(&SUFFIX)
    )
    .trim()
    .to_owned();
    let name = if messy {
        name
    } else {
        format!("{name} {index}")
    };
    let (local, international) = (country.mobile)(rng);
    let phone = if !messy || rng.chance(50) {
        international
    } else {
        local
    };
    let domain = format!("{}{}.com", slug(&name), index % 97);
    let website = if rng.chance(55) {
        match rng.below(4) {
            0 => format!("https://www.{domain}"),
            1 => format!("WWW.{}", domain.to_uppercase()),
            2 => format!("http://{domain}/"),
            _ => domain.clone(),
        }
    } else if messy {
        rng.pick(&NO_SITE).to_owned()
    } else {
        String::new()
    };
    let email = if rng.chance(60) {
        format!(
            "{}@{domain}",
            rng.pick(&["info", "hello", "sales", "contact"])
        )
    } else {
        String::new()
    };
    Lead {
        city: rng.pick(country.cities).to_owned(),
        category: rng.pick(&CATEGORIES).to_owned(),
        tags: if rng.chance(30) {
            rng.pick(&["vip", "walk-in, referral", "trade fair 2026", "cold"])
                .to_owned()
        } else {
            String::new()
        },
        name,
        phone,
        website,
        email,
        country: country.code,
    }
}

struct Args {
    rows: usize,
    plain: bool,
    out: PathBuf,
}

fn args() -> Result<Args, String> {
    let mut rows = 250;
    let mut plain = false;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rows" => {
                rows = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--rows needs a number")?;
            }
            "--plain" => plain = true,
            other if !other.starts_with('-') => out = Some(PathBuf::from(other)),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let out = out.ok_or("usage: make_sample [--rows N] [--plain] OUT.xlsx|OUT.csv")?;
    Ok(Args { rows, plain, out })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let mut rng = Rng(0x5EED_1EAD_2026_1121);
    let leads: Vec<Lead> = (0..args.rows)
        .map(|i| lead(&mut rng, i, !args.plain))
        .collect();
    let is_csv = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let mut out = String::from("name,phone,website,city,category,email\n");
        for l in &leads {
            let row = [
                &l.name,
                &l.phone,
                &l.website,
                &l.city,
                &l.category,
                &l.email,
            ];
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    if c.contains([',', '"']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        (*c).clone()
                    }
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        std::fs::write(&args.out, out)?;
        return Ok(());
    }

    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Leads")?;
    let mut row: u32 = 0;
    let headers: &[&str] = if args.plain {
        &["name", "phone", "website", "city", "category", "email"]
    } else {
        // A title block and a blank row above the header, as exported from many CRMs.
        sheet.write_string(
            0,
            0,
            "Lista de clientes potenciais — Feira de Negócios 2026",
        )?;
        sheet.write_string(1, 0, "Exported by the trade fair office, 21/11/2026")?;
        row = 3;
        &[
            "Nome da Empresa",
            "Simu / Phone",
            "Web Address",
            "Barua pepe",
            "Cidade",
            "Categoría",
            "Tags",
            "Country",
            "Account manager",
        ]
    };
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(row, col as u16, *header)?;
    }
    row += 1;
    let managers = ["Wanjiku", "Tiago", "Amara", "Lucía"];
    for (i, l) in leads.iter().enumerate() {
        if args.plain {
            for (col, value) in [
                &l.name,
                &l.phone,
                &l.website,
                &l.city,
                &l.category,
                &l.email,
            ]
            .iter()
            .enumerate()
            {
                sheet.write_string(row, col as u16, value.as_str())?;
            }
            row += 1;
            continue;
        }
        if i % 40 == 17 {
            row += 1; // a blank row in the middle, as people leave them
        }
        sheet.write_string(row, 0, &l.name)?;
        // Some numbers were typed into Excel as numbers: the cell holds 254712345678.0.
        let digits_only: String = l.phone.chars().filter(char::is_ascii_digit).collect();
        if l.phone.starts_with('+') && i % 7 == 3 && digits_only.len() <= 15 {
            sheet.write_number(row, 1, digits_only.parse::<f64>().unwrap_or(0.0))?;
        } else if i % 53 == 11 {
            sheet.write_string(row, 1, "12345")?; // a broken number: kept and flagged
        } else {
            sheet.write_string(row, 1, &l.phone)?;
        }
        sheet.write_string(row, 2, &l.website)?;
        sheet.write_string(row, 3, &l.email)?;
        sheet.write_string(row, 4, &l.city)?;
        sheet.write_string(row, 5, &l.category)?;
        sheet.write_string(row, 6, &l.tags)?;
        sheet.write_string(row, 7, l.country)?;
        sheet.write_string(row, 8, managers[i % managers.len()])?;
        row += 1;
        if i % 31 == 5 {
            // The same business again, typed differently: a duplicate the import must catch.
            sheet.write_string(row, 0, l.name.to_uppercase())?;
            sheet.write_string(row, 1, &l.phone)?;
            sheet.write_string(row, 4, &l.city)?;
            sheet.write_string(row, 7, l.country)?;
            row += 1;
        }
    }
    sheet.autofit();
    book.save(&args.out)?;
    Ok(())
}

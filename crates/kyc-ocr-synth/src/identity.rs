//! Random document holders that cover what breaks MRZ readers: names from many languages and
//! scripts (transliterated by the ICAO rules), long names that get truncated, single names, `D` for
//! Germany, sex X, personal numbers present and absent, long TD1 document numbers, specimen codes.

use crate::format::DocFormat;
use jiff::civil::Date;
use kyc_ocr::mrz::{MrzData, MrzFormat};
use kyc_ocr::translit;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The holder and document data printed on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Document code as the MRZ writes it, fillers stripped (`P`, `PD`, `ID`, `I`, `AC`, `V`).
    pub document_code: String,
    /// Issuing state or organisation, MRZ code (`D`, `UTO`, `CHN`).
    pub issuing_state: String,
    /// Surname in Latin script as the visual zone prints it, diacritics kept (`Müller`).
    pub surname: String,
    /// Given names in Latin script, diacritics kept; empty for a person with a single name.
    pub given_names: String,
    /// Surname in the holder's own script (Cyrillic, Greek, Chinese, Arabic), when not Latin.
    pub native_surname: Option<String>,
    /// Given names in the holder's own script, when not Latin.
    pub native_given_names: Option<String>,
    /// Document number; TD1 numbers may be longer than 9 characters.
    pub document_number: String,
    /// Nationality, MRZ code.
    pub nationality: String,
    /// Date of birth.
    pub birth_date: Date,
    /// Sex as the visual zone prints it: `M`, `F` or `X`.
    pub sex: char,
    /// Write an unspecified sex as `X` in the MRZ instead of the standard `<`.
    pub sex_x_in_mrz: bool,
    /// Date of issue (visual zone only).
    pub issue_date: Date,
    /// Date of expiry.
    pub expiry_date: Date,
    /// Place of birth (visual zone only).
    pub place_of_birth: String,
    /// Personal number / optional data of the first optional field; empty when absent.
    pub personal_number: String,
    /// TD1 line 2 optional data; empty when absent.
    pub optional_data_2: String,
}

/// A name pool: the states that issue such names, places, and `(native, latin)` name pairs; `native`
/// is empty when the name is written in Latin script.
struct Pool {
    states: &'static [&'static str],
    places: &'static [&'static str],
    surnames: &'static [(&'static str, &'static str)],
    given: &'static [(&'static str, &'static str)],
}

const POOLS: &[Pool] = &[
    Pool {
        states: &["D"],
        places: &["BERLIN", "MÜNCHEN", "KÖLN", "DÜSSELDORF"],
        surnames: &[
            ("", "Müller"),
            ("", "Schröder"),
            ("", "Weiß"),
            ("", "Groß-Jäger"),
            ("", "Köhler"),
            ("", "Meyer-Lüdenscheidt"),
            ("", "Schmidt"),
        ],
        given: &[
            ("", "Jürgen"),
            ("", "Anna-Lena"),
            ("", "Käthe Marie"),
            ("", "Günther"),
            ("", "Lukas"),
            ("", "Maximilian Alexander"),
        ],
    },
    Pool {
        states: &["FRA", "BEL", "CHE"],
        places: &["PARIS", "LYON", "BRUXELLES", "GENÈVE"],
        surnames: &[
            ("", "Lefèvre"),
            ("", "Dubois"),
            ("", "Le Goff"),
            ("", "D'Arcy"),
            ("", "Chevalier"),
        ],
        given: &[
            ("", "François"),
            ("", "Hélène"),
            ("", "Jean-Baptiste"),
            ("", "Anaïs"),
            ("", "Zoé"),
        ],
    },
    Pool {
        states: &["ESP", "MEX", "ARG", "PRT", "BRA"],
        places: &["MADRID", "SEVILLA", "MÉXICO", "LISBOA", "SÃO PAULO"],
        surnames: &[
            ("", "Núñez Peña"),
            ("", "García Márquez"),
            ("", "Ibáñez"),
            ("", "de la Fuente"),
            ("", "Gonçalves"),
            ("", "da Conceição dos Santos Ferreira de Oliveira"),
        ],
        given: &[
            ("", "José María"),
            ("", "Begoña"),
            ("", "Íñigo"),
            ("", "João"),
            ("", "Maria da Graça"),
        ],
    },
    Pool {
        states: &["SWE", "NOR", "DNK", "ISL", "FIN"],
        places: &["STOCKHOLM", "OSLO", "KØBENHAVN", "REYKJAVÍK"],
        surnames: &[
            ("", "Åström"),
            ("", "Sørensen"),
            ("", "Þórsdóttir"),
            ("", "Ólafsson"),
            ("", "Ærøe"),
            ("", "Eriksson"),
        ],
        given: &[
            ("", "Søren"),
            ("", "Åsa"),
            ("", "Þór"),
            ("", "Anna Maria"),
            ("", "Bjørn"),
        ],
    },
    Pool {
        states: &["POL", "CZE", "SVK", "HRV"],
        places: &["WARSZAWA", "KRAKÓW", "PRAHA", "ZAGREB"],
        surnames: &[
            ("", "Łukasiewicz"),
            ("", "Wiśniewska"),
            ("", "Dvořák"),
            ("", "Nováková"),
            ("", "Brzęczyszczykiewicz"),
            ("", "Đurić"),
        ],
        given: &[
            ("", "Łukasz"),
            ("", "Zdeněk"),
            ("", "Małgorzata"),
            ("", "Jiří"),
        ],
    },
    Pool {
        states: &["TUR"],
        places: &["İSTANBUL", "ANKARA", "İZMİR"],
        surnames: &[("", "Yilmaz"), ("", "Öztürk"), ("", "Çelik"), ("", "Şahin")],
        given: &[("", "Ayşe"), ("", "Gülşen"), ("", "Mehmet Emre")],
    },
    Pool {
        states: &["IRL", "GBR", "USA", "CAN", "AUS"],
        places: &["DUBLIN", "LONDON", "NEW YORK", "TORONTO"],
        surnames: &[
            ("", "O'Brien"),
            ("", "Mac Giolla Phádraig"),
            ("", "Smith"),
            ("", "Wolfeschlegelsteinhausenbergerdorff"),
            ("", "St. John-Smythe"),
        ],
        given: &[
            ("", "Siobhán"),
            ("", "Seán"),
            ("", "Hubert Blaine Maximilian Alexander"),
            ("", "Mary-Kate"),
        ],
    },
    Pool {
        states: &["RUS", "UKR", "BGR", "KAZ"],
        places: &["MOSKVA", "KYIV", "SOFIA", "ALMATY"],
        surnames: &[
            ("Иванов", ""),
            ("Кузнецова", ""),
            ("Щербаков", ""),
            ("Жукова", ""),
            ("Юрьев", ""),
            ("Хабибуллин", ""),
        ],
        given: &[
            ("Юлия", ""),
            ("Александр", ""),
            ("Татьяна", ""),
            ("Сергей Петрович", ""),
        ],
    },
    Pool {
        states: &["GRC", "CYP"],
        places: &["ATHINA", "THESSALONIKI", "LEFKOSIA"],
        surnames: &[("Παπαδόπουλος", ""), ("Χατζηδάκης", ""), ("Οικονόμου", "")],
        given: &[("Γεώργιος", ""), ("Αικατερίνη", ""), ("Ευάγγελος", "")],
    },
    Pool {
        states: &["CHN"],
        places: &["BEIJING", "SHANGHAI", "GUANGDONG"],
        surnames: &[
            ("王", "Wang"),
            ("李", "Li"),
            ("张", "Zhang"),
            ("欧阳", "Ouyang"),
            ("刘", "Liu"),
        ],
        given: &[
            ("小明", "Xiaoming"),
            ("秀英", "Xiuying"),
            ("建国", "Jianguo"),
            ("伟", "Wei"),
        ],
    },
    Pool {
        states: &["SAU", "EGY", "ARE", "JOR"],
        places: &["RIYADH", "CAIRO", "DUBAI", "AMMAN"],
        surnames: &[
            ("العتيبي", "Al-Otaibi"),
            ("عبد الله", "Abdullah"),
            ("الحسن", "El Hassan"),
        ],
        given: &[
            ("محمد", "Mohammed"),
            ("فاطمة", "Fatima"),
            ("عبد الرحمن", "Abdul Rahman"),
        ],
    },
    Pool {
        states: &["VNM"],
        places: &["HÀ NỘI", "HỒ CHÍ MINH"],
        surnames: &[("", "Nguyễn"), ("", "Trần"), ("", "Phạm")],
        given: &[("", "Thị Minh Khai"), ("", "Văn Đức")],
    },
    Pool {
        states: &["UTO"],
        places: &["ZENITH", "UTOPIA CITY"],
        surnames: &[("", "Eriksson"), ("", "Specimen"), ("", "Mustermann")],
        given: &[("", "Anna Maria"), ("", "Erika"), ("", "Happy Traveller")],
    },
];

/// People with a single name (no secondary identifier), and their states.
const SINGLE_NAMES: &[(&str, &str)] = &[
    ("Sukarno", "IDN"),
    ("Suharto", "IDN"),
    ("Teller", "USA"),
    ("Madonna", "USA"),
];

/// Travel documents whose holder's nationality is not the issuer's.
const SPECIAL_NATIONALITIES: &[&str] = &[
    "XXA", "XXB", "XXC", "XXX", "UNO", "GBD", "GBO", "RKS", "EUE",
];

const NUMBER_LETTERS: &[u8] = b"CFGHJKLMNPRTVWXYZ";

fn doc_number<R: Rng + ?Sized>(rng: &mut R, len: usize) -> String {
    (0..len)
        .map(|i| {
            if i < 2 && rng.gen_bool(0.5) || rng.gen_bool(0.15) {
                char::from(*NUMBER_LETTERS.choose(rng).unwrap_or(&b'C'))
            } else {
                char::from(b'0' + rng.gen_range(0..10))
            }
        })
        .collect()
}

fn digits<R: Rng + ?Sized>(rng: &mut R, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b'0' + rng.gen_range(0..10)))
        .collect()
}

fn pick<'a, R: Rng + ?Sized>(rng: &mut R, items: &'a [(&'a str, &'a str)]) -> (&'a str, &'a str) {
    *items.choose(rng).unwrap_or(&("", "X"))
}

/// The Latin form of a name pair: the given Latin spelling, or the ICAO transliteration of the
/// native one (as Cyrillic and Greek documents print it).
fn latin_of(native: &str, latin: &str) -> String {
    if latin.is_empty() {
        translit::to_mrz(native).replace('<', " ")
    } else {
        latin.to_string()
    }
}

fn random_date<R: Rng + ?Sized>(rng: &mut R, y0: i16, y1: i16) -> Date {
    let year = rng.gen_range(y0..=y1);
    let month = rng.gen_range(1..=12i8);
    let day = rng.gen_range(1..=28i8);
    // 1..=28 exists in every month; `new` cannot fail for these values.
    Date::new(year, month, day).unwrap_or(Date::constant(2000, 1, 1))
}

/// Draws a random holder and document for `format`, deterministic in `rng`.
pub fn random_identity<R: Rng + ?Sized>(rng: &mut R, format: DocFormat) -> Identity {
    let pool = &POOLS[rng.gen_range(0..POOLS.len())];
    let mut issuing_state = pool
        .states
        .choose(rng)
        .copied()
        .unwrap_or("UTO")
        .to_string();
    let (ns, ls) = pick(rng, pool.surnames);
    let (mut native_surname, mut surname) = (ns.to_string(), latin_of(ns, ls));
    let (ng, lg) = pick(rng, pool.given);
    let (mut native_given, mut given_names) = (ng.to_string(), latin_of(ng, lg));
    if rng.gen_bool(0.15) {
        // A second given name from the same pool makes long names (and truncation) common.
        let (ng2, lg2) = pick(rng, pool.given);
        if !ng.is_empty() {
            native_given = format!("{native_given} {ng2}");
        }
        given_names = format!("{given_names} {}", latin_of(ng2, lg2));
    }
    if rng.gen_bool(0.06) {
        let (name, state) = *SINGLE_NAMES.choose(rng).unwrap_or(&("Sukarno", "IDN"));
        surname = name.to_string();
        given_names.clear();
        native_surname.clear();
        native_given.clear();
        issuing_state = state.to_string();
    }
    let mut nationality = issuing_state.clone();
    if rng.gen_bool(0.08) {
        nationality = SPECIAL_NATIONALITIES
            .choose(rng)
            .copied()
            .unwrap_or("XXA")
            .to_string();
    }
    let sex = match rng.gen_range(0..20) {
        0..=8 => 'M',
        9..=17 => 'F',
        _ => 'X',
    };
    let birth_date = random_date(rng, 1935, 2012);
    let mut issue_date = random_date(rng, 2016, 2025);
    let years = if rng.gen_bool(0.7) { 10 } else { 5 };
    // Spans carry one sign, so the year and the day are separate steps.
    let mut expiry_date = issue_date
        .checked_add(jiff::Span::new().years(years))
        .and_then(|d| d.checked_sub(jiff::Span::new().days(1)))
        .unwrap_or(issue_date);
    let (document_code, number_len) = match format {
        DocFormat::Td3 => (
            ["P", "P", "P", "PD", "PO"]
                .choose(rng)
                .copied()
                .unwrap_or("P"),
            9,
        ),
        DocFormat::Td1 => (
            ["ID", "I", "IR", "AC", "C"]
                .choose(rng)
                .copied()
                .unwrap_or("ID"),
            // Long TD1 numbers continue in the optional data.
            if rng.gen_bool(0.25) {
                rng.gen_range(10..=14)
            } else {
                9
            },
        ),
        DocFormat::Td2 => (
            ["I", "ID", "AC"].choose(rng).copied().unwrap_or("I"),
            if rng.gen_bool(0.1) { 11 } else { 9 },
        ),
        DocFormat::MrvA | DocFormat::MrvB => {
            (["V", "V", "VD"].choose(rng).copied().unwrap_or("V"), 9)
        }
        DocFormat::FrenchId => ("ID", 12),
    };
    let number_len = if number_len == 9 && rng.gen_bool(0.1) {
        8
    } else {
        number_len
    };
    let mut personal_number = match (format, rng.gen_bool(0.5)) {
        (_, false) => String::new(),
        (DocFormat::Td3, true) => {
            if rng.gen_bool(0.5) {
                digits(rng, 14)
            } else {
                doc_number(rng, 9)
            }
        }
        (DocFormat::Td1, true) => digits(rng, if number_len > 9 { 4 } else { 11 }),
        // A long TD2 number's continuation fills the 7 optional characters.
        (DocFormat::Td2, true) if number_len > 9 => String::new(),
        (_, true) => digits(rng, 6),
    };
    let optional_data_2 = if format == DocFormat::Td1 && rng.gen_bool(0.3) {
        digits(rng, 8)
    } else {
        String::new()
    };
    let mut document_number = doc_number(rng, number_len);
    if format == DocFormat::FrenchId {
        // Issued by France to its nationals only. The card number is the issue year and month,
        // the department of issue and a serial; the end of line 1 holds the department and the
        // office.
        issuing_state = "FRA".to_string();
        nationality = "FRA".to_string();
        // Issued until 2021, for 15 years to a holder of age from 2004, else for 10.
        issue_date = random_date(rng, (birth_date.year() + 1).clamp(2008, 2021), 2021);
        let of_age = birth_date
            .checked_add(jiff::Span::new().years(18))
            .is_ok_and(|d| d <= issue_date);
        expiry_date = issue_date
            .checked_add(jiff::Span::new().years(if of_age { 15 } else { 10 }))
            .and_then(|d| d.checked_sub(jiff::Span::new().days(1)))
            .unwrap_or(issue_date);
        let department = format!("{:02}{}", rng.gen_range(1..96), rng.gen_range(0..10));
        document_number = format!(
            "{:02}{:02}{department}{}",
            issue_date.year().rem_euclid(100),
            issue_date.month(),
            digits(rng, 5)
        );
        personal_number = format!("{department}{}", digits(rng, 3));
        native_surname.clear();
        native_given.clear();
    }
    let sex = match (format, sex) {
        // The card states M or F.
        (DocFormat::FrenchId, 'X') => 'F',
        _ => sex,
    };
    let place_of_birth = pool
        .places
        .choose(rng)
        .copied()
        .unwrap_or("UTOPIA")
        .to_string();
    Identity {
        document_code: document_code.to_string(),
        issuing_state,
        surname,
        given_names,
        native_surname: (!native_surname.is_empty()).then_some(native_surname),
        native_given_names: (!native_given.is_empty()).then_some(native_given),
        document_number,
        nationality,
        birth_date,
        sex,
        sex_x_in_mrz: sex == 'X' && rng.gen_bool(0.2),
        issue_date,
        expiry_date,
        place_of_birth,
        personal_number,
        optional_data_2,
    }
}

fn yymmdd(d: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        d.month(),
        d.day()
    )
}

/// The MRZ format of a document format.
pub fn mrz_format(format: DocFormat) -> MrzFormat {
    match format {
        DocFormat::Td3 => MrzFormat::Td3,
        DocFormat::Td1 => MrzFormat::Td1,
        DocFormat::Td2 => MrzFormat::Td2,
        DocFormat::MrvA => MrzFormat::MrvA,
        DocFormat::MrvB => MrzFormat::MrvB,
        DocFormat::FrenchId => MrzFormat::FrenchId,
    }
}

impl Identity {
    /// The MRZ surname: ICAO transliteration of the Latin form, parts separated by spaces.
    pub fn mrz_surname(&self) -> String {
        translit::to_mrz(&self.surname).replace('<', " ")
    }

    /// The MRZ given names, parts separated by spaces.
    pub fn mrz_given_names(&self) -> String {
        translit::to_mrz(&self.given_names).replace('<', " ")
    }

    /// The composer's input for this identity in `format`.
    pub fn mrz_data(&self, format: DocFormat) -> MrzData {
        let sex = match self.sex {
            'X' if self.sex_x_in_mrz => 'X',
            'X' => '<',
            c => c,
        };
        MrzData {
            format: mrz_format(format),
            document_code: self.document_code.clone(),
            issuing_state: self.issuing_state.clone(),
            surname: self.mrz_surname(),
            given_names: self.mrz_given_names(),
            document_number: self.document_number.clone(),
            nationality: self.nationality.clone(),
            birth_date: yymmdd(self.birth_date),
            sex,
            expiry_date: yymmdd(self.expiry_date),
            optional_data: self.personal_number.clone(),
            optional_data_2: self.optional_data_2.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_pool_name_transliterates_to_the_mrz_alphabet() {
        for pool in POOLS {
            for &(native, latin) in pool.surnames.iter().chain(pool.given) {
                let l = latin_of(native, latin);
                let m = translit::to_mrz(&l);
                assert!(!m.is_empty(), "{native}/{latin}");
                assert!(
                    m.bytes().all(|b| b.is_ascii_uppercase() || b == b'<'),
                    "{latin} -> {m}"
                );
            }
            for s in pool.states {
                assert!(kyc_ocr::countries::by_mrz_code(s).is_some(), "{s}");
            }
        }
    }

    #[test]
    fn identities_cover_the_hard_cases() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let ids: Vec<Identity> = (0..600)
            .map(|i| random_identity(&mut rng, DocFormat::ALL[i % 5]))
            .collect();
        let td3: Vec<&Identity> = ids.iter().step_by(5).collect();
        let checks: [(&str, bool); 8] = [
            ("germany as D", ids.iter().any(|i| i.issuing_state == "D")),
            ("sex X", ids.iter().any(|i| i.sex == 'X')),
            ("single name", ids.iter().any(|i| i.given_names.is_empty())),
            (
                "personal number absent",
                ids.iter().any(|i| i.personal_number.is_empty()),
            ),
            (
                "personal number present",
                ids.iter().any(|i| !i.personal_number.is_empty()),
            ),
            ("specimen UTO", ids.iter().any(|i| i.issuing_state == "UTO")),
            (
                "china with native name",
                ids.iter()
                    .any(|i| i.issuing_state == "CHN" && i.native_surname.is_some()),
            ),
            (
                "long name",
                ids.iter()
                    .any(|i| i.mrz_surname().len() + i.mrz_given_names().len() > 39),
            ),
        ];
        for (what, ok) in checks {
            assert!(ok, "no identity with {what}");
        }
        assert!(
            ids.iter()
                .skip(1)
                .step_by(5)
                .any(|i| i.document_number.len() > 9),
            "no long TD1 number"
        );
        assert!(
            td3.iter().all(|i| i.document_code.starts_with('P')),
            "TD3 codes start with P"
        );
    }

    #[test]
    fn same_seed_same_identity() {
        let a = random_identity(&mut ChaCha8Rng::seed_from_u64(1), DocFormat::Td1);
        let b = random_identity(&mut ChaCha8Rng::seed_from_u64(1), DocFormat::Td1);
        assert_eq!(a, b);
    }
}

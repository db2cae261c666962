//! Where every field and check digit of each MRZ layout sits (ICAO 9303's, and the French
//! identity card's), and which characters each position may hold. One table drives parsing,
//! repair and composing, so they cannot disagree.

use super::check_digit;
use super::types::{CheckStatus, CheckedField, MrzFormat, Span};

/// The characters a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// `A`-`Z` and `<`: codes, names.
    Alpha,
    /// `0`-`9` and `<`: dates, check digits.
    Digit,
    /// `A`-`Z`, `0`-`9`, `<`: numbers and optional data.
    Alnum,
    /// `M`, `F`, `X`, `<`.
    Sex,
    /// The first character of a document code, which names the document kind (ICAO 9303
    /// Parts 4-7): `P` on a passport (TD3), `V` on a visa, `A`, `C` or `I` on a card (TD1, TD2).
    Kind(&'static DocumentKinds),
}

impl Class {
    pub(crate) fn allows(self, c: u8) -> bool {
        match self {
            Class::Alpha => c.is_ascii_uppercase() || c == b'<',
            Class::Digit => c.is_ascii_digit() || c == b'<',
            Class::Alnum => c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<',
            Class::Sex => matches!(c, b'M' | b'F' | b'X' | b'<'),
            Class::Kind(kinds) => kinds.codes.contains(&c),
        }
    }

    /// The one character the class admits, if it admits only one.
    pub(crate) fn only(self) -> Option<u8> {
        match self {
            Class::Kind(DocumentKinds { codes: [c], .. }) => Some(*c),
            _ => None,
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Class::Alpha => "letters and <",
            Class::Digit => "digits and <",
            Class::Alnum => "letters, digits and <",
            Class::Sex => "M, F, X or <",
            Class::Kind(kinds) => kinds.described,
        }
    }
}

/// The first characters of a document code that each layout admits, and how messages name them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DocumentKinds {
    codes: &'static [u8],
    described: &'static str,
}

const PASSPORT: DocumentKinds = DocumentKinds {
    codes: b"P",
    described: "P",
};
const VISA: DocumentKinds = DocumentKinds {
    codes: b"V",
    described: "V",
};
const CARD: DocumentKinds = DocumentKinds {
    codes: b"ACI",
    described: "A, C or I",
};
const FRENCH_CARD: DocumentKinds = DocumentKinds {
    codes: b"I",
    described: "I",
};

/// What the first character of `format`'s document code may be.
pub(crate) fn kind_class(format: MrzFormat) -> Class {
    Class::Kind(match format {
        MrzFormat::Td3 => &PASSPORT,
        MrzFormat::MrvA | MrzFormat::MrvB => &VISA,
        MrzFormat::Td1 | MrzFormat::Td2 => &CARD,
        MrzFormat::FrenchId => &FRENCH_CARD,
    })
}

/// A span on one line, 0-based, `[start, end)`.
const fn sp(line: usize, start: usize, end: usize) -> Span {
    Span { line, start, end }
}

/// The French card number is the issue year and month, the department (a letter in some:
/// Corsica's 2A, an office's suffix) and a serial; line 1 ends with the department and a
/// numbered office, or fillers.
const FRENCH_CARD_DIGITS: [Span; 3] = [sp(1, 0, 4), sp(1, 7, 12), sp(0, 33, 36)];

/// One check digit: where it sits and which characters it covers.
#[derive(Debug, Clone)]
pub(crate) struct CheckDef {
    pub field: CheckedField,
    pub digit: (usize, usize),
    pub data: Vec<Span>,
    /// A second accepted reading (long TD1/TD2 numbers: the digit over the 9 characters, the `<`
    /// and the continuation, as some issuers compute it).
    pub alt_data: Option<Vec<Span>>,
    /// The digit may be `<` when every covered character is `<` (TD3 personal number).
    pub allow_absent: bool,
}

impl CheckDef {
    fn new(field: CheckedField, digit: (usize, usize), data: Vec<Span>) -> Self {
        CheckDef {
            field,
            digit,
            data,
            alt_data: None,
            allow_absent: false,
        }
    }

    /// Every position the digit depends on, the digit included.
    pub(crate) fn positions(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.data
            .iter()
            .flat_map(|s| (s.start..s.end).map(move |p| (s.line, p)))
            .chain(std::iter::once(self.digit))
    }

    pub(crate) fn span(&self) -> Span {
        sp(self.digit.0, self.digit.1, self.digit.1 + 1)
    }

    /// The status of this digit on `lines` (MRZ alphabet only).
    pub(crate) fn status(&self, lines: &[Vec<u8>]) -> CheckStatus {
        let found = lines[self.digit.0][self.digit.1];
        let expected = self.expected(lines);
        if found == expected {
            return CheckStatus::Valid;
        }
        if self.allow_absent
            && found == b'<'
            && self
                .data
                .iter()
                .all(|s| lines[s.line][s.start..s.end].iter().all(|&c| c == b'<'))
        {
            return CheckStatus::Absent;
        }
        if let Some(alt) = &self.alt_data {
            if found == sum_digit(lines, alt) {
                return CheckStatus::Valid;
            }
        }
        CheckStatus::Invalid {
            found: char::from(found),
            expected: char::from(expected),
        }
    }

    pub(crate) fn ok(&self, lines: &[Vec<u8>]) -> bool {
        !matches!(self.status(lines), CheckStatus::Invalid { .. })
    }

    /// The digit the covered characters of `lines` call for, as an ASCII digit.
    pub(crate) fn expected(&self, lines: &[Vec<u8>]) -> u8 {
        sum_digit(lines, &self.data)
    }
}

/// The check digit of the covered characters, as an ASCII digit. Characters outside the MRZ
/// alphabet (impossible after input validation) count as 0.
fn sum_digit(lines: &[Vec<u8>], data: &[Span]) -> u8 {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    let mut i = 0usize;
    for s in data {
        for &c in &lines[s.line][s.start..s.end] {
            sum += check_digit::char_value(char::from(c)).unwrap_or(0) * WEIGHTS[i % 3];
            i += 1;
        }
    }
    b'0' + (sum % 10) as u8
}

/// The fixed places of one layout.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub format: MrzFormat,
    pub code: Span,
    pub issuing: Span,
    /// The whole name (primary and secondary identifiers), or the surname alone where the
    /// layout gives the given names a field of their own (`given`).
    pub name: Span,
    pub given: Option<Span>,
    pub number: Span,
    pub number_cd: (usize, usize),
    /// `None` where the layout has no nationality field (the French identity card).
    pub nationality: Option<Span>,
    pub birth: Span,
    pub birth_cd: (usize, usize),
    pub sex: (usize, usize),
    /// The expiry date and its check digit; `None` where the layout has none.
    pub expiry: Option<(Span, (usize, usize))>,
    pub optional: Span,
    /// TD3 personal number check digit.
    pub optional_cd: Option<(usize, usize)>,
    pub optional2: Option<Span>,
    /// Runs inside the number and optional fields that the layout fixes to digits (the French
    /// card number's issue month and serial).
    pub digit_runs: &'static [Span],
    pub composite: Option<((usize, usize), Vec<Span>)>,
}

impl Layout {
    pub(crate) fn of(format: MrzFormat) -> Layout {
        match format {
            MrzFormat::Td3 | MrzFormat::MrvA | MrzFormat::Td2 | MrzFormat::MrvB => {
                let len = format.line_len();
                let (optional, optional_cd, composite) = match format {
                    MrzFormat::Td3 => (
                        sp(1, 28, 42),
                        Some((1, 42)),
                        Some(((1, 43), vec![sp(1, 0, 10), sp(1, 13, 20), sp(1, 21, 43)])),
                    ),
                    MrzFormat::Td2 => (
                        sp(1, 28, 35),
                        None,
                        Some(((1, 35), vec![sp(1, 0, 10), sp(1, 13, 20), sp(1, 21, 35)])),
                    ),
                    _ => (sp(1, 28, len), None, None),
                };
                Layout {
                    format,
                    code: sp(0, 0, 2),
                    issuing: sp(0, 2, 5),
                    name: sp(0, 5, len),
                    given: None,
                    number: sp(1, 0, 9),
                    number_cd: (1, 9),
                    nationality: Some(sp(1, 10, 13)),
                    birth: sp(1, 13, 19),
                    birth_cd: (1, 19),
                    sex: (1, 20),
                    expiry: Some((sp(1, 21, 27), (1, 27))),
                    optional,
                    optional_cd,
                    optional2: None,
                    digit_runs: &[],
                    composite,
                }
            }
            MrzFormat::Td1 => Layout {
                format,
                code: sp(0, 0, 2),
                issuing: sp(0, 2, 5),
                number: sp(0, 5, 14),
                number_cd: (0, 14),
                optional: sp(0, 15, 30),
                birth: sp(1, 0, 6),
                birth_cd: (1, 6),
                sex: (1, 7),
                expiry: Some((sp(1, 8, 14), (1, 14))),
                nationality: Some(sp(1, 15, 18)),
                optional2: Some(sp(1, 18, 29)),
                digit_runs: &[],
                optional_cd: None,
                composite: Some((
                    (1, 29),
                    vec![sp(0, 5, 30), sp(1, 0, 7), sp(1, 8, 15), sp(1, 18, 29)],
                )),
                name: sp(2, 0, 30),
                given: None,
            },
            // Line 1: `ID`, `FRA`, the surname (25), the issuing office (department and office,
            // 6). Line 2: the card number (issue year and month, department, serial; 12) and its
            // digit, the given names (14, separated by `<<`), birth date and its digit, sex, and
            // a last digit over both lines up to it.
            MrzFormat::FrenchId => Layout {
                format,
                code: sp(0, 0, 2),
                issuing: sp(0, 2, 5),
                name: sp(0, 5, 30),
                optional: sp(0, 30, 36),
                number: sp(1, 0, 12),
                number_cd: (1, 12),
                given: Some(sp(1, 13, 27)),
                birth: sp(1, 27, 33),
                birth_cd: (1, 33),
                sex: (1, 34),
                nationality: None,
                expiry: None,
                optional_cd: None,
                optional2: None,
                digit_runs: &FRENCH_CARD_DIGITS,
                composite: Some(((1, 35), vec![sp(0, 0, 36), sp(1, 0, 35)])),
            },
        }
    }

    /// The spans of the country codes, which the parser checks against ICAO's list: the issuing
    /// state and, where the layout has one, the nationality.
    pub(crate) fn country_codes(&self) -> impl Iterator<Item = Span> {
        std::iter::once(self.issuing).chain(self.nationality)
    }

    /// Whether this TD1/TD2 layout carries a long document number, and the length of its
    /// continuation run in the optional data (continuation characters plus the check digit).
    pub(crate) fn long_number_run(&self, lines: &[Vec<u8>]) -> Option<usize> {
        if !matches!(self.format, MrzFormat::Td1 | MrzFormat::Td2) {
            return None;
        }
        if lines[self.number_cd.0][self.number_cd.1] != b'<' {
            return None;
        }
        let opt = &lines[self.optional.line][self.optional.start..self.optional.end];
        let run = opt.iter().take_while(|&&c| c != b'<').count();
        // At least one continuation character and its check digit.
        (run >= 2).then_some(run)
    }

    /// Every check digit, in MRZ order, for this text (the long-number reading depends on it).
    pub(crate) fn checks(&self, long_run: Option<usize>) -> Vec<CheckDef> {
        let mut v = Vec::with_capacity(5);
        match long_run {
            Some(run) => {
                let o = self.optional;
                let cont = sp(o.line, o.start, o.start + run - 1);
                let mut def = CheckDef::new(
                    CheckedField::DocumentNumber,
                    (o.line, o.start + run - 1),
                    vec![self.number, cont],
                );
                def.alt_data = Some(vec![sp(o.line, self.number.start, o.start + run - 1)]);
                v.push(def);
            }
            None => v.push(CheckDef::new(
                CheckedField::DocumentNumber,
                self.number_cd,
                vec![self.number],
            )),
        }
        v.push(CheckDef::new(
            CheckedField::BirthDate,
            self.birth_cd,
            vec![self.birth],
        ));
        if let Some((expiry, cd)) = self.expiry {
            v.push(CheckDef::new(CheckedField::ExpiryDate, cd, vec![expiry]));
        }
        if let Some(cd) = self.optional_cd {
            let mut def = CheckDef::new(CheckedField::PersonalNumber, cd, vec![self.optional]);
            def.allow_absent = true;
            v.push(def);
        }
        if let Some((cd, data)) = &self.composite {
            v.push(CheckDef::new(CheckedField::Composite, *cd, data.clone()));
        }
        v
    }

    /// The class and field key of every position, per line.
    pub(crate) fn classes(&self, long_run: Option<usize>) -> Vec<Vec<(Class, &'static str)>> {
        let len = self.format.line_len();
        let mut m = vec![vec![(Class::Alnum, "filler"); len]; self.format.line_count()];
        let mut set = |s: Span, class: Class, key: &'static str| {
            for slot in &mut m[s.line][s.start..s.end] {
                *slot = (class, key);
            }
        };
        let one = |(l, p): (usize, usize)| sp(l, p, p + 1);
        // The second character is the issuer's choice (ICAO 9303 Parts 4-7): a letter or `<` on
        // most documents, a digit on some (the US passport card's `C1`).
        set(self.code, Class::Alnum, "document_code");
        let first = sp(self.code.line, self.code.start, self.code.start + 1);
        set(first, kind_class(self.format), "document_code");
        set(self.issuing, Class::Alpha, "issuing_state");
        set(self.name, Class::Alpha, "name");
        if let Some(given) = self.given {
            set(given, Class::Alpha, "name");
        }
        set(self.number, Class::Alnum, "document_number");
        set(one(self.number_cd), Class::Digit, "document_number_check");
        if let Some(nationality) = self.nationality {
            set(nationality, Class::Alpha, "nationality");
        }
        set(self.birth, Class::Digit, "birth_date");
        set(one(self.birth_cd), Class::Digit, "birth_date_check");
        set(one(self.sex), Class::Sex, "sex");
        if let Some((expiry, cd)) = self.expiry {
            set(expiry, Class::Digit, "expiry_date");
            set(one(cd), Class::Digit, "expiry_date_check");
        }
        set(self.optional, Class::Alnum, "optional_data");
        if let Some(cd) = self.optional_cd {
            set(one(cd), Class::Digit, "optional_data_check");
        }
        if let Some(o) = self.optional2 {
            set(o, Class::Alnum, "optional_data_2");
        }
        if let Some((cd, _)) = &self.composite {
            set(one(*cd), Class::Digit, "composite_check");
        }
        if let Some(run) = long_run {
            let o = self.optional;
            // The `<` in the number's check-digit place is part of the long-number convention.
            set(one(self.number_cd), Class::Digit, "document_number");
            set(
                sp(o.line, o.start, o.start + run - 1),
                Class::Alnum,
                "document_number",
            );
            set(
                one((o.line, o.start + run - 1)),
                Class::Digit,
                "document_number_check",
            );
        }
        // Digits the layout fixes inside a field keep that field's key.
        for run in self.digit_runs {
            for slot in &mut m[run.line][run.start..run.end] {
                slot.0 = Class::Digit;
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_allow() {
        let cases: &[(Class, &[u8], &[u8])] = &[
            (Class::Alpha, b"AZ<", b"09a "),
            (Class::Digit, b"09<", b"AOZ"),
            (Class::Alnum, b"AZ09<", b"a #"),
            (Class::Sex, b"MFX<", b"KN0"),
        ];
        for (class, yes, no) in cases {
            assert!(yes.iter().all(|&c| class.allows(c)), "{class:?}");
            assert!(no.iter().all(|&c| !class.allows(c)), "{class:?}");
        }
    }

    #[test]
    fn digit_positions_per_format() {
        // 0-based (line, position) of every check digit, from ICAO 9303 Parts 4-7.
        let cases: &[(MrzFormat, &[(usize, usize)])] = &[
            (
                MrzFormat::Td3,
                &[(1, 9), (1, 19), (1, 27), (1, 42), (1, 43)],
            ),
            (MrzFormat::Td2, &[(1, 9), (1, 19), (1, 27), (1, 35)]),
            (MrzFormat::Td1, &[(0, 14), (1, 6), (1, 14), (1, 29)]),
            (MrzFormat::MrvA, &[(1, 9), (1, 19), (1, 27)]),
            (MrzFormat::MrvB, &[(1, 9), (1, 19), (1, 27)]),
            (MrzFormat::FrenchId, &[(1, 12), (1, 33), (1, 35)]),
        ];
        for (format, digits) in cases {
            let got: Vec<(usize, usize)> = Layout::of(*format)
                .checks(None)
                .iter()
                .map(|d| d.digit)
                .collect();
            assert_eq!(&got, digits, "{format}");
        }
    }

    #[test]
    fn long_number_run_needs_filler_and_continuation() {
        let td1 = Layout::of(MrzFormat::Td1);
        let lines = |l1: &str| vec![l1.as_bytes().to_vec(), vec![b'<'; 30], vec![b'<'; 30]];
        let cases = [
            ("I<UTOD231458907<<<<<<<<<<<<<<<", None),
            ("I<UTOD23145890<7349<<<<<<<<<<<", Some(4)),
            ("I<UTOD23145890<<<<<<<<<<<<<<<<", None),
            ("I<UTOD23145890<7<<<<<<<<<<<<<<", None),
        ];
        for (l1, run) in cases {
            assert_eq!(td1.long_number_run(&lines(l1)), run, "{l1}");
        }
    }

    #[test]
    fn each_layout_names_the_document_kinds_it_admits() {
        let cases = [
            (MrzFormat::Td3, "P", b'P', b'I'),
            (MrzFormat::MrvA, "V", b'V', b'P'),
            (MrzFormat::MrvB, "V", b'V', b'P'),
            (MrzFormat::Td1, "A, C or I", b'C', b'P'),
            (MrzFormat::Td2, "A, C or I", b'I', b'V'),
            (MrzFormat::FrenchId, "I", b'I', b'C'),
        ];
        for (format, described, admitted, refused) in cases {
            let kind = kind_class(format);
            assert_eq!(kind.describe(), described, "{format}");
            assert!(kind.allows(admitted) && !kind.allows(refused), "{format}");
        }
    }
}

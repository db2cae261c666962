//! Transliteration of names to the MRZ alphabet, as ICAO Doc 9303 Part 3 (section 6) prescribes.
//!
//! The standard lets the issuing state choose between spellings for some national characters
//! (`Ä` is `AE` or `A`, `Ü` is `UE`, `UXX` or `U`), so one typed name has several correct MRZ
//! spellings. [`Spelling`] keeps every choice open and answers "is this MRZ text one of them" exactly,
//! without enumerating them; [`icao_variants`] enumerates them (bounded) for callers that want strings,
//! and [`to_mrz`] gives the recommended one.
//!
//! Rules applied to every name:
//! - upper case; accents the table does not list are dropped (`Ł` -> `L`, `Ç` -> `C`);
//! - apostrophes and full stops are dropped (`O'Brien` -> `OBRIEN`);
//! - hyphens, spaces and commas become one `<` (`Anne-Marie` -> `ANNE<MARIE`), runs collapse and
//!   leading or trailing separators vanish;
//! - Cyrillic follows the Doc 9303 table with the national readings as variants (Ukrainian `Г` -> `H`,
//!   `И` -> `Y`; Serbian and Macedonian `Х` -> `H`, `Ц` -> `C`), and Greek follows ELOT 743, the
//!   scheme Greek passports use, with the common alternatives;
//! - a character with no Latin reading (CJK, Arabic, digits) is left out, and the spelling records
//!   that it met one ([`Spelling::has_untransliterable`]).

/// At most this many spellings come out of [`icao_variants`]; a name with many optional characters
/// would otherwise grow the list exponentially. Matching through [`Spelling`] has no such cap.
pub const MAX_VARIANTS: usize = 64;

/// One position of a spelling: the MRZ texts the standard allows for one source character (or
/// digraph), the recommended one first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    /// A character that has exactly one MRZ form (`A`-`Z` or `<`).
    Fixed(u8),
    /// Alternatives, recommended first.
    Alts(&'static [&'static str]),
    /// The `<<` between primary and secondary identifiers.
    Double,
}

/// Every MRZ spelling the standard allows for a name, held compactly as a sequence of choices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spelling {
    segs: Vec<Seg>,
    untransliterable: bool,
}

impl Spelling {
    /// Parses one name (a surname, or given names, possibly several parts).
    pub fn new(name: &str) -> Spelling {
        let mut s = Spelling::default();
        s.push_name(name);
        s
    }

    /// The spelling of a full MRZ name field: primary identifier, `<<`, secondary identifier. An empty
    /// `given` leaves the `<<` out, as an MRZ name field with no secondary identifier ends at the
    /// surname (its fillers are trimmed before comparing).
    pub fn full_name(surname: &str, given: &str) -> Spelling {
        let mut s = Spelling::new(surname);
        let g = Spelling::new(given);
        if !g.segs.is_empty() {
            s.segs.push(Seg::Double);
            s.segs.extend(g.segs);
        }
        s.untransliterable |= g.untransliterable;
        s
    }

    /// Whether the name held a character with no MRZ reading (it was left out).
    pub fn has_untransliterable(&self) -> bool {
        self.untransliterable
    }

    /// Whether the name is empty after transliteration.
    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    /// Whether `mrz` (MRZ characters, fillers trimmed) is exactly one of the allowed spellings.
    pub fn matches(&self, mrz: &str) -> bool {
        self.search(mrz.as_bytes(), false)
    }

    /// Whether `mrz` is the start of one of the allowed spellings: the test for a name the MRZ
    /// truncated at its field length.
    pub fn is_truncation(&self, mrz: &str) -> bool {
        self.search(mrz.as_bytes(), true)
    }

    /// The same spelling without the single `<` between parts (the `<<` between surname and given
    /// names stays): for comparing names whose only difference is spacing (`VANDERBERG` and
    /// `VAN<DER<BERG`).
    pub fn without_separators(&self) -> Spelling {
        Spelling {
            segs: self
                .segs
                .iter()
                .copied()
                .filter(|s| *s != Seg::Fixed(b'<'))
                .collect(),
            untransliterable: self.untransliterable,
        }
    }

    /// The parts of the name (what the MRZ separates with `<`), each as its own spelling.
    pub fn parts(&self) -> Vec<Spelling> {
        self.segs
            .split(|s| matches!(s, Seg::Fixed(b'<') | Seg::Double))
            .filter(|p| !p.is_empty())
            .map(|p| Spelling {
                segs: p.to_vec(),
                untransliterable: false,
            })
            .collect()
    }

    /// The shortest and longest allowed spellings' lengths, without enumerating them.
    pub fn length_range(&self) -> (usize, usize) {
        self.segs.iter().fold((0, 0), |(lo, hi), seg| match seg {
            Seg::Fixed(_) => (lo + 1, hi + 1),
            Seg::Double => (lo + 2, hi + 2),
            Seg::Alts(alts) => (
                lo + alts.iter().map(|a| a.len()).min().unwrap_or(0),
                hi + alts.iter().map(|a| a.len()).max().unwrap_or(0),
            ),
        })
    }

    /// The recommended spelling (the first choice everywhere).
    pub fn recommended(&self) -> String {
        let mut out = String::new();
        for seg in &self.segs {
            match seg {
                Seg::Fixed(b) => out.push(char::from(*b)),
                Seg::Alts(alts) => out.push_str(alts[0]),
                Seg::Double => out.push_str("<<"),
            }
        }
        out
    }

    /// Up to `cap` spellings, the recommended one first, then the others in order of choice.
    pub fn variants(&self, cap: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        for seg in &self.segs {
            match seg {
                Seg::Fixed(b) => out.iter_mut().for_each(|v| v.push(char::from(*b))),
                Seg::Double => out.iter_mut().for_each(|v| v.push_str("<<")),
                Seg::Alts(alts) => {
                    // Keep prefixes in choice order so that the all-first spelling stays first and the
                    // cap drops the least recommended combinations.
                    let mut next = Vec::with_capacity((out.len() * alts.len()).min(cap));
                    'outer: for alt in alts.iter() {
                        for prefix in &out {
                            if next.len() == cap {
                                break 'outer;
                            }
                            let mut v = prefix.clone();
                            v.push_str(alt);
                            next.push(v);
                        }
                    }
                    out = next;
                }
            }
        }
        out.truncate(cap.max(1));
        out
    }

    /// Depth-first search over the choices with memoised dead ends; at most `segs x len` states.
    fn search(&self, target: &[u8], prefix: bool) -> bool {
        let width = target.len() + 1;
        let mut dead = vec![false; (self.segs.len() + 1) * width];
        self.step(0, 0, target, prefix, &mut dead, width)
    }

    fn step(
        &self,
        i: usize,
        pos: usize,
        target: &[u8],
        prefix: bool,
        dead: &mut [bool],
        width: usize,
    ) -> bool {
        if pos == target.len() && (prefix || i == self.segs.len()) {
            return true;
        }
        if i == self.segs.len() || dead[i * width + pos] {
            return false;
        }
        let rest = &target[pos..];
        let try_alt = |alt: &[u8], dead: &mut [bool]| -> bool {
            if rest.starts_with(alt) {
                self.step(i + 1, pos + alt.len(), target, prefix, dead, width)
            } else {
                // A truncated MRZ may end inside a multi-letter alternative (`...MU` of `MUELLER`).
                prefix && alt.starts_with(rest)
            }
        };
        let found = match self.segs[i] {
            Seg::Fixed(b) => try_alt(&[b], dead),
            Seg::Double => try_alt(b"<<", dead),
            Seg::Alts(alts) => alts.iter().any(|a| try_alt(a.as_bytes(), dead)),
        };
        if !found {
            dead[i * width + pos] = true;
        }
        found
    }

    fn push_sep(&mut self) {
        if !matches!(
            self.segs.last(),
            None | Some(Seg::Fixed(b'<')) | Some(Seg::Double)
        ) {
            self.segs.push(Seg::Fixed(b'<'));
        }
    }

    fn push_name(&mut self, name: &str) {
        let chars = compose(name);
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            // Greek digraphs first: they read differently from their letters.
            if let Some((alts, used)) = greek_digraph(c, next, i == 0 || is_sep(chars[i - 1])) {
                self.segs.push(Seg::Alts(alts));
                i += used;
                continue;
            }
            i += 1;
            match c {
                'a'..='z' => self.segs.push(Seg::Fixed(c.to_ascii_uppercase() as u8)),
                'A'..='Z' | '<' => self.segs.push(Seg::Fixed(c as u8)),
                c if is_sep(c) => self.push_sep(),
                c if is_dropped(c) => {}
                c => match alternatives(c) {
                    Some(alts) if alts == [""] => {}
                    Some(alts) => self.segs.push(Seg::Alts(alts)),
                    None => self.untransliterable = true,
                },
            }
        }
        while matches!(self.segs.last(), Some(Seg::Fixed(b'<'))) {
            self.segs.pop();
        }
        let lead = self
            .segs
            .iter()
            .take_while(|s| matches!(s, Seg::Fixed(b'<')))
            .count();
        self.segs.drain(..lead);
    }
}

/// All the MRZ spellings of `name` the standard allows, the recommended one first, upper case, parts
/// separated by `<`, at most [`MAX_VARIANTS`]. An empty name gives one empty spelling.
pub fn icao_variants(name: &str) -> Vec<String> {
    Spelling::new(name).variants(MAX_VARIANTS)
}

/// The recommended MRZ spelling of `name` (`Müller-Lüdenscheidt` -> `MUELLER<LUEDENSCHEIDT`).
pub fn to_mrz(name: &str) -> String {
    Spelling::new(name).recommended()
}

fn is_sep(c: char) -> bool {
    matches!(
        c,
        ' ' | '-'
            | ','
            | '\t'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{00A0}'
            | '/'
            | '_'
    )
}

fn is_dropped(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '.' | '"'
    ) || ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Recombines a base letter with a combining mark where the mark changes the transliteration (a `u`
/// followed by U+0308 is `Ü`, not `U`); other combining marks are dropped later.
fn compose(name: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(name.len());
    for c in name.chars() {
        let composed = match (out.last().copied(), c) {
            (Some(b), '\u{0308}') => match b {
                'a' => Some('ä'),
                'A' => Some('Ä'),
                'o' => Some('ö'),
                'O' => Some('Ö'),
                'u' => Some('ü'),
                'U' => Some('Ü'),
                _ => None,
            },
            (Some(b), '\u{030A}') => match b {
                'a' => Some('å'),
                'A' => Some('Å'),
                _ => None,
            },
            (Some(b), '\u{0303}') => match b {
                'n' => Some('ñ'),
                'N' => Some('Ñ'),
                _ => None,
            },
            _ => None,
        };
        match composed {
            Some(x) => {
                out.pop();
                out.push(x);
            }
            None => out.push(c),
        }
    }
    out
}

/// Greek letter pairs that transliterate as a unit (ELOT 743), given the next character and whether
/// the pair starts a word.
fn greek_digraph(
    c: char,
    next: Option<char>,
    word_start: bool,
) -> Option<(&'static [&'static str], usize)> {
    let a = greek_base(c)?;
    let b = greek_base(next?)?;
    let alts: &'static [&'static str] = match (a, b) {
        ('Ο', 'Υ') => &["OU"],
        ('Α', 'Υ') => &["AV", "AF", "AY"],
        ('Ε', 'Υ') => &["EV", "EF", "EY"],
        ('Η', 'Υ') => &["IV", "IF", "IY"],
        ('Γ', 'Γ') => &["NG", "GG"],
        ('Γ', 'Κ') if word_start => &["GK", "G"],
        ('Γ', 'Κ') => &["NK", "GK"],
        ('Μ', 'Π') if word_start => &["B", "MP"],
        ('Μ', 'Π') => &["MP", "B"],
        ('Ν', 'Τ') if word_start => &["D", "NT"],
        _ => return None,
    };
    Some((alts, 2))
}

/// A Greek letter in upper case without its accent, or `None` for anything else.
fn greek_base(c: char) -> Option<char> {
    let u = match c {
        'ά' | 'Ά' => 'Α',
        'έ' | 'Έ' => 'Ε',
        'ή' | 'Ή' => 'Η',
        'ί' | 'Ί' | 'ϊ' | 'Ϊ' | 'ΐ' => 'Ι',
        'ό' | 'Ό' => 'Ο',
        'ύ' | 'Ύ' | 'ϋ' | 'Ϋ' | 'ΰ' => 'Υ',
        'ώ' | 'Ώ' => 'Ω',
        'ς' => 'Σ',
        'α'..='ω' => char::from_u32(c as u32 - 0x20)?,
        'Α'..='Ω' => c,
        _ => return None,
    };
    Some(u)
}

/// The MRZ readings of one character other than `A`-`Z`, recommended first; `[""]` for a character
/// the standard drops (`Ь`); `None` for a character with no Latin reading.
fn alternatives(c: char) -> Option<&'static [&'static str]> {
    if let Some(g) = greek_base(c) {
        return greek(g);
    }
    let alts: &'static [&'static str] = match c {
        // Doc 9303 Part 3 table: the characters with a choice, or more than one letter.
        'Ä' | 'ä' => &["AE", "A"],
        'Å' | 'å' => &["AA", "A"],
        'Æ' | 'æ' => &["AE"],
        'Ñ' | 'ñ' => &["N", "NXX"],
        'Ö' | 'ö' => &["OE", "O"],
        'Ø' | 'ø' => &["OE", "O"],
        'Ü' | 'ü' => &["UE", "UXX", "U"],
        'Þ' | 'þ' => &["TH"],
        'Œ' | 'œ' => &["OE"],
        'ß' | 'ẞ' => &["SS"],
        'Ĳ' | 'ĳ' => &["IJ"],
        // Other Latin letters: the accent is dropped.
        'À' | 'Á' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' | 'à' | 'á' | 'â' | 'ã' | 'ā' | 'ă' | 'ą' | 'Ǎ'
        | 'ǎ' | 'Ạ' | 'ạ' | 'Ả' | 'ả' | 'Ấ' | 'ấ' | 'Ầ' | 'ầ' | 'Ẩ' | 'ẩ' | 'Ẫ' | 'ẫ' | 'Ậ'
        | 'ậ' | 'Ắ' | 'ắ' | 'Ằ' | 'ằ' | 'Ẳ' | 'ẳ' | 'Ẵ' | 'ẵ' | 'Ặ' | 'ặ' => {
            &["A"]
        }
        'Ç' | 'ç' | 'Ć' | 'ć' | 'Ĉ' | 'ĉ' | 'Ċ' | 'ċ' | 'Č' | 'č' => &["C"],
        'Ď' | 'ď' | 'Đ' | 'đ' | 'Ð' | 'ð' => &["D"],
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' | 'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ'
        | 'ė' | 'ę' | 'ě' | 'Ẹ' | 'ẹ' | 'Ẻ' | 'ẻ' | 'Ẽ' | 'ẽ' | 'Ế' | 'ế' | 'Ề' | 'ề' | 'Ể'
        | 'ể' | 'Ễ' | 'ễ' | 'Ệ' | 'ệ' | 'Ə' | 'ə' => &["E"],
        'Ĝ' | 'ĝ' | 'Ğ' | 'ğ' | 'Ġ' | 'ġ' | 'Ģ' | 'ģ' | 'Ǧ' | 'ǧ' => &["G"],
        'Ĥ' | 'ĥ' | 'Ħ' | 'ħ' => &["H"],
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' | 'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī'
        | 'ĭ' | 'į' | 'ı' | 'Ǐ' | 'ǐ' | 'Ỉ' | 'ỉ' | 'Ị' | 'ị' => &["I"],
        'Ĵ' | 'ĵ' => &["J"],
        'Ķ' | 'ķ' | 'Ǩ' | 'ǩ' => &["K"],
        'Ĺ' | 'ĺ' | 'Ļ' | 'ļ' | 'Ľ' | 'ľ' | 'Ŀ' | 'ŀ' | 'Ł' | 'ł' => &["L"],
        'Ń' | 'ń' | 'Ņ' | 'ņ' | 'Ň' | 'ň' | 'Ŋ' | 'ŋ' | 'ŉ' => &["N"],
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' | 'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ŏ' | 'ő' | 'Ǒ'
        | 'ǒ' | 'Ơ' | 'ơ' | 'Ọ' | 'ọ' | 'Ỏ' | 'ỏ' | 'Ố' | 'ố' | 'Ồ' | 'ồ' | 'Ổ' | 'ổ' | 'Ỗ'
        | 'ỗ' | 'Ộ' | 'ộ' | 'Ớ' | 'ớ' | 'Ờ' | 'ờ' | 'Ở' | 'ở' | 'Ỡ' | 'ỡ' | 'Ợ' | 'ợ' => {
            &["O"]
        }
        'Ŕ' | 'ŕ' | 'Ŗ' | 'ŗ' | 'Ř' | 'ř' => &["R"],
        'Ś' | 'ś' | 'Ŝ' | 'ŝ' | 'Ş' | 'ş' | 'Š' | 'š' | 'Ș' | 'ș' | 'ſ' => &["S"],
        'Ţ' | 'ţ' | 'Ť' | 'ť' | 'Ŧ' | 'ŧ' | 'Ț' | 'ț' => &["T"],
        'Ù' | 'Ú' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' | 'ù' | 'ú' | 'û' | 'ũ' | 'ū' | 'ŭ'
        | 'ů' | 'ű' | 'ų' | 'Ǔ' | 'ǔ' | 'Ư' | 'ư' | 'Ụ' | 'ụ' | 'Ủ' | 'ủ' | 'Ứ' | 'ứ' | 'Ừ'
        | 'ừ' | 'Ử' | 'ử' | 'Ữ' | 'ữ' | 'Ự' | 'ự' => &["U"],
        'Ŵ' | 'ŵ' => &["W"],
        'Ý' | 'ý' | 'Ÿ' | 'ÿ' | 'Ŷ' | 'ŷ' | 'Ỳ' | 'ỳ' | 'Ỵ' | 'ỵ' | 'Ỷ' | 'ỷ' | 'Ỹ' | 'ỹ' => {
            &["Y"]
        }
        'Ź' | 'ź' | 'Ż' | 'ż' | 'Ž' | 'ž' => &["Z"],
        // Ligatures people paste from word processors.
        'ﬁ' => &["FI"],
        'ﬂ' => &["FL"],
        'ﬀ' => &["FF"],
        _ => return cyrillic(c),
    };
    Some(alts)
}

/// Doc 9303 Part 3 Cyrillic table; the national readings (Ukrainian, Belarusian, Serbian,
/// Macedonian, and Russia's pre-2010 passports) follow the recommended one.
fn cyrillic(c: char) -> Option<&'static [&'static str]> {
    let lower = match c {
        'А'..='Я' => char::from_u32(c as u32 + 0x20)?,
        'Ѐ'..='Џ' => char::from_u32(c as u32 + 0x50)?,
        'Ґ' => 'ґ',
        _ => c,
    };
    let alts: &'static [&'static str] = match lower {
        'а' => &["A"],
        'б' => &["B"],
        'в' => &["V"],
        'г' => &["G", "H"],
        'ґ' => &["G"],
        'д' => &["D"],
        'ѓ' => &["G", "GJ"],
        'ђ' => &["D", "DJ"],
        'е' | 'ѐ' => &["E", "YE"],
        'ё' => &["E", "YO", "IO"],
        'є' => &["IE", "YE"],
        'ж' => &["ZH", "Z"],
        'з' => &["Z"],
        'ѕ' => &["DZ"],
        'и' | 'ѝ' => &["I", "Y"],
        'і' => &["I"],
        'ї' => &["I", "YI"],
        'й' => &["I", "Y"],
        'ј' => &["J"],
        'к' => &["K"],
        'ќ' => &["K", "KJ"],
        'л' => &["L"],
        'љ' => &["LJ"],
        'м' => &["M"],
        'н' => &["N"],
        'њ' => &["NJ"],
        'о' => &["O"],
        'п' => &["P"],
        'р' => &["R"],
        'с' => &["S"],
        'т' => &["T"],
        'ћ' => &["C"],
        'у' => &["U"],
        'ў' => &["U"],
        'ф' => &["F"],
        'х' => &["KH", "H"],
        'ц' => &["TS", "C"],
        'ч' => &["CH", "C"],
        'џ' => &["DZ"],
        'ш' => &["SH", "S"],
        'щ' => &["SHCH"],
        'ъ' => &["IE", ""],
        'ы' => &["Y"],
        'ь' => &[""],
        'э' => &["E"],
        'ю' => &["IU", "YU"],
        'я' => &["IA", "YA"],
        _ => return None,
    };
    Some(alts)
}

/// ELOT 743 single letters (as Greek passports write them), alternatives after.
fn greek(upper: char) -> Option<&'static [&'static str]> {
    let alts: &'static [&'static str] = match upper {
        'Α' => &["A"],
        'Β' => &["V", "B"],
        'Γ' => &["G"],
        'Δ' => &["D"],
        'Ε' => &["E"],
        'Ζ' => &["Z"],
        'Η' => &["I"],
        'Θ' => &["TH"],
        'Ι' => &["I"],
        'Κ' => &["K"],
        'Λ' => &["L"],
        'Μ' => &["M"],
        'Ν' => &["N"],
        'Ξ' => &["X", "KS"],
        'Ο' => &["O"],
        'Π' => &["P"],
        'Ρ' => &["R"],
        'Σ' => &["S"],
        'Τ' => &["T"],
        'Υ' => &["Y", "I"],
        'Φ' => &["F", "PH"],
        'Χ' => &["CH", "X", "H"],
        'Ψ' => &["PS"],
        'Ω' => &["O"],
        _ => return None,
    };
    Some(alts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommended_spellings() {
        let cases = [
            ("Müller-Lüdenscheidt", "MUELLER<LUEDENSCHEIDT"),
            ("O'Brien", "OBRIEN"),
            ("  Anne -  Marie ", "ANNE<MARIE"),
            ("Smith, John", "SMITH<JOHN"),
            ("Straße", "STRASSE"),
            ("Åsa Ødegård", "AASA<OEDEGAARD"),
            ("Þórunn Æsa", "THORUNN<AESA"),
            ("Muñoz", "MUNOZ"),
            ("Łukasz Żółć", "LUKASZ<ZOLC"),
            ("Dvořák Šťastný", "DVORAK<STASTNY"),
            ("Çağlar Gündoğdu", "CAGLAR<GUENDOGDU"),
            ("İlkay Işık", "ILKAY<ISIK"),
            ("François Lefèvre", "FRANCOIS<LEFEVRE"),
            ("Щербаков Юрий", "SHCHERBAKOV<IURII"),
            ("Жанна Хачатурян", "ZHANNA<KHACHATURIAN"),
            ("Ольга", "OLGA"),
            ("Παπαδόπουλος", "PAPADOPOULOS"),
            ("Χρήστος", "CHRISTOS"),
            ("Γεώργιος", "GEORGIOS"),
            ("Ευάγγελος", "EVANGELOS"),
            ("Ψαρράς", "PSARRAS"),
            // Decomposed input (u + combining diaeresis) reads as the composed letter.
            ("Mu\u{0308}ller", "MUELLER"),
            ("", ""),
            ("--", ""),
        ];
        for (name, expected) in cases {
            assert_eq!(to_mrz(name), expected, "{name}");
        }
    }

    #[test]
    fn variants_list_every_choice_recommended_first() {
        assert_eq!(icao_variants("Jürgen"), ["JUERGEN", "JUXXRGEN", "JURGEN"]);
        assert_eq!(icao_variants("Peña"), ["PENA", "PENXXA"]);
        assert_eq!(
            icao_variants("Ägir Öberg"),
            ["AEGIR<OEBERG", "AGIR<OEBERG", "AEGIR<OBERG", "AGIR<OBERG"]
        );
        assert_eq!(icao_variants("Ярослав Гнатюк")[0], "IAROSLAV<GNATIUK");
        assert!(icao_variants("Ярослав Гнатюк").contains(&"YAROSLAV<HNATYUK".to_string()));
    }

    #[test]
    fn variant_count_is_capped() {
        let v = icao_variants("Ääääääääääää Üüüüüü");
        assert_eq!(v.len(), MAX_VARIANTS);
        assert_eq!(v[0], to_mrz("Ääääääääääää Üüüüüü"));
    }

    #[test]
    fn matching_is_exact_over_all_choices() {
        let cases = [
            ("Müller", "MUELLER", true),
            ("Müller", "MULLER", true),
            ("Müller", "MUXXLLER", true),
            ("Müller", "MILLER", false),
            ("Muñoz", "MUNXXOZ", true),
            ("Гнатюк", "HNATIUK", true),
            ("Гнатюк", "HNATYUK", true),
            ("Гнатюк", "GNATIUK", true),
            ("Гнатюк", "GNATUK", false),
            ("Ödön", "OEDOEN", true),
            ("Ödön", "ODOEN", true),
            ("Ödön", "ODONX", false),
        ];
        for (name, mrz, expected) in cases {
            assert_eq!(
                Spelling::new(name).matches(mrz),
                expected,
                "{name} vs {mrz}"
            );
        }
    }

    #[test]
    fn truncation_matches_prefixes_even_inside_a_choice() {
        let s = Spelling::full_name("Müller", "Hans Peter");
        assert!(s.matches("MUELLER<<HANS<PETER"));
        assert!(s.is_truncation("MUELLER<<HANS<PE"));
        assert!(s.is_truncation("MU"));
        assert!(s.is_truncation("MUXX"));
        assert!(!s.is_truncation("MUELLER<<HANX"));
        assert!(!s.matches("MUELLER<<HANS"));
    }

    #[test]
    fn parts_and_separator_free_spellings() {
        let s = Spelling::new("van der Berg-Ölund");
        let parts: Vec<String> = s.parts().iter().map(Spelling::recommended).collect();
        assert_eq!(parts, ["VAN", "DER", "BERG", "OELUND"]);
        assert!(s.without_separators().matches("VANDERBERGOLUND"));
        assert!(!s.matches("VANDERBERGOLUND"));
        assert_eq!(Spelling::new("Müller-Ñ").length_range(), (8, 12));
    }

    #[test]
    fn untransliterable_characters_are_reported() {
        let s = Spelling::new("王 Wei");
        assert!(s.has_untransliterable());
        assert_eq!(s.recommended(), "WEI");
        assert!(!Spelling::new("Wei").has_untransliterable());
    }
}

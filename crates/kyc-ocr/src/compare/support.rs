//! Reading the zone once more with the typed values: is the image consistent with the form?
//!
//! A check digit never covers a name, and a worn or blurred character leaves a field in doubt or
//! reads as its look-alike. Either way the customer would be sent to a day of manual review for a
//! doubt the image raised, not the form. The recogniser's probabilities say more than its best
//! reading: the typed values are written into the fields they fill, every such character must be
//! one the recogniser gave at least [`TYPED_SUPPORT`] (among the characters the field may hold),
//! and the zone is parsed again, so the check digits must hold with the typed digits and the
//! characters nobody typed are repaired as usual. A typed number or date brings its own check digit,
//! which the image must support too. A typo lands on a character the image does not
//! support and still prompts.

use super::form::TypedForm;
use super::names::{self, DocName};
use super::verdict::TypedChar;
use super::CheckOptions;
use crate::mrz::check_digit::same_value;
use crate::mrz::{
    self, check_digit, CharCandidate, CheckStatus, CheckedField, LineReading, Mrz, ParseOptions,
    Sex, Span,
};
use crate::translit::{Spelling, MAX_VARIANTS};

/// The least probability the recogniser must have given each typed character (among the
/// characters its field may hold) for the image to support it. On 500 hard generator documents
/// (`kyc-ocr eval --check`) the stage-4 recogniser let two look-alike forms pass at 10% (F typed
/// E at 13%, O typed D at 14%), and at 15% still the second of them without the second look's
/// median (D at 15-20% in a single cut); at 20% none pass either way, for 1% more needless
/// prompts on those hard captures and none on the photo, scan and real sets.
pub const TYPED_SUPPORT: f32 = 0.2;

/// Where a typed character differs from the one read, the two together must hold at least this
/// much of the position's probability: the image is torn between those two characters. A position
/// the recogniser could not read at all (its best guess under 40%, four candidates) supports no
/// character in particular, and a typo there must not pass.
pub const TWO_WAY: f32 = 0.8;

/// The least probability a typed letter needs to overrule the one read in a name, nationality or
/// sex, or to confirm the same letter read in doubt. No ICAO check digit covers those fields, so
/// nothing after this confirms the typed letter (the French identity card's last digit does, and
/// the bar holds there too). On 500 hard generator documents (`kyc-ocr eval --check`) a
/// look-alike form (`LE GOFE` typed for `LE GOFF`, the last F half under glare) has E at 28% from
/// the float recogniser and 34% from the 8-bit one, and passed the 20% typed support; at 40% it
/// prompts with a margin, for one needless prompt more on those documents (float; none with 8
/// bits) than at 30%. The same doubt on a real held-out zone (`JENNIFER` read `JFNNIFER` on a
/// binarised crop, E at 28%) prompts too: the image does not say which letter it is.
pub const NAME_OVERRIDE_SUPPORT: f32 = 0.4;

/// A character the recogniser gives less than this is one it could not see: a finger, glare or a
/// shadow over it, not a look-alike.
pub const UNSEEN: f32 = 0.15;

/// How many times more than any character of the same check-digit value a faint character must
/// have to rest on its check digit ([`first_of_its_value`]).
const VALUE_MARGIN: f32 = 2.0;

/// Fillers in a row, after the last name, from which on a name field can only be padding.
const PADDING_RUN: usize = 3;

/// Typed name spellings tried at most (splits of a full name times transliteration variants).
const MAX_SPELLINGS: usize = 1024;

/// What a field may hold: the characters its probabilities are shared among.
#[derive(Clone, Copy)]
enum Kind {
    Letters,
    /// The name field: letters, names parted by `<`, then `<` to its end.
    Name,
    Digits,
    /// A check digit: a digit, or the filler of value 0 some issuers print for 0. A letter
    /// read there (`O` for `0`) is a look-alike the layout rules out.
    CheckDigit,
    Sex,
    Any,
}

impl Kind {
    fn admits(self, c: char) -> bool {
        match self {
            Kind::Letters | Kind::Name => c.is_ascii_uppercase() || c == '<',
            Kind::Digits => c.is_ascii_digit(),
            Kind::Sex => matches!(c, 'M' | 'F' | 'X' | '<'),
            Kind::CheckDigit => c.is_ascii_digit() || c == '<',
            Kind::Any => true,
        }
    }
}

/// A typed value in the zone: where it goes, its MRZ text, what its field may hold, and whether a
/// check digit covers it (the digit itself is typed beside it, as its own value).
struct Typed {
    span: Span,
    text: String,
    kind: Kind,
    checked: bool,
}

/// The zone re-read with the typed values, and where they replaced the reading.
pub(crate) struct TypedReading {
    pub mrz: Mrz,
    pub changed: Vec<TypedChar>,
    /// The composite check digit could not be seen and was taken as the data calls for.
    pub composite_unseen: bool,
}

/// The zone parsed again with the typed values in their fields, or `None` where the zone carries
/// no scores, the form fills no field, or a typed character lacks the image's support.
pub(crate) fn typed_reading(
    mrz: &Mrz,
    form: &TypedForm,
    options: &CheckOptions,
) -> Option<TypedReading> {
    if mrz.char_probs.len() != mrz.lines.len() {
        return None;
    }
    let fixed = typed_fields(mrz, form);
    if fixed.is_empty() {
        return None;
    }
    let mut readings: Vec<LineReading> = mrz
        .char_probs
        .iter()
        .enumerate()
        .map(|(l, line)| LineReading {
            // The typed values cannot move a character: the pitch breaks stay.
            pitch_breaks: mrz
                .pitch_breaks
                .iter()
                .filter(|b| b.line == l)
                .map(|b| b.position)
                .collect(),
            positions: line
                .iter()
                .map(|pos| {
                    pos.iter()
                        .map(|&(ch, p)| CharCandidate {
                            ch,
                            log_prob: p.max(1e-9).ln(),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    // The typed values say nothing of the document's kind: the layout stays the one read (a visa
    // or not, by the first character), which a first character in doubt could otherwise flip
    // when the typed values make the other layout's check digits hold. Its probability stays.
    let read_first = *mrz.lines.first()?.as_bytes().first()?;
    if let Some(first) = readings.first_mut().and_then(|l| l.positions.first_mut()) {
        let visa = read_first == b'V';
        first.retain(|c| (c.ch == 'V') == visa);
        if first.is_empty() {
            first.push(CharCandidate {
                ch: char::from(read_first),
                log_prob: mrz
                    .char_probability(0, 0, char::from(read_first))
                    .unwrap_or(0.0)
                    .max(1e-9)
                    .ln(),
            });
        }
    }
    let mut changed = Vec::new();
    for Typed {
        span,
        text,
        kind,
        checked,
    } in &fixed
    {
        let read = mrz
            .lines
            .get(span.line)?
            .as_bytes()
            .get(span.start..span.end)?;
        // One faint character per checked field may rest on its check digit.
        let mut faint_taken = false;
        for (i, ch) in text.chars().enumerate() {
            let pos = span.start + i;
            let r = char::from(read[i]);
            let p = probability(mrz, span.line, pos, ch, r, *kind);
            // Padding the image does not show stands on the name's structure, not the image.
            let padding = matches!(kind, Kind::Name) && padding_unseen(mrz, span, text, i);
            let faint = p < TYPED_SUPPORT
                && *checked
                && ch == r
                && !faint_taken
                && first_of_its_value(mrz, span.line, pos, ch, *kind);
            faint_taken |= faint;
            if p < TYPED_SUPPORT && !padding && !faint {
                return None;
            }
            // Nothing after this confirms a letter in a name, nationality or sex, whether typed
            // over the one read or the same as it (the recogniser's best guess is no surer for
            // being typed too). On the 500 bowed hard generator documents, forms typed with the
            // names as misread passed 10 times when a letter typed as read needed only the 20%
            // bar, and 4 at this one, for 4 needless prompts more.
            let unchecked_letter = matches!(kind, Kind::Letters | Kind::Name | Kind::Sex);
            if unchecked_letter && p < NAME_OVERRIDE_SUPPORT && !padding {
                return None;
            }
            if ch != r {
                // Nor does anything confirm a character typed over one of the same check-digit
                // value (`6` over `G`, both 6 modulo 10): the digit holds either way.
                let same_value_over = *checked && same_value(ch, r);
                let overrules = same_value_over && p < NAME_OVERRIDE_SUPPORT;
                let torn = p + probability(mrz, span.line, pos, r, r, *kind) >= TWO_WAY;
                if !padding && (overrules || !torn) {
                    return None;
                }
                changed.push(TypedChar {
                    line: span.line,
                    position: pos,
                    read: r,
                    typed: ch,
                    percent: (p * 100.0).round().clamp(0.0, 100.0) as u8,
                });
            }
            *readings.get_mut(span.line)?.positions.get_mut(pos)? =
                vec![CharCandidate { ch, log_prob: 0.0 }];
        }
    }
    let opts = ParseOptions {
        today: options.today,
        ..ParseOptions::default()
    };
    let mut typed = mrz::parse_reading(&readings, &opts).ok()?;
    // A composite digit nobody can see (a thumb over the zone's last corner) is taken as its data
    // calls for, once every other check holds with the typed values: it would only check again
    // the fields whose own digits just held.
    let mut composite_unseen = false;
    if let Some((at, expected)) = unseen_composite(mrz, &typed) {
        *readings.get_mut(at.line)?.positions.get_mut(at.start)? = vec![CharCandidate {
            ch: expected,
            log_prob: 0.0,
        }];
        typed = mrz::parse_reading(&readings, &opts).ok()?;
        composite_unseen = true;
    }
    // The layout must not change under the typed values (a first character typed differently).
    (typed.format == mrz.format).then_some(TypedReading {
        mrz: typed,
        changed,
        composite_unseen,
    })
}

/// Whether position `i` of the typed name `text` (at `span`) is padding the image does not show:
/// the recogniser saw nothing there (under [`UNSEEN`]; a thumb over the zone's end), nor at the
/// positions between it and the last [`PADDING_RUN`] fillers the typed name ends with, which the
/// reading shows. Names are parted by one or two fillers, so nothing but fillers can follow such a
/// run: the structure confirms what the image cannot.
fn padding_unseen(mrz: &Mrz, span: &Span, text: &str, i: usize) -> bool {
    let top = |at: usize| best_probability(mrz, span.line, span.start + at).unwrap_or(0.0);
    let bytes = text.as_bytes();
    if bytes.get(i) != Some(&b'<') || top(i) >= UNSEEN {
        return false;
    }
    // Back over the unseen fillers to the run the reading shows.
    let mut first = i;
    while first > 0 && bytes[first - 1] == b'<' && top(first - 1) < UNSEEN {
        first -= 1;
    }
    first >= PADDING_RUN
        && (first - PADDING_RUN..first).all(|at| {
            bytes[at] == b'<'
                && mrz
                    .char_probability(span.line, span.start + at, '<')
                    .is_some_and(|p| p >= TYPED_SUPPORT)
        })
}

/// Whether the recogniser, however faintly, gave `ch` at least [`VALUE_MARGIN`] times what it gave
/// any other character of the same check-digit value that `kind` admits (`4`, `E`, `O`, `Y`;
/// `0`, `<`, `A`, `K`, `U`). A check digit that holds with every other character of its field
/// certain settles the value of the one in doubt; the reading must settle which character of that
/// value it is.
fn first_of_its_value(mrz: &Mrz, line: usize, position: usize, ch: char, kind: Kind) -> bool {
    let Some(cands) = mrz.char_probs.get(line).and_then(|l| l.get(position)) else {
        return false;
    };
    let p = |c: char| cands.iter().find(|x| x.0 == c).map_or(0.0, |x| x.1);
    // Where the field admits no other character of its value (a date's digits), the digit
    // settles the character itself, whatever the recogniser made of it.
    if !check_digit::MRZ_CHARS
        .iter()
        .map(|&c| char::from(c))
        .any(|c| c != ch && kind.admits(c) && same_value(c, ch))
    {
        return true;
    }
    let rival = cands
        .iter()
        .filter(|x| x.0 != ch && kind.admits(x.0))
        .filter(|x| same_value(x.0, ch))
        .map(|x| x.1)
        .fold(0.0f32, f32::max);
    p(ch) > 0.0 && p(ch) >= VALUE_MARGIN * rival
}

/// Where the composite check digit of `typed` fails only because the image does not show it
/// (`read`'s best candidate there under [`UNSEEN`]) while every other check digit holds: its
/// place and the digit its data calls for.
fn unseen_composite(read: &Mrz, typed: &Mrz) -> Option<(Span, char)> {
    let mut invalid = typed
        .checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Invalid { .. }));
    let check = invalid.next()?;
    if invalid.next().is_some() || check.field != CheckedField::Composite {
        return None;
    }
    let CheckStatus::Invalid { expected, .. } = check.status else {
        return None;
    };
    let at = check.span;
    (best_probability(read, at.line, at.start)? < UNSEEN).then_some((at, expected))
}

/// The recogniser's probability of its best candidate at a position (0 where it listed none);
/// `None` for a position the zone has no scores for.
fn best_probability(mrz: &Mrz, line: usize, position: usize) -> Option<f32> {
    let cands = mrz.char_probs.get(line)?.get(position)?;
    Some(cands.iter().map(|c| c.1).fold(0.0f32, f32::max))
}

/// The probability of `ch` at a position once the characters `kind` does not admit are set aside
/// (what the recogniser left unlisted still counts against it). Where it gave nearly everything
/// to such characters (a digit read in a name, which class forcing already turned into a letter),
/// only the repaired reading `read` is supported.
fn probability(mrz: &Mrz, line: usize, position: usize, ch: char, read: char, kind: Kind) -> f32 {
    let Some(cands) = mrz.char_probs.get(line).and_then(|l| l.get(position)) else {
        return 0.0;
    };
    let left: f32 = 1.0
        - cands
            .iter()
            .filter(|c| !kind.admits(c.0))
            .map(|c| c.1)
            .sum::<f32>();
    if left < 1e-3 {
        return f32::from(u8::from(ch == read));
    }
    (cands.iter().find(|c| c.0 == ch).map_or(0.0, |c| c.1) / left).min(1.0)
}

/// The spans the form fills, with the MRZ text of the typed value.
fn typed_fields(mrz: &Mrz, form: &TypedForm) -> Vec<Typed> {
    let f = &mrz.fields;
    let mut out = Vec::new();
    let mut put = |span: Span, text: String, kind: Kind, checked: bool| {
        if text.len() == span.end - span.start && span.line < mrz.lines.len() {
            out.push(Typed {
                span,
                text,
                kind,
                checked,
            });
        }
    };
    let pad = |s: &str, n: usize| -> String {
        let mut v: String = s.chars().take(n).collect();
        while v.len() < n {
            v.push('<');
        }
        v
    };
    for (span, text) in name_fields(mrz, form) {
        put(span, text, Kind::Name, false);
    }
    // A field a check digit protects takes that digit too, computed from the typed value: the
    // digit's own reading then needs the image's support like any typed character.
    let mut put_checked = |field: CheckedField, span: Span, text: String, kind: Kind| {
        let digit = mrz
            .checks
            .iter()
            .find(|c| c.field == field)
            .and_then(|c| Some((c.span, check_digit::compute_char(&text)?)));
        put(span, text, kind, digit.is_some());
        if let Some((at, d)) = digit {
            // A zero may be printed as the filler of the same value.
            let p = |c: char| mrz.char_probability(at.line, at.start, c).unwrap_or(0.0);
            let d = if d == '0' && p('<') > p('0') { '<' } else { d };
            put(at, d.to_string(), Kind::CheckDigit, false);
        }
    };
    if let Some(n) = &form.document_number {
        let span = f.document_number.span;
        // A long TD1/TD2 number runs on into the optional data: it is left as read.
        let len = span.end - span.start;
        if n.len() <= len && f.document_number.value.len() <= len {
            put_checked(CheckedField::DocumentNumber, span, pad(n, len), Kind::Any);
        }
    }
    for (typed, field, checked) in [
        (form.birth_date, &f.birth_date, CheckedField::BirthDate),
        (form.expiry_date, &f.expiry_date, CheckedField::ExpiryDate),
    ] {
        if let Some(d) = typed {
            let yymmdd = format!(
                "{:02}{:02}{:02}",
                d.year().rem_euclid(100),
                d.month(),
                d.day()
            );
            put_checked(checked, field.span, yymmdd, Kind::Digits);
        }
    }
    if let Some(sex) = form.sex {
        let c = match sex {
            Sex::Male => Some("M"),
            Sex::Female => Some("F"),
            // `X` and `<` both say unspecified: the reading stands.
            _ => None,
        };
        if let Some(c) = c {
            put(f.sex.span, c.to_string(), Kind::Sex, false);
        }
    }
    for (typed, field) in [
        (form.nationality, &f.nationality),
        (form.issuing_country, &f.issuing_state),
    ] {
        // A code the document already writes for the typed country stands (`D` and `DEU`).
        if let Some(c) = typed {
            if !super::same_country(c, &field.value) {
                put(field.span, pad(c.mrz_code, 3), Kind::Letters, false);
            }
        }
    }
    out
}

/// The name field written as the allowed spelling of the typed name that the image supports
/// best (whose least supported character has the most probability). Where the layout gives the
/// given names a field of their own on another line (the French identity card), the surname and
/// the given names are two fields, the given names separated by `<` or by the card's `<<`,
/// whichever the image supports.
fn name_fields(mrz: &Mrz, form: &TypedForm) -> Vec<(Span, String)> {
    let f = &mrz.fields;
    let (surname, given) = (f.surname.span, f.given_names.span);
    let apart = given.line != surname.line;
    let spans = if apart {
        vec![surname, given]
    } else {
        vec![Span {
            end: given.end,
            ..surname
        }]
    };
    let current = DocName::new(&f.surname.value, &f.given_names.value, f.name_truncated);
    let spellings = typed_spellings(form, &current);
    let per_spelling = (MAX_SPELLINGS / spellings.len().max(1)).clamp(1, MAX_VARIANTS);
    let mut best: Option<(f32, Vec<Vec<u8>>)> = None;
    for spelling in spellings {
        for v in spelling.variants(per_spelling) {
            for mut fields in split_name(v.into_bytes(), apart) {
                // The MRZ pads a short name with fillers and cuts a long one at the field's end.
                for (field, span) in fields.iter_mut().zip(&spans) {
                    field.resize(span.end - span.start, b'<');
                }
                let weakest = fields
                    .iter()
                    .zip(&spans)
                    .map(|(field, span)| least_support(mrz, span, field))
                    .fold(1.0f32, f32::min);
                if best.as_ref().is_none_or(|b| weakest > b.0) {
                    best = Some((weakest, fields));
                }
            }
        }
    }
    let Some((_, fields)) = best else {
        return Vec::new();
    };
    spans
        .into_iter()
        .zip(fields)
        .map(|(span, field)| (span, String::from_utf8_lossy(&field).into_owned()))
        .collect()
}

/// A whole name field (`SURNAME<<GIVEN<NAMES`) as the fields the layout writes: itself, or where
/// the given names stand `apart`, the surname and each way of separating the given names.
fn split_name(field: Vec<u8>, apart: bool) -> Vec<Vec<Vec<u8>>> {
    if !apart {
        return vec![vec![field]];
    }
    let at = field
        .windows(2)
        .position(|w| w == b"<<")
        .unwrap_or(field.len());
    let surname = field[..at].to_vec();
    let given = field.get(at + 2..).unwrap_or_default();
    let given = &given[..given.len() - given.iter().rev().take_while(|&&c| c == b'<').count()];
    let mut doubled = Vec::with_capacity(given.len() * 2);
    for &c in given {
        doubled.push(c);
        if c == b'<' {
            doubled.push(b'<');
        }
    }
    let mut out = vec![vec![surname.clone(), given.to_vec()]];
    if doubled.len() != given.len() {
        out.push(vec![surname, doubled]);
    }
    out
}

/// The least probability the image gives any character of `field` written over `span` (padding
/// it does not show aside).
fn least_support(mrz: &Mrz, span: &Span, field: &[u8]) -> f32 {
    let Some(read) = mrz
        .lines
        .get(span.line)
        .and_then(|l| l.as_bytes().get(span.start..span.end))
    else {
        return 0.0;
    };
    let text = String::from_utf8_lossy(field).into_owned();
    field
        .iter()
        .zip(read)
        .enumerate()
        .filter(|&(i, _)| !padding_unseen(mrz, span, &text, i))
        .map(|(i, (&c, &r))| {
            probability(
                mrz,
                span.line,
                span.start + i,
                char::from(c),
                char::from(r),
                Kind::Letters,
            )
        })
        .fold(1.0f32, f32::min)
}

/// Every reading of the typed name as a whole MRZ name field: surname and given names as typed
/// (a part not typed is the document's), or each split of a full name in either order.
fn typed_spellings(form: &TypedForm, current: &DocName) -> Vec<Spelling> {
    if let Some(full) = &form.full_name {
        return names::full_name_splits(full)
            .iter()
            .map(|(s, g)| Spelling::full_name(s, g))
            .collect();
    }
    if form.surname.is_none() && form.given_names.is_none() {
        return Vec::new();
    }
    let surname = form
        .surname
        .clone()
        .unwrap_or_else(|| current.display_surname());
    let given = form
        .given_names
        .clone()
        .unwrap_or_else(|| current.display_given());
    vec![Spelling::full_name(&surname, &given)]
}

#[cfg(test)]
mod tests {
    use super::super::{check, CheckOptions, MismatchKind, RawForm, Verdict};
    use crate::mrz::{self, CharCandidate, LineReading, ParseOptions};

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn options() -> CheckOptions {
        CheckOptions {
            today: jiff::civil::date(2010, 1, 1),
            ..CheckOptions::default()
        }
    }

    /// A changed position: line, position, candidates best first with probabilities.
    type Edit<'a> = (usize, usize, &'a [(char, f32)]);

    /// The specimen as a scored reading, every character certain except `edits`.
    fn read(edits: &[Edit]) -> mrz::Mrz {
        read_lines(&TD3, edits)
    }

    /// `lines` as a scored reading, every character certain except `edits`.
    fn read_lines<S: AsRef<str>>(lines: &[S], edits: &[Edit]) -> mrz::Mrz {
        let mut r: Vec<LineReading> = lines
            .iter()
            .map(|l| LineReading::from_text(l.as_ref()))
            .collect();
        for &(l, p, cands) in edits {
            r[l].positions[p] = cands
                .iter()
                .map(|&(ch, pr)| CharCandidate {
                    ch,
                    log_prob: pr.ln(),
                })
                .collect();
        }
        let opts = ParseOptions {
            today: options().today,
            ..ParseOptions::default()
        };
        mrz::parse_reading(&r, &opts).expect("parse")
    }

    fn form(surname: &str, birth: &str) -> super::TypedForm {
        RawForm {
            surname: Some(surname.into()),
            given_names: Some("Anna Maria".into()),
            birth_date: Some(birth.into()),
            ..RawForm::default()
        }
        .parse(&options())
        .expect("form")
    }

    #[test]
    fn a_look_alike_the_image_supports_takes_the_typed_letter() {
        // ERIKSSON's K read as X at 55%, K at 45%: the name reads ERIXSSON.
        let m = read(&[(0, 8, &[('X', 0.55), ('K', 0.45)])]);
        assert_eq!(m.fields.surname.value, "ERIXSSON");
        let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        let t = &r.flags.typed_over_read;
        assert_eq!(t.len(), 1);
        assert_eq!(
            (
                t[0].line,
                t[0].position,
                t[0].read,
                t[0].typed,
                t[0].percent
            ),
            (0, 8, 'X', 'K', 45)
        );
        // Switched off, the zone is checked as read.
        let as_read = CheckOptions {
            typed_support: false,
            ..options()
        };
        let r = check(&m, &form("Eriksson", "1974-08-12"), &as_read);
        assert_eq!(r.verdict, Verdict::Prompt);
    }

    #[test]
    fn a_french_card_takes_the_typed_names_the_image_supports_on_both_of_its_lines() {
        // The card's surname on line 1, its given names on line 2 (`<<` between them). The R of
        // BERNARD read H and the E of ROSE read O: each pair is one value to the last digit, so
        // the zone is valid either way and only the image can tell.
        let lines = [
            "IDFRABERNARD<<<<<<<<<<<<<<<<<<751042",
            "1402751042152CAMILLE<<ROSE<8803171F1",
        ];
        let m = read_lines(
            &lines,
            &[
                (0, 7, &[('H', 0.55), ('R', 0.45)]),
                (1, 25, &[('O', 0.55), ('E', 0.45)]),
            ],
        );
        assert_eq!(m.format, mrz::MrzFormat::FrenchId);
        assert_eq!(
            (
                m.fields.surname.value.as_str(),
                m.fields.given_names.value.as_str()
            ),
            ("BEHNARD", "CAMILLE ROSO")
        );
        let mut o = options();
        o.policy.manual_review_for_other_documents = false;
        let form = |given: &str| {
            RawForm {
                surname: Some("Bernard".into()),
                given_names: Some(given.into()),
                birth_date: Some("1988-03-17".into()),
                ..RawForm::default()
            }
            .parse(&o)
            .expect("form")
        };
        let r = check(&m, &form("Camille Rose"), &o);
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        let typed: Vec<(usize, usize, char, char)> = r
            .flags
            .typed_over_read
            .iter()
            .map(|t| (t.line, t.position, t.read, t.typed))
            .collect();
        assert_eq!(typed, [(0, 7, 'H', 'R'), (1, 25, 'O', 'E')]);
        // A given name the image does not support prompts.
        let r = check(&m, &form("Camille Rosa"), &o);
        assert_eq!(r.verdict, Verdict::Prompt, "{}", r.summary);
    }

    #[test]
    fn a_full_name_in_either_order_finds_its_supported_spelling() {
        let m = read(&[(0, 8, &[('X', 0.55), ('K', 0.45)])]);
        for name in [
            "Anna Maria Eriksson",
            "ERIKSSON, Anna Maria",
            "Eriksson Anna Maria",
        ] {
            let typed = RawForm {
                name: Some(name.into()),
                ..RawForm::default()
            }
            .parse(&options())
            .expect("form");
            let r = check(&m, &typed, &options());
            assert_eq!(r.verdict, Verdict::Consistent, "{name}: {}", r.summary);
            assert_eq!(r.flags.typed_over_read.len(), 1, "{name}");
        }
    }

    #[test]
    fn a_typo_the_image_does_not_support_still_prompts() {
        // The same doubt, but the customer typed ERIPSSON: P has no support there.
        let m = read(&[(0, 8, &[('X', 0.55), ('K', 0.45)])]);
        let r = check(&m, &form("Eripsson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Prompt);
        assert!(r.flags.typed_over_read.is_empty());
        // Under the threshold: K at 5% is not support, nor at 15% (a look-alike's usual share
        // on a blurred capture). At 25% and 35% K has the support of a typed character, but not
        // enough to overrule the letter read in a name, which no check digit confirms.
        for k in [0.05, 0.15, 0.25, 0.35] {
            let m = read(&[(0, 8, &[('X', 1.0 - k), ('K', k)])]);
            let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
            assert_eq!(r.verdict, Verdict::Prompt, "K at {k}");
            assert_eq!(r.mismatches[0].kind, MismatchKind::Typo);
        }
    }

    #[test]
    fn a_name_letter_in_doubt_confirms_the_same_letter_typed_only_with_override_support() {
        // OLAFSSON's O (ERIKSSON's E here) read as D at 32%: the image's best guess, but one no
        // check digit confirms. A form typed with that D is not confirmed by it, as a D typed
        // over another letter read would not be; at 45% it is.
        for (d, want) in [(0.32, Verdict::Prompt), (0.45, Verdict::Consistent)] {
            let m = read(&[(0, 5, &[('D', d), ('P', 0.17), ('V', 0.1)])]);
            assert_eq!(m.fields.surname.value, "DRIKSSON");
            let r = check(&m, &form("Driksson", "1974-08-12"), &options());
            assert_eq!(r.verdict, want, "D at {d}: {}", r.summary);
        }
        // A date digit at 32% is another matter: its check digit confirms it.
        let m = read(&[(1, 16, &[('8', 0.32), ('3', 0.3), ('6', 0.2)])]);
        let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
    }

    #[test]
    fn a_position_read_as_nothing_in_particular_supports_no_typo() {
        // ERIKSSON's E read as N 35%, H 22%, B 10%, R 9%: H has 22% but the image is not torn
        // between N and H, so a surname typed HRIKSSON prompts.
        let garbled: &[(char, f32)] = &[('N', 0.35), ('H', 0.22), ('B', 0.10), ('R', 0.09)];
        let m = read(&[(0, 5, garbled)]);
        let r = check(&m, &form("Hriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Prompt);
        // Torn between two letters, the typed one is supported.
        let m = read(&[(0, 5, &[('N', 0.52), ('E', 0.43)])]);
        let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
    }

    #[test]
    fn a_thumb_over_the_zones_last_corner_hides_only_padding_and_the_composite_digit() {
        // The end of both lines unseen: the name's last two fillers, and the composite digit 0.
        let unseen: &[(char, f32)] = &[('<', 0.05)];
        let faint: &[(char, f32)] = &[('K', 0.08), ('<', 0.04)];
        let thumb = [(0, 42, unseen), (0, 43, faint), (1, 43, unseen)];
        let m = read(&thumb);
        // The parse computes the composite (every other digit holds on clear characters), and
        // says so: the zone is valid but its composite was never read.
        assert!(m.is_valid() && m.composite_computed, "{:?}", m.lines);
        assert!(m.uncertain_fields.iter().any(|f| f == "composite"));
        let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        assert!(r.flags.composite_unseen);
        assert!(r.summary.contains("composite check digit cannot be seen"));
        // The faint K at the name's end is padding by the name's structure, and listed.
        let t = &r.flags.typed_over_read;
        assert_eq!(
            t.iter()
                .map(|t| (t.line, t.position, t.read, t.typed))
                .collect::<Vec<_>>(),
            [(0, 43, 'K', '<')]
        );
        // A typo still prompts: the form, not the thumb, is wrong.
        let r = check(&m, &form("Eriksen", "1974-08-12"), &options());
        assert_ne!(r.verdict, Verdict::Consistent);
        let r = check(&m, &form("Eriksson", "1974-08-13"), &options());
        assert_ne!(r.verdict, Verdict::Consistent);
        // A composite digit read clearly wrong is no thumb: unreadable as before.
        let misread = read(&[(1, 43, &[('3', 0.9)])]);
        let r = check(&misread, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Unreadable);
        assert!(!r.flags.composite_unseen);
        // A composite digit unseen while another check fails, or is unseen too (the personal
        // number's, beside it): unreadable.
        for other in [(1, 27, &[('8', 0.95)][..]), (1, 42, unseen)] {
            let two = read(&[(1, 43, unseen), other]);
            let r = check(&two, &form("Eriksson", "1974-08-12"), &options());
            assert_eq!(r.verdict, Verdict::Unreadable, "{other:?}");
        }
    }

    #[test]
    fn an_unseen_end_of_the_name_field_is_padding_only_after_a_run_of_fillers() {
        // A given name that runs to two fillers from the end (ANNA<MARIA<<...<<X<): the last
        // position unseen follows fillers the reading shows, but the name has a letter two
        // before it.
        let long = [
            "P<UTOERIKSSON<<ANNA<MARIA<BEATRIX<CHARLOT<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        let unseen: &[(char, f32)] = &[('<', 0.05)];
        let m = read_lines(&long, &[(0, 43, unseen)]);
        let typed = |given: &str| {
            RawForm {
                surname: Some("Eriksson".into()),
                given_names: Some(given.into()),
                ..RawForm::default()
            }
            .parse(&options())
            .expect("form")
        };
        // Two fillers before the unseen end: a name could go on there, so it is no padding.
        let r = check(&m, &typed("Anna Maria Beatrix Charlot"), &options());
        assert_eq!(r.verdict, Verdict::Prompt, "{}", r.summary);
        // Three or more: padding.
        let short = [
            "P<UTOERIKSSON<<ANNA<MARIA<BEATRIX<CHARL<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        let m2 = read_lines(&short, &[(0, 43, unseen)]);
        let r = check(&m2, &typed("Anna Maria Beatrix Charl"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        assert!(!r.flags.composite_unseen);
    }

    #[test]
    fn a_faint_character_rests_on_its_check_digit_when_the_reading_picks_it_among_its_value() {
        // The document number's L (value 21) barely seen, at the left edge of the line; its check
        // digit 6 holds and settles the value, the reading settles the letter over V (31).
        let typed = |number: &str| {
            RawForm {
                surname: Some("Eriksson".into()),
                given_names: Some("Anna Maria".into()),
                document_number: Some(number.into()),
                ..RawForm::default()
            }
            .parse(&options())
            .expect("form")
        };
        let m = read(&[(1, 0, &[('L', 0.06), ('V', 0.02)])]);
        // As read, the faint L leaves the number unconfirmed.
        assert_ne!(
            check(
                &m,
                &typed("L898902C3"),
                &CheckOptions {
                    typed_support: false,
                    ..options()
                }
            )
            .verdict,
            Verdict::Consistent
        );
        let r = check(&m, &typed("L898902C3"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        assert!(r.flags.typed_over_read.is_empty(), "typed as read");
        // A typo of the same value (V for L) holds the check digit, but the image does not show it.
        let r = check(&m, &typed("V898902C3"), &options());
        assert_ne!(r.verdict, Verdict::Consistent);
        // The reading cannot tell L from V: no letter is settled.
        let torn = read(&[(1, 0, &[('L', 0.06), ('V', 0.04)])]);
        let r = check(&torn, &typed("L898902C3"), &options());
        assert_eq!(r.verdict, Verdict::Prompt, "{}", r.summary);
        // Two faint characters in one field: the digit settles only their sum, and the zone as
        // read does not confirm the number either.
        let two = read(&[(1, 0, &[('L', 0.06)]), (1, 4, &[('9', 0.05)])]);
        let r = check(&two, &typed("L898902C3"), &options());
        assert_eq!(r.verdict, Verdict::Unreadable, "{}", r.summary);
        assert!(
            r.summary.contains("(document number barely seen)"),
            "{}",
            r.summary
        );
        // A name has no check digit: a faint letter there still prompts.
        let name = read(&[(0, 6, &[('R', 0.06)])]);
        let r = check(&name, &typed("L898902C3"), &options());
        assert_eq!(r.verdict, Verdict::Prompt, "{}", r.summary);
    }

    #[test]
    fn a_check_digit_read_as_its_letter_look_alike_supports_the_digit() {
        // The birth date's check digit 2 read Z (97%): a check digit is a digit, so Z is set
        // aside and the little left goes to the 2 the typed date calls for.
        let m = read(&[(1, 19, &[('Z', 0.97), ('2', 0.03)])]);
        let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        // A date one day off calls for another digit, which the image does not show.
        let r = check(&m, &form("Eriksson", "1974-08-13"), &options());
        assert_ne!(r.verdict, Verdict::Consistent);
    }

    #[test]
    fn an_unseen_date_digit_is_settled_by_its_check_digit() {
        // No other digit has a date digit's value: the check digit settles it, whatever the
        // recogniser made of it. In a number, a letter of its value (G for 6) stays a rival the
        // recogniser must rule out.
        let m = read(&[(1, 18, &[('7', 0.11), ('5', 0.08), ('2', 0.0)])]);
        assert!(super::first_of_its_value(
            &m,
            1,
            18,
            '2',
            super::Kind::Digits
        ));
        assert!(!super::first_of_its_value(&m, 1, 18, '2', super::Kind::Any));
        let m = read(&[(1, 18, &[('2', 0.05), ('7', 0.03)])]);
        let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        // Typed the 17th: the digit the typed date calls for is not the one printed.
        let r = check(&m, &form("Eriksson", "1974-08-17"), &options());
        assert_ne!(r.verdict, Verdict::Consistent);
    }

    #[test]
    fn the_typed_values_keep_the_layout_read() {
        // A TD2 card whose I is in doubt against the V of a visa of the same size: the typed
        // values do not make it a visa.
        let td2 = [
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408122F1204159<<<<<<<6",
        ];
        let m = read_lines(
            &td2,
            &[
                (0, 0, &[('I', 0.55), ('V', 0.45)]),
                (0, 8, &[('X', 0.55), ('K', 0.45)]),
            ],
        );
        assert_eq!(m.format, mrz::MrzFormat::Td2);
        let typed = RawForm {
            surname: Some("Eriksson".into()),
            given_names: Some("Anna Maria".into()),
            document_number: Some("D23145890".into()),
            birth_date: Some("1974-08-12".into()),
            ..RawForm::default()
        }
        .parse(&options())
        .expect("form");
        let options = CheckOptions {
            policy: super::super::Policy {
                manual_review_for_other_documents: false,
                ..super::super::Policy::default()
            },
            ..options()
        };
        let r = check(&m, &typed, &options);
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        assert_eq!(r.mrz.as_ref().map(|m| m.format), Some(mrz::MrzFormat::Td2));
    }

    #[test]
    fn typed_digits_must_keep_the_check_digits() {
        // Birth day 12 with its 2 in doubt against 3: typing the 12th is supported and its check
        // digit holds; typing the 13th is supported by the 3 but its check digit fails.
        let m = read(&[(1, 18, &[('2', 0.6), ('3', 0.4)])]);
        let r = check(&m, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        assert!(r.flags.typed_over_read.is_empty(), "typed as read");
        let r = check(&m, &form("Eriksson", "1974-08-13"), &options());
        assert_eq!(r.verdict, Verdict::Prompt);
        assert!(r.flags.typed_over_read.is_empty());
    }

    #[test]
    fn odd_typed_names_on_a_doubtful_reading() {
        let m = read(&[(0, 8, &[('X', 0.55), ('K', 0.45)])]);
        let long = "Eriksson ".repeat(40);
        // (typed surname, verdict; None where the form itself is refused)
        let cases = [
            // ICAO transliteration of the Cyrillic spelling is ERIKSSON, which the image supports.
            ("ЭРИКССОН", Some(Verdict::Consistent)),
            ("Erik<sson", Some(Verdict::Prompt)),
            ("E", Some(Verdict::Prompt)),
            ("Eriksson😀", None),
            (long.as_str(), None),
        ];
        for (name, want) in cases {
            let typed = RawForm {
                surname: Some(name.into()),
                given_names: Some("Anna Maria".into()),
                ..RawForm::default()
            }
            .parse(&options());
            let got = typed.ok().map(|t| check(&m, &t, &options()).verdict);
            assert_eq!(got, want, "{name:?}");
        }
    }

    #[test]
    fn a_typed_number_settles_its_check_digit_too() {
        // A number whose check digit is 0, read as 0 at 55% and as the filler `<` (worth 0 too)
        // at 45%, and one of whose characters is in doubt (8 at 60%, B at 40%): with two doubtful
        // positions the digit shields nothing, so the number is uncertain as read. Typed, the
        // number computes the digit, which the image supports either way.
        let number = ('A'..='Z')
            .map(|c| format!("L898902C{c}"))
            .find(|n| mrz::check_digit::compute_char(n) == Some('0'))
            .expect("a number with check digit 0");
        let data = mrz::MrzData {
            format: mrz::MrzFormat::Td3,
            document_code: "P".into(),
            issuing_state: "UTO".into(),
            surname: "ERIKSSON".into(),
            given_names: "ANNA MARIA".into(),
            document_number: number.clone(),
            nationality: "UTO".into(),
            birth_date: "740812".into(),
            sex: 'F',
            expiry_date: "120415".into(),
            optional_data: String::new(),
            optional_data_2: String::new(),
        };
        let lines = mrz::compose(&data).expect("compose");
        let m = read_lines(
            &lines,
            &[
                (1, 3, &[('8', 0.6), ('B', 0.4)]),
                (1, 9, &[('0', 0.55), ('<', 0.45)]),
            ],
        );
        assert!(m.is_valid());
        assert!(
            m.uncertain_fields.iter().any(|f| f == "document_number"),
            "{:?}",
            m.uncertain_fields
        );
        // The check digit's doubt alone leaves the number certain: `<` and `0` read the same digit.
        let digit_only = read_lines(&lines, &[(1, 9, &[('0', 0.55), ('<', 0.45)])]);
        assert!(
            digit_only.is_confident(),
            "{:?}",
            digit_only.uncertain_fields
        );
        let typed = RawForm {
            document_number: Some(number),
            ..RawForm::default()
        }
        .parse(&options())
        .expect("form");
        let r = check(&m, &typed, &options());
        assert_eq!(r.verdict, Verdict::Consistent, "{}", r.summary);
        assert!(r.flags.typed_over_read.is_empty(), "typed as read");
        let as_read = CheckOptions {
            typed_support: false,
            ..options()
        };
        assert_eq!(check(&m, &typed, &as_read).verdict, Verdict::Prompt);
    }

    #[test]
    fn plain_text_is_checked_as_read() {
        let plain = mrz::parse_lines(
            &["P<UTOERIXSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]],
            &ParseOptions {
                today: options().today,
                ..ParseOptions::default()
            },
        )
        .expect("parse");
        let r = check(&plain, &form("Eriksson", "1974-08-12"), &options());
        assert_eq!(r.verdict, Verdict::Prompt);
    }
}

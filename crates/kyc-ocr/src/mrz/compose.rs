//! The inverse of parsing: a document's plain data to its MRZ lines, every check digit computed.

use super::layout::{CheckDef, Layout};
use super::types::{MrzData, MrzError, MrzErrorKind, MrzFormat, Span};

/// Composes the MRZ lines of `doc`, computing every check digit.
///
/// Values are upper-cased; spaces and hyphens become `<`, apostrophes are dropped. A name longer
/// than the name field is cut at the field's end (ICAO's finer truncation rules, reducing given
/// names to initials, are the issuer's choice and left to the caller). A TD1/TD2 document number
/// over 9 characters is written the ICAO way: 9 characters, `<`, then the rest at the start of the
/// optional data followed by its check digit and a `<`. An empty TD3 personal number gets `<` as
/// its check digit. A French identity card ([`MrzFormat::FrenchId`]) has no nationality or
/// expiry field, so those values are ignored; its surname and given names fill fields of their
/// own, the given names separated by `<<` as the card writes them.
pub fn compose(doc: &MrzData) -> Result<Vec<String>, MrzError> {
    let f = doc.format;
    let layout = Layout::of(f);
    let len = f.line_len();
    let mut lines = vec![vec![b'<'; len]; f.line_count()];

    let code = clean("document code", &doc.document_code, true)?;
    put(&mut lines, layout.code, &code, "document code")?;
    let issuing = clean("issuing state", &doc.issuing_state, false)?;
    put(&mut lines, layout.issuing, &issuing, "issuing state")?;
    if let Some(span) = layout.nationality {
        let nationality = clean("nationality", &doc.nationality, false)?;
        put(&mut lines, span, &nationality, "nationality")?;
    }

    let mut surname = clean("surname", &doc.surname, false)?;
    match layout.given {
        Some(span) => {
            let mut given = Vec::new();
            for name in doc.given_names.split_whitespace() {
                if !given.is_empty() {
                    given.extend_from_slice(b"<<");
                }
                given.extend(clean("given names", name, false)?);
            }
            given.truncate(span.end - span.start);
            put(&mut lines, span, &given, "given names")?;
            surname.truncate(layout.name.end - layout.name.start);
            put(&mut lines, layout.name, &surname, "surname")?;
        }
        None => {
            let given = clean("given names", &doc.given_names, false)?;
            let mut name = surname;
            if !given.is_empty() {
                name.extend_from_slice(b"<<");
                name.extend_from_slice(&given);
            }
            name.truncate(layout.name.end - layout.name.start);
            put(&mut lines, layout.name, &name, "name")?;
        }
    }

    let birth = date("date of birth", &doc.birth_date)?;
    put(&mut lines, layout.birth, &birth, "date of birth")?;
    if let Some((span, _)) = layout.expiry {
        let expiry = date("date of expiry", &doc.expiry_date)?;
        put(&mut lines, span, &expiry, "date of expiry")?;
    }

    let sex = doc.sex.to_ascii_uppercase();
    if !matches!(sex, 'M' | 'F' | 'X' | '<') {
        return Err(MrzError::new(
            MrzErrorKind::InvalidField,
            format!("sex is {sex:?}, expected M, F, X or <"),
        ));
    }
    lines[layout.sex.0][layout.sex.1] = sex as u8;

    let number = clean("document number", &doc.document_number, true)?;
    let mut optional = clean("optional data", &doc.optional_data, true)?;
    let mut long_run = None;
    if number.len() > 9 && matches!(f, MrzFormat::Td1 | MrzFormat::Td2) {
        put(&mut lines, layout.number, &number[..9], "document number")?;
        let full = String::from_utf8_lossy(&number).into_owned();
        let cd = super::check_digit::compute_char(&full).unwrap_or('0') as u8;
        let mut cont = number[9..].to_vec();
        cont.push(cd);
        long_run = Some(cont.len());
        if !optional.is_empty() {
            cont.push(b'<');
        }
        cont.extend_from_slice(&optional);
        optional = cont;
    } else {
        put(&mut lines, layout.number, &number, "document number")?;
    }
    put(&mut lines, layout.optional, &optional, "optional data")?;
    if let Some(o2) = layout.optional2 {
        let v = clean("optional data 2", &doc.optional_data_2, true)?;
        put(&mut lines, o2, &v, "optional data 2")?;
    }

    // Digits in MRZ order: the composite covers the others.
    for def in layout.checks(long_run) {
        if long_run.is_some() && def.field == super::types::CheckedField::DocumentNumber {
            continue; // written above, together with the continuation
        }
        let digit = expected_digit(&lines, &def);
        lines[def.digit.0][def.digit.1] = digit;
    }
    if layout.optional_cd.is_some() && optional.iter().all(|&c| c == b'<') {
        let (l, p) = layout.optional_cd.unwrap_or((1, 42));
        lines[l][p] = b'<';
        // The composite is unchanged: `<` and `0` are both worth 0.
    }
    Ok(lines
        .into_iter()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .collect())
}

fn expected_digit(lines: &[Vec<u8>], def: &CheckDef) -> u8 {
    match def.status(lines) {
        super::types::CheckStatus::Invalid { expected, .. } => expected as u8,
        _ => lines[def.digit.0][def.digit.1],
    }
}

/// Upper-cases a value and maps spaces and hyphens to `<`, dropping apostrophes; anything else
/// outside the MRZ alphabet is an error.
fn clean(field: &str, value: &str, digits: bool) -> Result<Vec<u8>, MrzError> {
    let mut out = Vec::with_capacity(value.len());
    for (i, c) in value.trim().chars().enumerate() {
        let c = c.to_ascii_uppercase();
        match c {
            'A'..='Z' | '<' => out.push(c as u8),
            '0'..='9' if digits => out.push(c as u8),
            ' ' | '-' => out.push(b'<'),
            '\'' => {}
            _ => {
                return Err(MrzError::new(
                    MrzErrorKind::InvalidField,
                    format!(
                        "{field} has character {c:?} at position {}, outside the mrz alphabet",
                        i + 1
                    ),
                ))
            }
        }
    }
    Ok(out)
}

fn date(field: &str, value: &str) -> Result<Vec<u8>, MrzError> {
    let v = value.trim().as_bytes();
    if v.len() != 6 || !v.iter().all(|c| c.is_ascii_digit() || *c == b'<') {
        return Err(MrzError::new(
            MrzErrorKind::InvalidField,
            format!("{field} must be 6 characters of digits or <, in yymmdd order"),
        ));
    }
    Ok(v.to_vec())
}

fn put(lines: &mut [Vec<u8>], span: Span, value: &[u8], field: &str) -> Result<(), MrzError> {
    let width = span.end - span.start;
    if value.len() > width {
        return Err(MrzError::new(
            MrzErrorKind::FieldTooLong,
            format!(
                "{field} has {} characters, at most {width} fit",
                value.len()
            ),
        ));
    }
    lines[span.line][span.start..span.start + value.len()].copy_from_slice(value);
    Ok(())
}

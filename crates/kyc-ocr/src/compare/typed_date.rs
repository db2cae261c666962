//! Dates as people type them: `1984-06-07`, `07/06/1984`, `7.6.1984`, `07 JUN 1984`,
//! `June 7, 1984`, `19840607`.
//!
//! Rules:
//! - a four-digit first number is a year, and the order is then year, month, day;
//! - a month name (English, and the French and German abbreviations printed on documents) fixes
//!   the month; of the two numbers, a four-digit one is the year and the other the day;
//! - otherwise the caller's [`DateOrder`] decides between day-first and month-first; when the
//!   preferred reading is not a date but the other one is (`07/25/1984` with day-first), the other one
//!   is taken, because only one reading exists;
//! - a two-digit year takes the century the field implies: a birth date is the latest one not after
//!   today, an expiry date the one within fifty years of today.

use serde::{Deserialize, Serialize};

/// How to read a numeric date whose day and month could be either way round (`06/07/1984`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Day, month, year (most of the world).
    #[default]
    Dmy,
    /// Month, day, year (United States).
    Mdy,
    /// Year, month, day (ISO 8601, East Asia); `dd/mm/yyyy` still reads day-first.
    Ymd,
}

/// Which kind of date a typed value is, for the century of two-digit years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateKind {
    Birth,
    Expiry,
}

/// Longest typed date accepted; anything longer is not a date and is not worth scanning.
const MAX_LEN: usize = 40;

/// Parses a typed date, or `None` if it cannot be a date.
pub(crate) fn parse(
    text: &str,
    order: DateOrder,
    kind: DateKind,
    today: jiff::civil::Date,
) -> Option<jiff::civil::Date> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_LEN {
        return None;
    }
    let tokens = tokenize(text)?;
    let mut numbers: Vec<&str> = Vec::new();
    let mut month_name: Option<(u8, usize)> = None;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.starts_with(|c: char| c.is_ascii_digit()) {
            numbers.push(tok);
        } else if is_ordinal_suffix(tok)
            && i > 0
            && tokens[i - 1].starts_with(|c: char| c.is_ascii_digit())
        {
            // "June 7th"
        } else if month_name.is_none() {
            month_name = Some((month_from_name(tok)?, numbers.len()));
        } else {
            return None;
        }
    }
    let (y, m, d): (&str, u8, &str) = match (month_name, numbers.as_slice()) {
        (Some((month, _)), [a, b]) if a.len() == 4 => (a, month, b),
        (Some((month, _)), [a, b]) if b.len() == 4 => (b, month, a),
        // "07 JUN 84" and "JUN 07 84": the day comes before the year.
        (Some((month, _)), [a, b]) => (b, month, a),
        (Some(_), _) => return None,
        (None, [one]) => return compact(one, order, kind, today),
        (None, [a, b, c]) if a.len() == 4 => (a, num(b)?, c),
        (None, [a, b, c]) if order == DateOrder::Ymd && a.len() == 2 && c.len() == 2 => {
            (a, num(b)?, c)
        }
        (None, [a, b, c]) => {
            let (first, second) = (num(a)?, num(b)?);
            let (day_first, month_first) = ((first, second), (second, first));
            let (pref, other) = match order {
                DateOrder::Mdy => (month_first, day_first),
                DateOrder::Dmy | DateOrder::Ymd => (day_first, month_first),
            };
            let year = year(c, kind, today)?;
            return build(year, pref.1, pref.0).or_else(|| build(year, other.1, other.0));
        }
        _ => return None,
    };
    build(year(y, kind, today)?, m, num(d)?)
}

/// An all-digit date: `19840607`, or `07061984` / `840607` in the caller's order.
fn compact(
    s: &str,
    order: DateOrder,
    kind: DateKind,
    today: jiff::civil::Date,
) -> Option<jiff::civil::Date> {
    let part = |r: std::ops::Range<usize>| s.get(r);
    match s.len() {
        8 => {
            let ymd = || {
                build(
                    year(part(0..4)?, kind, today)?,
                    num(part(4..6)?)?,
                    num(part(6..8)?)?,
                )
            };
            let yr = year(part(4..8)?, kind, today);
            let other = || match order {
                DateOrder::Mdy => build(yr?, num(part(0..2)?)?, num(part(2..4)?)?),
                _ => build(yr?, num(part(2..4)?)?, num(part(0..2)?)?),
            };
            // A plausible year first wins: 19840607 is 7 June 1984 whatever the order.
            let lead: i32 = part(0..4)?.parse().ok()?;
            if (1800..=2200).contains(&lead) {
                ymd().or_else(other)
            } else {
                other()
            }
        }
        6 => {
            let (a, b, c) = (part(0..2)?, part(2..4)?, part(4..6)?);
            match order {
                DateOrder::Ymd => build(year(a, kind, today)?, num(b)?, num(c)?),
                DateOrder::Dmy => build(year(c, kind, today)?, num(b)?, num(a)?),
                DateOrder::Mdy => build(year(c, kind, today)?, num(a)?, num(b)?),
            }
        }
        _ => None,
    }
}

/// Splits into digit runs and letter runs; separators are spaces and `/ . - ,`; anything else is
/// not part of a date.
fn tokenize(text: &str) -> Option<Vec<String>> {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for c in text.chars() {
        let is_digit = c.is_ascii_digit();
        if is_digit || c.is_alphabetic() {
            if !cur.is_empty() && cur_digit != is_digit {
                tokens.push(std::mem::take(&mut cur));
            }
            cur_digit = is_digit;
            cur.push(c);
        } else if matches!(c, ' ' | '/' | '.' | '-' | ',' | '\t' | '\u{00A0}') {
            if !cur.is_empty() {
                tokens.push(std::mem::take(&mut cur));
            }
        } else {
            return None;
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    Some(tokens)
}

fn is_ordinal_suffix(tok: &str) -> bool {
    matches!(tok.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th")
}

/// A month from its English name or abbreviation, or the abbreviations French and German documents
/// print (`JUIN`, `MAI`, `OKT`, `DEZ`, `MÄR`).
fn month_from_name(tok: &str) -> Option<u8> {
    let t = tok.to_uppercase();
    let m = match t.as_str() {
        "JAN" | "JANUARY" | "JANV" | "JANVIER" | "JANUAR" => 1,
        "FEB" | "FEBRUARY" | "FEV" | "FÉV" | "FEVR" | "FÉVR" | "FEVRIER" | "FÉVRIER"
        | "FEBRUAR" => 2,
        "MAR" | "MARCH" | "MARS" | "MÄR" | "MAER" | "MRZ" | "MÄRZ" => 3,
        "APR" | "APRIL" | "AVR" | "AVRIL" => 4,
        "MAY" | "MAI" => 5,
        "JUN" | "JUNE" | "JUIN" | "JUNI" => 6,
        "JUL" | "JULY" | "JUIL" | "JUILLET" | "JULI" => 7,
        "AUG" | "AUGUST" | "AOU" | "AOUT" | "AOÛT" => 8,
        "SEP" | "SEPT" | "SEPTEMBER" | "SEPTEMBRE" => 9,
        "OCT" | "OCTOBER" | "OCTOBRE" | "OKT" | "OKTOBER" => 10,
        "NOV" | "NOVEMBER" | "NOVEMBRE" => 11,
        "DEC" | "DECEMBER" | "DÉC" | "DECEMBRE" | "DÉCEMBRE" | "DEZ" | "DEZEMBER" => 12,
        _ => return None,
    };
    Some(m)
}

/// A day or month number of one or two digits.
fn num(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 2 {
        return None;
    }
    s.parse().ok()
}

/// A four-digit year as written, or a two-digit one with the century the field implies.
fn year(s: &str, kind: DateKind, today: jiff::civil::Date) -> Option<i32> {
    match s.len() {
        4 => s.parse().ok().filter(|y| (1000..=9999).contains(y)),
        2 => {
            let yy: i32 = s.parse().ok()?;
            let this = i32::from(today.year());
            let century = this - this % 100;
            let candidate = century + yy;
            Some(match kind {
                DateKind::Birth if candidate > this => candidate - 100,
                DateKind::Expiry if candidate > this + 50 => candidate - 100,
                DateKind::Expiry if candidate < this - 50 => candidate + 100,
                _ => candidate,
            })
        }
        _ => None,
    }
}

fn build(year: i32, month: u8, day: u8) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: jiff::civil::Date = date(2025, 3, 15);

    #[test]
    fn formats_people_type() {
        let june7 = Some(date(1984, 6, 7));
        let cases = [
            ("1984-06-07", DateOrder::Dmy, june7),
            ("07/06/1984", DateOrder::Dmy, june7),
            ("7.6.1984", DateOrder::Dmy, june7),
            ("07 JUN 1984", DateOrder::Dmy, june7),
            ("07JUN1984", DateOrder::Dmy, june7),
            ("7-Jun-1984", DateOrder::Mdy, june7),
            ("June 7, 1984", DateOrder::Dmy, june7),
            ("June 7th, 1984", DateOrder::Dmy, june7),
            ("7 juin 1984", DateOrder::Dmy, june7),
            ("19840607", DateOrder::Mdy, june7),
            ("07061984", DateOrder::Dmy, june7),
            ("06071984", DateOrder::Mdy, june7),
            ("06/07/1984", DateOrder::Mdy, june7),
            ("1984/6/7", DateOrder::Mdy, june7),
            ("84-06-07", DateOrder::Ymd, june7),
            ("070684", DateOrder::Dmy, june7),
            (" 07 . 06 . 84 ", DateOrder::Dmy, june7),
            ("06/07/1984", DateOrder::Dmy, Some(date(1984, 7, 6))),
            // Only one reading exists, whatever the preferred order.
            ("06/25/1984", DateOrder::Dmy, Some(date(1984, 6, 25))),
            ("25/06/1984", DateOrder::Mdy, Some(date(1984, 6, 25))),
            ("29.02.2000", DateOrder::Dmy, Some(date(2000, 2, 29))),
            ("31/02/1984", DateOrder::Dmy, None),
            ("29.02.2001", DateOrder::Dmy, None),
            ("1984-13-01", DateOrder::Dmy, None),
            ("yesterday", DateOrder::Dmy, None),
            ("07 JUN", DateOrder::Dmy, None),
            ("07 JUN JUL 1984", DateOrder::Dmy, None),
            ("1984", DateOrder::Dmy, None),
            ("7/6/1984 12:00", DateOrder::Dmy, None),
            ("", DateOrder::Dmy, None),
            ("123/4/1984", DateOrder::Dmy, None),
        ];
        for (text, order, expected) in cases {
            assert_eq!(
                parse(text, order, DateKind::Birth, TODAY),
                expected,
                "{text} {order:?}"
            );
        }
    }

    #[test]
    fn two_digit_years_take_the_field_century() {
        let cases = [
            ("01.01.24", DateKind::Birth, date(2024, 1, 1)),
            ("01.01.26", DateKind::Birth, date(1926, 1, 1)),
            ("01.01.35", DateKind::Expiry, date(2035, 1, 1)),
            ("01.01.99", DateKind::Expiry, date(1999, 1, 1)),
        ];
        for (text, kind, expected) in cases {
            assert_eq!(
                parse(text, DateOrder::Dmy, kind, TODAY),
                Some(expected),
                "{text}"
            );
        }
    }
}

//! Policy rules that refuse a document whatever the form says; each can be switched off.

use serde::{Deserialize, Serialize};

use super::form::DocumentType;
use super::verdict::{Refusal, RefusalRule};
use crate::mrz::{Mrz, MrzDate, MrzFormat};

/// Which documents the automatic check refuses. `Default` is the product's current policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Mainland Chinese passports (MRZ nationality `CHN`, document code `P`) cannot pass KYC for
    /// now; Hong Kong (`HKG`) and Macao (`MAC`) documents are not concerned. Default `true`.
    pub refuse_mainland_chinese_passports: bool,
    /// Refuse a document whose expiry date is before the check date. Default `true`.
    pub refuse_expired: bool,
    /// Refuse a holder younger than this many years on the check date. Default `None` (no limit).
    pub minimum_age: Option<u8>,
    /// Only passports are read automatically: any other document (by the typed document type, or by
    /// the MRZ document code when none was typed) is refused with the next step
    /// "go for manual verification". Default `true`.
    pub manual_review_for_other_documents: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            refuse_mainland_chinese_passports: true,
            refuse_expired: true,
            minimum_age: None,
            manual_review_for_other_documents: true,
        }
    }
}

/// The latest day a partly unknown date could be: a minimum-age rule passes only a holder who is
/// surely old enough.
fn latest_possible(date: &MrzDate) -> Option<jiff::civil::Date> {
    let year = i16::try_from(date.year?).ok()?;
    let month = date.month.map_or(Some(12), |m| i8::try_from(m).ok())?;
    let first = jiff::civil::Date::new(year, month, 1).ok()?;
    match date.day {
        Some(d) => jiff::civil::Date::new(year, month, i8::try_from(d).ok()?).ok(),
        None => Some(first.last_of_month()),
    }
}

/// Whether the MRZ expiry date is before `today` (an expiry date is the last valid day). A partly
/// unknown expiry date never counts as expired. The French identity card of 1988-2021 has none in
/// its MRZ: its validity is counted from the issue month in its number
/// ([`french_card_valid_until`]).
pub(crate) fn is_expired(mrz: &Mrz, today: jiff::civil::Date) -> bool {
    let last_day = match mrz.format {
        MrzFormat::FrenchId => french_card_valid_until(mrz),
        _ => mrz.fields.expiry_date.value.civil(),
    };
    last_day.is_some_and(|d| d < today)
}

/// The last day a French identity card of 1988-2021 can be valid. Its number starts with the
/// year and month of issue; a card was issued for 10 years, and for 15 to a holder of age from
/// January 2004 (those of 2004-2013 were extended to 15 years in 2014, the later ones issued for
/// 15). The MRZ holds neither the issue day nor the date printed on the card, so the latest the
/// card could run to is taken: the issue month's last day, and 15 years wherever the holder may
/// have been of age by then. `None` where the number holds no issue month of 1988-2021.
fn french_card_valid_until(mrz: &Mrz) -> Option<jiff::civil::Date> {
    let number = mrz.fields.document_number.value.as_bytes();
    let two = |i: usize| -> Option<i16> {
        let d = number.get(i..i + 2)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| i16::from(d[0] - b'0') * 10 + i16::from(d[1] - b'0'))
    };
    let (yy, month) = (two(0)?, two(2)?);
    let year = match yy {
        88..=99 => 1900 + yy,
        0..=21 => 2000 + yy,
        _ => return None,
    };
    let issued = jiff::civil::Date::new(year, i8::try_from(month).ok()?, 1)
        .ok()?
        .last_of_month();
    let birth = latest_possible(&mrz.fields.birth_date.value);
    let of_age_then = birth
        .and_then(|b| b.checked_add(jiff::Span::new().years(18)).ok())
        .is_none_or(|adult| adult <= issued);
    let years = if year >= 2004 && of_age_then { 15 } else { 10 };
    issued.checked_add(jiff::Span::new().years(years)).ok()
}

/// Applies the policy; `birth` is the birth date with the century settled (see `check`).
pub(crate) fn apply(
    policy: &Policy,
    mrz: &Mrz,
    document_type: DocumentType,
    birth: Option<MrzDate>,
    today: jiff::civil::Date,
) -> Vec<Refusal> {
    let mut out = Vec::new();
    if policy.manual_review_for_other_documents && document_type == DocumentType::Other {
        out.push(Refusal {
            rule: RefusalRule::NotAPassport,
            reason: "only passports are checked automatically; this document goes to manual verification"
                .to_string(),
        });
    }
    if policy.refuse_mainland_chinese_passports
        && mrz.fields.nationality.value == "CHN"
        && DocumentType::of_document_code(&mrz.fields.document_code.value) == DocumentType::Passport
    {
        out.push(Refusal {
            rule: RefusalRule::MainlandChinesePassport,
            reason: "mainland chinese passports cannot pass this check for now".to_string(),
        });
    }
    if policy.refuse_expired && is_expired(mrz, today) {
        out.push(Refusal {
            rule: RefusalRule::Expired,
            reason: "the document has expired; please use a valid document".to_string(),
        });
    }
    if let Some(min) = policy.minimum_age {
        let old_enough = birth
            .as_ref()
            .and_then(latest_possible)
            .and_then(|b| b.checked_add(jiff::Span::new().years(i64::from(min))).ok())
            .is_some_and(|adult_on| adult_on <= today);
        if !old_enough {
            out.push(Refusal {
                rule: RefusalRule::UnderMinimumAge,
                reason: format!("the holder must be at least {min} years old, and the document does not show that"),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_french_card_runs_from_its_issue_month_for_10_or_15_years() {
        // (card number, birth date, last day the card can be valid)
        let cases = [
            // 2005-06 to a holder of age: 15 years.
            ("050693202043", "651206", Some(date(2020, 6, 30))),
            // 2019-01 to a holder of age: 15 years.
            ("190175104215", "800317", Some(date(2034, 1, 31))),
            // 2010-03 to a minor: 10 years.
            ("100375104215", "000317", Some(date(2020, 3, 31))),
            // 2003-12, before the 15-year cards: 10 years.
            ("031275104215", "700101", Some(date(2013, 12, 31))),
            // Of age in the issue month, whatever its day: 15 years.
            ("060475104215", "880430", Some(date(2021, 4, 30))),
            // No issue month of 1988-2021 in the number.
            ("451375104215", "700101", None),
            ("301275104215", "700101", None),
        ];
        for (number, birth, until) in cases {
            let l1 = "IDFRABERNARD<<<<<<<<<<<<<<<<<<751042";
            let mut l2 = format!("{number}0CAMILLE<<ROSE<{birth}0F0");
            // The digits are left as they fall: validity does not depend on them.
            l2.truncate(36);
            let mrz = crate::mrz::parse_lines(
                &[l1, &l2],
                &crate::mrz::ParseOptions {
                    today: date(2026, 1, 1),
                    repair: false,
                    ..crate::mrz::ParseOptions::default()
                },
            )
            .unwrap();
            assert_eq!(mrz.format, MrzFormat::FrenchId, "{number}");
            assert_eq!(french_card_valid_until(&mrz), until, "{number} {birth}");
            assert_eq!(
                is_expired(&mrz, date(2026, 1, 1)),
                until.is_some_and(|d| d < date(2026, 1, 1)),
                "{number}"
            );
        }
    }

    #[test]
    fn latest_possible_fills_unknown_parts_late() {
        let cases = [
            (
                MrzDate {
                    year: Some(1984),
                    month: Some(6),
                    day: Some(7),
                },
                Some(date(1984, 6, 7)),
            ),
            (
                MrzDate {
                    year: Some(1984),
                    month: Some(2),
                    day: None,
                },
                Some(date(1984, 2, 29)),
            ),
            (
                MrzDate {
                    year: Some(1984),
                    month: None,
                    day: None,
                },
                Some(date(1984, 12, 31)),
            ),
            (
                MrzDate {
                    year: None,
                    month: Some(1),
                    day: Some(1),
                },
                None,
            ),
            (
                MrzDate {
                    year: Some(1984),
                    month: Some(13),
                    day: Some(1),
                },
                None,
            ),
        ];
        for (d, expected) in cases {
            assert_eq!(latest_possible(&d), expected, "{d:?}");
        }
    }
}

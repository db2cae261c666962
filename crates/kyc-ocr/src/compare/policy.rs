//! Policy rules that refuse a document whatever the form says; each can be switched off.

use serde::{Deserialize, Serialize};

use super::form::DocumentType;
use super::verdict::{Refusal, RefusalRule};
use crate::mrz::{Mrz, MrzDate};

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
/// unknown expiry date never counts as expired.
pub(crate) fn is_expired(mrz: &Mrz, today: jiff::civil::Date) -> bool {
    mrz.fields
        .expiry_date
        .value
        .civil()
        .is_some_and(|d| d < today)
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

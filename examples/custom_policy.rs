//! A custom KYC policy: an adult-only service that accepts ID cards and checks on a fixed date.
//!
//! ```sh
//! cargo run -p kyc-ocr-cli --example custom_policy
//! ```
//!
//! The policy is data ([`Policy`]'s public fields), so a service sets it once and every check
//! applies it; a refusal is a verdict with reasons and next steps, not an error.

use std::error::Error;

use kyc_ocr::compare::{self, CheckOptions, Policy, RawForm, Report};
use kyc_ocr::mrz::{self, ParseOptions};

/// The ICAO 9303 TD1 specimen (an ID card of Utopia, born 1974-08-12, expired 2012-04-15).
const ID_CARD: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

/// Checks the specimen ID card on `today` under `policy`.
fn check_on(today: jiff::civil::Date, policy: Policy) -> Result<Report, Box<dyn Error>> {
    let options = CheckOptions {
        policy,
        today,
        ..CheckOptions::default()
    };
    let parsed = mrz::parse_lines(
        &ID_CARD,
        &ParseOptions {
            today,
            ..ParseOptions::default()
        },
    )?;
    let form = RawForm {
        surname: Some("Eriksson".into()),
        given_names: Some("Anna Maria".into()),
        birth_date: Some("1974-08-12".into()),
        ..RawForm::default()
    }
    .parse(&options)?;
    Ok(compare::check(&parsed, &form, &options))
}

/// ID cards accepted, holders 18 or older, expired documents refused.
fn adult_id_cards() -> Policy {
    Policy {
        minimum_age: Some(18),
        manual_review_for_other_documents: false,
        ..Policy::default()
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    for (what, today, policy) in [
        (
            "default policy",
            jiff::civil::date(2010, 1, 1),
            Policy::default(),
        ),
        (
            "adult id cards, 2010",
            jiff::civil::date(2010, 1, 1),
            adult_id_cards(),
        ),
        (
            "adult id cards, 1990",
            jiff::civil::date(1990, 1, 1),
            adult_id_cards(),
        ),
        (
            "adult id cards, 2020",
            jiff::civil::date(2020, 1, 1),
            adult_id_cards(),
        ),
    ] {
        let report = check_on(today, policy)?;
        println!("{what}: {} ({})", report.verdict.name(), report.summary);
        for r in &report.refusals {
            println!("  refused: {}", r.reason);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyc_ocr::compare::Verdict;

    #[test]
    fn the_policy_decides_the_verdict() {
        let d = jiff::civil::date;
        let cases = [
            // By default an ID card goes to manual verification.
            (d(2010, 1, 1), Policy::default(), Verdict::Refused),
            (d(2010, 1, 1), adult_id_cards(), Verdict::Consistent),
            // 15 years old in 1990: under the minimum age.
            (d(1990, 1, 1), adult_id_cards(), Verdict::Refused),
            // Expired in 2012.
            (d(2020, 1, 1), adult_id_cards(), Verdict::Refused),
        ];
        for (today, policy, want) in cases {
            let report = check_on(today, policy).unwrap();
            assert_eq!(report.verdict, want, "{today}: {}", report.summary);
        }
    }
}

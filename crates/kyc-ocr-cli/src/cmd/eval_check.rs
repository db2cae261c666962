//! `kyc-ocr eval --check`: what the read means for the KYC prompt. Each document is checked
//! against six forms built from its truth: the form as the holder would type it (a prompt is a
//! needless one), the same with a typo in the surname, with one surname letter swapped for its
//! look-alike (`E`/`F`, `M`/`N`), with the birth date one day off, with the expiry date one day
//! off, and with one character of the
//! document number swapped for a look-alike its check digit cannot tell from it (`6`/`G`, both 6
//! modulo 10): a "consistent" on any of those is a compliance failure.
//!
//! Where the read's names differ from the truth, a seventh form types them as read: the worst
//! case of a look-alike or a typo, one that lands exactly on the recogniser's misreading. Its
//! "consistent" is counted apart (`misread_consistent`), since a customer types what the
//! document says, not what the engine read.

use kyc_ocr::compare::{self, CheckOptions, FieldStatus, Policy, RawForm, Verdict};
use kyc_ocr::mrz::{Mrz, MrzDate, ParseOptions, Sex};
use serde::Serialize;
use serde_json::Value;

/// Letters a reader (or a recogniser) confuses, in both directions.
const LOOK_ALIKES: &[(char, char)] = &[
    ('E', 'F'),
    ('M', 'N'),
    ('H', 'N'),
    ('O', 'D'),
    ('O', 'Q'),
    ('C', 'G'),
    ('U', 'V'),
    ('I', 'J'),
    ('I', 'L'),
    ('P', 'R'),
    ('B', 'R'),
    ('K', 'X'),
];

/// Look-alikes of equal check-digit value (modulo 10: `6` and `G` are 6 and 16), in both
/// directions: a check digit holds whichever of the two a document number has.
const SAME_VALUE_LOOK_ALIKES: &[(char, char)] = &[('6', 'G'), ('8', 'S'), ('1', 'L'), ('0', 'U')];

/// Verdict counts of one group of documents.
#[derive(Debug, Default, Clone, Serialize)]
pub struct CheckTally {
    /// Documents whose truth gives a usable form.
    pub items: usize,
    /// The holder's own form: "consistent" (the wanted outcome).
    pub truthful_consistent: usize,
    /// The holder's own form: a prompt, each one a needless manual review.
    pub truthful_prompt: usize,
    /// The holder's own form: "unreadable" (no valid MRZ, a new image is asked for).
    pub truthful_unreadable: usize,
    /// A surname typo: wrongly "consistent".
    pub typo_consistent: usize,
    /// Documents with a full birth date, checked against it typed one day later.
    pub date_items: usize,
    /// A birth date typed one day off: wrongly "consistent".
    pub date_typo_consistent: usize,
    /// Documents with a full expiry date, checked against it typed one day later.
    pub expiry_items: usize,
    /// An expiry date typed one day off: wrongly "consistent".
    pub expiry_typo_consistent: usize,
    /// Documents whose surname has a letter with a look-alike.
    pub look_alike_items: usize,
    /// A look-alike letter swapped in the surname: wrongly "consistent".
    pub look_alike_consistent: usize,
    /// Documents whose number has a character with a look-alike of the same check-digit value.
    pub number_look_alike_items: usize,
    /// Such a look-alike swapped in the document number: wrongly "consistent".
    pub number_look_alike_consistent: usize,
    /// Documents whose read surname or given names differ from the truth.
    pub misread_items: usize,
    /// The holder's form with the names as misread: "consistent", where a check digit never
    /// covers a name and only the image's doubt can stop it.
    pub misread_consistent: usize,
    /// Those misread forms, `image: typed names (true names)`.
    pub misread_consistent_forms: Vec<String>,
    /// The perturbed forms found consistent, with their image: `image: typed (true)` for a
    /// surname, `image: birth date D` for a date.
    pub wrongly_consistent: Vec<String>,
    /// The holder's own forms that prompted, with their image and the fields that differed
    /// (`image: surname, given_names`): where to look when tuning the check.
    pub needless_prompts: Vec<String>,
}

impl CheckTally {
    pub fn add(&mut self, o: &CheckTally) {
        self.items += o.items;
        self.truthful_consistent += o.truthful_consistent;
        self.truthful_prompt += o.truthful_prompt;
        self.truthful_unreadable += o.truthful_unreadable;
        self.typo_consistent += o.typo_consistent;
        self.date_items += o.date_items;
        self.date_typo_consistent += o.date_typo_consistent;
        self.expiry_items += o.expiry_items;
        self.expiry_typo_consistent += o.expiry_typo_consistent;
        self.look_alike_items += o.look_alike_items;
        self.look_alike_consistent += o.look_alike_consistent;
        self.number_look_alike_items += o.number_look_alike_items;
        self.number_look_alike_consistent += o.number_look_alike_consistent;
        self.misread_items += o.misread_items;
        self.misread_consistent += o.misread_consistent;
        self.misread_consistent_forms
            .extend(o.misread_consistent_forms.iter().cloned());
        self.wrongly_consistent
            .extend(o.wrongly_consistent.iter().cloned());
        self.needless_prompts
            .extend(o.needless_prompts.iter().cloned());
    }

    pub fn summary(&self) -> Value {
        let rate = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        serde_json::json!({
            "counts": self,
            "consistent_rate": rate(self.truthful_consistent, self.items),
            "needless_prompt_rate": rate(self.truthful_prompt, self.items),
            "unreadable_rate": rate(self.truthful_unreadable, self.items),
            "typo_consistent_rate": rate(self.typo_consistent, self.items),
            "date_typo_consistent_rate": rate(self.date_typo_consistent, self.date_items),
            "expiry_typo_consistent_rate": rate(self.expiry_typo_consistent, self.expiry_items),
            "look_alike_consistent_rate": rate(self.look_alike_consistent, self.look_alike_items),
            "number_look_alike_consistent_rate":
                rate(self.number_look_alike_consistent, self.number_look_alike_items),
            "misread_consistent_rate": rate(self.misread_consistent, self.misread_items),
        })
    }
}

/// The check options of the evaluation: every policy refusal off (they judge the document, not
/// the read), and a fixed date so that a run can be repeated.
fn options() -> CheckOptions {
    CheckOptions {
        policy: Policy {
            refuse_mainland_chinese_passports: false,
            refuse_expired: false,
            minimum_age: None,
            manual_review_for_other_documents: false,
        },
        today: jiff::civil::date(2026, 1, 1),
        ..CheckOptions::default()
    }
}

fn iso(d: &MrzDate) -> Option<String> {
    d.civil().map(|c| c.to_string())
}

/// The form the holder of `truth` would type.
fn form(truth: &Mrz) -> RawForm {
    let f = &truth.fields;
    RawForm {
        surname: Some(f.surname.value.clone()),
        given_names: Some(f.given_names.value.clone()).filter(|g| !g.is_empty()),
        document_number: Some(f.document_number.value.replace('<', "")),
        nationality: Some(f.nationality.value.clone()),
        birth_date: iso(&f.birth_date.value),
        expiry_date: iso(&f.expiry_date.value),
        sex: match f.sex.value {
            Sex::Male => Some("M".into()),
            Sex::Female => Some("F".into()),
            _ => None,
        },
        ..RawForm::default()
    }
}

/// A deterministic number from the image name, to place the perturbations.
fn seed(name: &str) -> usize {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) as usize
}

/// Checks the read against the forms built from `truth_lines`; `None` when the truth does not
/// parse into a form the checker accepts (it then says nothing about the read).
pub fn check_document(
    read: Option<&Mrz>,
    truth_lines: &[String],
    name: &str,
) -> Option<CheckTally> {
    let opts = options();
    let parse = ParseOptions {
        today: opts.today,
        ..ParseOptions::default()
    };
    let truth = kyc_ocr::mrz::parse_lines(truth_lines, &parse).ok()?;
    let surname = truth.fields.surname.value.clone();
    let letters: Vec<(usize, char)> = surname
        .char_indices()
        .filter(|(_, c)| c.is_ascii_uppercase())
        .collect();
    if letters.is_empty() {
        return None;
    }
    let mut raw = form(&truth);
    // A nationality the country table does not know (the generator's UTO) is left off the form.
    let holders = match raw.parse(&opts) {
        Ok(parsed) => parsed,
        Err(_) => {
            raw.nationality = None;
            raw.parse(&opts).ok()?
        }
    };
    let verdict = |form: &RawForm| -> Verdict {
        let Some(m) = read else {
            return Verdict::Unreadable;
        };
        match form.parse(&opts) {
            Ok(f) => compare::check(m, &f, &opts).verdict,
            Err(_) => Verdict::Prompt,
        }
    };
    let mut t = CheckTally {
        items: 1,
        ..CheckTally::default()
    };
    match read.map(|m| compare::check(m, &holders, &opts)) {
        None => t.truthful_unreadable = 1,
        Some(r) => match r.verdict {
            Verdict::Consistent => t.truthful_consistent = 1,
            Verdict::Unreadable => t.truthful_unreadable = 1,
            _ => {
                t.truthful_prompt = 1;
                // The fields that differ, then those the image does not confirm.
                let fields: Vec<String> = r
                    .mismatches
                    .iter()
                    .map(|m| m.field.to_string())
                    .chain(
                        r.fields
                            .iter()
                            .filter(|f| f.status == FieldStatus::Unsure)
                            .map(|f| format!("{} (unsure)", f.field)),
                    )
                    .collect();
                t.needless_prompts
                    .push(format!("{name}: {}", fields.join(", ")));
            }
        },
    }
    let s = seed(name);
    // A perturbed form found consistent is a compliance failure, listed with what was typed.
    let mut wrongly = Vec::new();
    let mut judge = |f: &RawForm, typed: String| -> usize {
        let consistent = verdict(f) == Verdict::Consistent;
        if consistent {
            wrongly.push(format!("{name}: {typed}"));
        }
        usize::from(consistent)
    };
    // A typo: a letter replaced by another, neither the same nor its look-alike.
    let (at, old) = letters[s % letters.len()];
    let mut typo = char::from(b'A' + ((s / 7) % 26) as u8);
    while typo == old || LOOK_ALIKES.contains(&(old, typo)) || LOOK_ALIKES.contains(&(typo, old)) {
        typo = char::from(b'A' + (typo as u8 - b'A' + 1) % 26);
    }
    let mut f = raw.clone();
    f.surname = Some(replaced(&surname, at, typo));
    t.typo_consistent = judge(&f, format!("{} ({surname})", replaced(&surname, at, typo)));
    // Each date one day off (a slip on the day): its digits and check digit must not pass.
    let next_day = |date: &MrzDate| date.civil().and_then(|d| d.tomorrow().ok());
    if let Some(d) = next_day(&truth.fields.birth_date.value) {
        let mut f = raw.clone();
        f.birth_date = Some(d.to_string());
        t.date_items = 1;
        t.date_typo_consistent = judge(&f, format!("birth date {d}"));
    }
    if let Some(d) = next_day(&truth.fields.expiry_date.value) {
        let mut f = raw.clone();
        f.expiry_date = Some(d.to_string());
        t.expiry_items = 1;
        t.expiry_typo_consistent = judge(&f, format!("expiry date {d}"));
    }
    // A look-alike: the first letter (from a seeded start) that has one.
    let swaps = look_alike_swaps(LOOK_ALIKES, letters.iter().copied());
    if !swaps.is_empty() {
        let (at, other) = swaps[(s / 31) % swaps.len()];
        let mut f = raw.clone();
        f.surname = Some(replaced(&surname, at, other));
        t.look_alike_items = 1;
        t.look_alike_consistent =
            judge(&f, format!("{} ({surname})", replaced(&surname, at, other)));
    }
    // A document number with a look-alike of the same check-digit value (from a seeded start):
    // nothing but the image tells the two apart.
    let number = truth.fields.document_number.value.clone();
    let swaps = look_alike_swaps(SAME_VALUE_LOOK_ALIKES, number.char_indices());
    if !swaps.is_empty() && raw.document_number.is_some() {
        let (at, other) = swaps[(s / 37) % swaps.len()];
        let swapped = replaced(&number, at, other);
        let mut f = raw.clone();
        f.document_number = Some(swapped.clone());
        t.number_look_alike_items = 1;
        t.number_look_alike_consistent = judge(&f, format!("document number {swapped} ({number})"));
    }
    t.wrongly_consistent = wrongly;
    // The names as misread, the rest as the holder types it.
    if let Some(m) = read {
        let (sur, given) = (&m.fields.surname.value, &m.fields.given_names.value);
        let (true_sur, true_given) = (&truth.fields.surname.value, &truth.fields.given_names.value);
        if (sur, given) != (true_sur, true_given) {
            let mut f = raw.clone();
            f.surname = Some(sur.clone());
            f.given_names = Some(given.clone()).filter(|g| !g.is_empty());
            t.misread_items = 1;
            if verdict(&f) == Verdict::Consistent {
                t.misread_consistent = 1;
                t.misread_consistent_forms.push(format!(
                    "{name}: {sur} / {given} ({true_sur} / {true_given})"
                ));
            }
        }
    }
    Some(t)
}

/// `text` with its character at `at` (a character index) replaced by `c`.
fn replaced(text: &str, at: usize, c: char) -> String {
    text.chars()
        .enumerate()
        .map(|(i, x)| if i == at { c } else { x })
        .collect()
}

/// The characters of `chars` (index, character) that have a look-alike among `pairs`, either
/// way round, with that look-alike.
fn look_alike_swaps(
    pairs: &[(char, char)],
    chars: impl Iterator<Item = (usize, char)>,
) -> Vec<(usize, char)> {
    chars
        .filter_map(|(i, c)| {
            pairs
                .iter()
                .find_map(|&(a, b)| (a == c).then_some(b).or((b == c).then_some(a)))
                .map(|other| (i, other))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn lines(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_true_read_is_consistent_only_for_the_true_form() {
        let truth = lines(&TD3);
        let read = kyc_ocr::mrz::parse_lines(&TD3, &ParseOptions::default()).unwrap();
        let t = check_document(Some(&read), &truth, "a.jpg").unwrap();
        assert_eq!(
            (
                t.truthful_consistent,
                t.typo_consistent,
                t.look_alike_items,
                t.look_alike_consistent,
                t.date_items,
                t.date_typo_consistent,
                t.number_look_alike_items,
                t.number_look_alike_consistent,
                t.expiry_items,
                t.expiry_typo_consistent
            ),
            (1, 0, 1, 0, 1, 0, 1, 0, 1, 0)
        );
    }

    /// A read that took the number's 6 for a G (the check digits hold either way) is found
    /// consistent with a form that typed the G: the form the tally exists to catch.
    #[test]
    fn a_number_look_alike_the_read_shares_is_wrongly_consistent() {
        let name = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let truth = lines(&[name, "AB6C234572UTO7408122F1204159ZE184226B<<<<<18"]);
        let right = kyc_ocr::mrz::parse_lines(&truth, &ParseOptions::default()).unwrap();
        let t = check_document(Some(&right), &truth, "a.jpg").unwrap();
        assert_eq!(
            (t.number_look_alike_items, t.number_look_alike_consistent),
            (1, 0)
        );
        let misread = [name, "ABGC234572UTO7408122F1204159ZE184226B<<<<<18"];
        let read = kyc_ocr::mrz::parse_lines(&misread, &ParseOptions::default()).unwrap();
        assert!(read.is_valid(), "the check digits cannot tell 6 from G");
        let t = check_document(Some(&read), &truth, "a.jpg").unwrap();
        assert_eq!(t.number_look_alike_consistent, 1);
        assert_eq!(
            t.wrongly_consistent,
            ["a.jpg: document number ABGC23457 (AB6C23457)"]
        );
    }

    #[test]
    fn a_misread_surname_prompts_and_no_read_is_unreadable() {
        let truth = lines(&TD3);
        let misread = ["P<UTOERIKSSQN<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]];
        let read = kyc_ocr::mrz::parse_lines(&misread, &ParseOptions::default()).unwrap();
        let t = check_document(Some(&read), &truth, "a.jpg").unwrap();
        assert_eq!((t.truthful_consistent, t.truthful_prompt), (0, 1));
        assert_eq!(t.needless_prompts, ["a.jpg: surname"]);
        let t = check_document(None, &truth, "a.jpg").unwrap();
        assert_eq!(t.truthful_unreadable, 1);
    }

    /// The names as misread make a seventh form; a read that takes plain text as certain finds
    /// it consistent, and a right read, or none, makes no such form.
    #[test]
    fn a_form_typed_as_misread_is_counted_apart() {
        let truth = lines(&TD3);
        let misread = ["P<UTOERIKSSQN<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]];
        let read = kyc_ocr::mrz::parse_lines(&misread, &ParseOptions::default()).unwrap();
        let t = check_document(Some(&read), &truth, "a.jpg").unwrap();
        assert_eq!((t.misread_items, t.misread_consistent), (1, 1));
        assert_eq!(
            t.misread_consistent_forms,
            ["a.jpg: ERIKSSQN / ANNA MARIA (ERIKSSON / ANNA MARIA)"]
        );
        assert!(t.wrongly_consistent.is_empty(), "counted apart");
        let right = kyc_ocr::mrz::parse_lines(&truth, &ParseOptions::default()).unwrap();
        for r in [Some(&right), None] {
            let t = check_document(r, &truth, "a.jpg").unwrap();
            assert_eq!((t.misread_items, t.misread_consistent), (0, 0));
        }
    }
}

//! Name comparison: typed names against the MRZ name field, through every ICAO 9303 Part 3
//! transliteration, with truncation, spacing, swaps, missing parts and typos told apart.

use super::verdict::{FieldName, FieldResult, FieldStatus, Mismatch, MismatchKind};
use crate::translit::{Spelling, MAX_VARIANTS};

/// The MRZ name, parts separated by `<` as the MRZ writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocName {
    pub surname: String,
    pub given: String,
    /// The name field is full: its last part may be cut short.
    pub truncated: bool,
}

impl DocName {
    /// From the parsed values (parts joined by spaces).
    pub fn new(surname: &str, given: &str, truncated: bool) -> DocName {
        let mrz = |s: &str| s.split_whitespace().collect::<Vec<_>>().join("<");
        DocName {
            surname: mrz(surname),
            given: mrz(given),
            truncated,
        }
    }

    /// The surname is what the truncation cut when there are no given names.
    fn surname_prefix(&self) -> bool {
        self.truncated && self.given.is_empty()
    }

    fn given_prefix(&self) -> bool {
        self.truncated && !self.given.is_empty()
    }

    pub fn display_surname(&self) -> String {
        self.surname.replace('<', " ")
    }

    pub fn display_given(&self) -> String {
        self.given.replace('<', " ")
    }

    /// `SURNAME, GIVEN NAMES`: unambiguous whichever order the customer typed.
    fn display_full(&self) -> String {
        if self.given.is_empty() {
            self.display_surname()
        } else {
            format!("{}, {}", self.display_surname(), self.display_given())
        }
    }
}

/// How a typed part matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartMatch {
    No,
    Exact,
    Variant,
    Truncated,
    Spacing,
}

impl PartMatch {
    fn ok(self) -> bool {
        self != PartMatch::No
    }

    fn note(self) -> Option<&'static str> {
        match self {
            PartMatch::No | PartMatch::Exact => None,
            PartMatch::Variant => Some("matches a transliteration icao 9303 allows"),
            PartMatch::Truncated => {
                Some("the document's name field is full; matched the part it shows")
            }
            PartMatch::Spacing => Some("matches apart from spacing between name parts"),
        }
    }

    /// The more remarkable of two notes, for a name judged in two parts.
    fn worst(self, other: PartMatch) -> PartMatch {
        let rank = |m: PartMatch| match m {
            PartMatch::No => 4,
            PartMatch::Spacing => 3,
            PartMatch::Truncated => 2,
            PartMatch::Variant => 1,
            PartMatch::Exact => 0,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

fn match_part(typed: &Spelling, doc: &str, prefix: bool) -> PartMatch {
    if doc.is_empty() || typed.is_empty() {
        return if doc.is_empty() && typed.is_empty() {
            PartMatch::Exact
        } else {
            PartMatch::No
        };
    }
    if typed.matches(doc) {
        return if typed.recommended() == doc {
            PartMatch::Exact
        } else {
            PartMatch::Variant
        };
    }
    if prefix && typed.is_truncation(doc) {
        return PartMatch::Truncated;
    }
    let bare = typed.without_separators();
    let doc_bare = doc.replace('<', "");
    if bare.matches(&doc_bare) || (prefix && bare.is_truncation(&doc_bare)) {
        return PartMatch::Spacing;
    }
    PartMatch::No
}

/// The smallest Damerau-Levenshtein distance between an allowed spelling and the document text; a
/// truncated document is compared with spellings cut to its length.
///
/// Only spellings within two letters of the document's length can be typos, so only those get the
/// quadratic distance; when there is none, the recommended spelling's distance is reported. This
/// bounds the work for long typed names with many optional letters.
fn distance(typed: &Spelling, doc: &str, prefix: bool) -> usize {
    let cut = |v: &str| -> String {
        if prefix && v.len() > doc.len() {
            v[..doc.len()].to_string()
        } else {
            v.to_string()
        }
    };
    let (shortest, longest) = typed.length_range();
    let shortest = if prefix {
        shortest.min(doc.len())
    } else {
        shortest
    };
    if shortest > doc.len() + 2 || longest + 2 < doc.len() {
        return strsim::damerau_levenshtein(&cut(&typed.recommended()), doc);
    }
    let near = typed
        .variants(MAX_VARIANTS)
        .iter()
        .map(|v| cut(v))
        .filter(|v| v.len().abs_diff(doc.len()) <= 2)
        .map(|v| strsim::damerau_levenshtein(&v, doc))
        .min();
    near.unwrap_or_else(|| strsim::damerau_levenshtein(&cut(&typed.recommended()), doc))
}

/// A difference small enough to be a slip of the keyboard: one edit, or two in a longer name.
fn is_typo(distance: usize, len: usize) -> bool {
    distance == 1 || (distance == 2 && len >= 6)
}

/// The verb form that agrees with the field's label ("given names leave out", "surname leaves out").
fn agree(field: FieldName, singular: &'static str, plural: &'static str) -> &'static str {
    if field == FieldName::GivenNames {
        plural
    } else {
        singular
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Indices of the longer list left over when the shorter is matched against it in order
/// (`eq(short_index, long_index)`), if it matches at all.
fn leftover(short: usize, long: usize, eq: impl Fn(usize, usize) -> bool) -> Option<Vec<usize>> {
    if short >= long {
        return None;
    }
    let mut next = 0;
    let mut rest = Vec::new();
    for j in 0..long {
        if next < short && eq(next, j) {
            next += 1;
        } else {
            rest.push(j);
        }
    }
    (next == short).then_some(rest)
}

/// A mismatch of a name typed in two parts (or a full name against `doc_parts`): a part left out
/// or added, a typo, or simply different.
fn diagnose(
    field: FieldName,
    typed: &str,
    spelling: &Spelling,
    doc_parts: &[&str],
    truncated_index: Option<usize>,
    document: String,
    dist: usize,
) -> Mismatch {
    let typed_parts = spelling.parts();
    let eq = |t: usize, d: usize| {
        match_part(&typed_parts[t], doc_parts[d], truncated_index == Some(d)).ok()
    };
    let mut mismatch = Mismatch {
        field,
        typed: typed.to_string(),
        document,
        kind: MismatchKind::Different,
        distance: Some(dist),
        reason: String::new(),
    };
    if let Some(missing) = leftover(typed_parts.len(), doc_parts.len(), eq) {
        let missing: Vec<&str> = missing.iter().map(|&j| doc_parts[j]).collect();
        mismatch.kind = MismatchKind::MissingPart;
        mismatch.reason = format!(
            "{field} {typed:?} {} {:?}, which the document has",
            agree(field, "leaves out", "leave out"),
            missing.join(" ")
        );
    } else if let Some(extra) = leftover(doc_parts.len(), typed_parts.len(), |d, t| eq(t, d)) {
        let extra: Vec<String> = extra
            .iter()
            .map(|&i| typed_parts[i].recommended())
            .collect();
        mismatch.kind = MismatchKind::MissingPart;
        mismatch.reason = format!(
            "{field} {typed:?} {} {:?}, which the document does not have",
            agree(field, "includes", "include"),
            extra.join(" ")
        );
    } else if is_typo(dist, doc_parts.iter().map(|p| p.len()).sum()) {
        mismatch.kind = MismatchKind::Typo;
        mismatch.reason = format!(
            "{field} {typed:?} differs from the document's {:?} by {dist} letter{} (edit distance {dist}); please check the spelling",
            mismatch.document,
            plural(dist)
        );
    } else {
        mismatch.reason = format!(
            "{field} {typed:?} differs from the document's {:?}",
            mismatch.document
        );
    }
    mismatch
}

fn result(field: FieldName, document: String, typed: &str, m: PartMatch) -> FieldResult {
    FieldResult {
        field,
        document,
        typed: typed.to_string(),
        status: if m.ok() {
            FieldStatus::Match
        } else {
            FieldStatus::Mismatch
        },
        note: m.note().map(str::to_string),
    }
}

/// Compares a surname and/or given names typed in separate fields.
pub(crate) fn compare_parts(
    surname: Option<&str>,
    given: Option<&str>,
    doc: &DocName,
) -> (Vec<FieldResult>, Vec<Mismatch>) {
    let sur = surname.map(|s| (s, Spelling::new(s)));
    let giv = given.map(|g| (g, Spelling::new(g)));
    let sur_m = sur
        .as_ref()
        .map(|(_, sp)| match_part(sp, &doc.surname, doc.surname_prefix()));
    let giv_m = giv
        .as_ref()
        .map(|(_, sp)| match_part(sp, &doc.given, doc.given_prefix()));
    let mut results = Vec::new();
    if let (Some((s, _)), Some(m)) = (&sur, sur_m) {
        results.push(result(FieldName::Surname, doc.display_surname(), s, m));
    }
    if let (Some((g, _)), Some(m)) = (&giv, giv_m) {
        results.push(result(FieldName::GivenNames, doc.display_given(), g, m));
    }
    let sur_bad = sur_m.is_some_and(|m| !m.ok());
    let giv_bad = giv_m.is_some_and(|m| !m.ok());
    if !sur_bad && !giv_bad {
        return (results, Vec::new());
    }

    // Swapped: each typed part matches the other document part (or the one typed part does).
    let sur_as_given = sur
        .as_ref()
        .map(|(_, sp)| match_part(sp, &doc.given, doc.given_prefix()).ok());
    let giv_as_sur = giv
        .as_ref()
        .map(|(_, sp)| match_part(sp, &doc.surname, doc.surname_prefix()).ok());
    let swapped = sur_as_given != Some(false) && giv_as_sur != Some(false) && (sur_bad || giv_bad);
    if swapped && (sur_as_given.is_some() || giv_as_sur.is_some()) {
        let typed = match (&sur, &giv) {
            (Some((s, _)), Some((g, _))) => format!("{s}, {g}"),
            (Some((s, _)), None) => s.to_string(),
            (None, Some((g, _))) => g.to_string(),
            (None, None) => String::new(),
        };
        let field = match (&sur, &giv) {
            (Some(_), Some(_)) => FieldName::Name,
            (Some(_), None) => FieldName::Surname,
            _ => FieldName::GivenNames,
        };
        let reason = format!(
            "surname and given names are swapped: the document's surname is {:?} and its given names are {:?}",
            doc.display_surname(),
            doc.display_given()
        );
        let mismatch = Mismatch {
            field,
            typed,
            document: doc.display_full(),
            kind: MismatchKind::Swapped,
            distance: None,
            reason,
        };
        return (results, vec![mismatch]);
    }

    let mut mismatches = Vec::new();
    let parts_of = |s: &str| -> Vec<String> {
        s.split('<')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    if let (true, Some((s, sp))) = (sur_bad, &sur) {
        let parts = parts_of(&doc.surname);
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let trunc = doc.surname_prefix().then(|| parts.len().saturating_sub(1));
        let dist = distance(sp, &doc.surname, doc.surname_prefix());
        mismatches.push(diagnose(
            FieldName::Surname,
            s,
            sp,
            &parts,
            trunc,
            doc.display_surname(),
            dist,
        ));
    }
    if let (true, Some((g, sp))) = (giv_bad, &giv) {
        let parts = parts_of(&doc.given);
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let trunc = doc.given_prefix().then(|| parts.len().saturating_sub(1));
        let dist = distance(sp, &doc.given, doc.given_prefix());
        mismatches.push(diagnose(
            FieldName::GivenNames,
            g,
            sp,
            &parts,
            trunc,
            doc.display_given(),
            dist,
        ));
    }
    (results, mismatches)
}

/// A full name with more words than this is compared as one surname only.
const MAX_SPLIT_WORDS: usize = 16;

/// Every way a full name typed in one field may divide into (surname, given names): at a comma
/// if there is one, all of it as the surname, and at each word boundary in either order.
pub(crate) fn full_name_splits(typed: &str) -> Vec<(String, String)> {
    let mut splits: Vec<(String, String)> = Vec::new();
    if let Some((s, g)) = typed.split_once(',') {
        splits.push((s.to_string(), g.to_string()));
    }
    let words: Vec<&str> = typed
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let n = words.len();
    splits.push((words.join(" "), String::new()));
    // Real names have a handful of parts; a typed "name" of dozens of words is not one, and
    // trying every split of it would only cost time.
    let n = if n > MAX_SPLIT_WORDS { 1 } else { n };
    for k in 1..n {
        splits.push((words[k..].join(" "), words[..k].join(" ")));
        splits.push((words[..k].join(" "), words[k..].join(" ")));
    }
    splits
}

/// Compares a full name typed in one field, as "GIVEN SURNAME", "SURNAME GIVEN" or
/// "SURNAME, GIVEN".
pub(crate) fn compare_full(typed: &str, doc: &DocName) -> (FieldResult, Option<Mismatch>) {
    let splits = full_name_splits(typed);
    let mut best: Option<usize> = None;
    for (s, g) in &splits {
        let (ss, gs) = (Spelling::new(s), Spelling::new(g));
        let m = match_part(&ss, &doc.surname, doc.surname_prefix()).worst(match_part(
            &gs,
            &doc.given,
            doc.given_prefix(),
        ));
        if m.ok() {
            return (result(FieldName::Name, doc.display_full(), typed, m), None);
        }
        let d = distance(&ss, &doc.surname, doc.surname_prefix())
            + distance(&gs, &doc.given, doc.given_prefix());
        best = Some(best.map_or(d, |b| b.min(d)));
    }
    let dist = best.unwrap_or(0);

    // Missing or added parts, in either order of the document's parts.
    let spelling = Spelling::new(&typed.replace(',', " "));
    let sur_parts: Vec<&str> = doc.surname.split('<').filter(|p| !p.is_empty()).collect();
    let giv_parts: Vec<&str> = doc.given.split('<').filter(|p| !p.is_empty()).collect();
    let mut mismatch = None;
    for given_first in [true, false] {
        let (first, second) = if given_first {
            (&giv_parts, &sur_parts)
        } else {
            (&sur_parts, &giv_parts)
        };
        let parts: Vec<&str> = first.iter().chain(second.iter()).copied().collect();
        // The part the truncation cut is the last part of the MRZ field.
        let last_in_field = if giv_parts.is_empty() {
            sur_parts.len()
        } else {
            sur_parts.len() + giv_parts.len()
        };
        let trunc_field_index = last_in_field.checked_sub(1).filter(|_| doc.truncated);
        let trunc = trunc_field_index.map(|j| {
            if given_first && !giv_parts.is_empty() {
                j - sur_parts.len()
            } else {
                j
            }
        });
        let m = diagnose(
            FieldName::Name,
            typed,
            &spelling,
            &parts,
            trunc,
            doc.display_full(),
            dist,
        );
        if m.kind == MismatchKind::MissingPart {
            mismatch = Some(m);
            break;
        }
        mismatch.get_or_insert(m);
    }
    let mut mismatch = mismatch.unwrap_or_else(|| Mismatch {
        field: FieldName::Name,
        typed: typed.to_string(),
        document: doc.display_full(),
        kind: MismatchKind::Different,
        distance: Some(dist),
        reason: String::new(),
    });
    if mismatch.kind != MismatchKind::MissingPart {
        let len = doc.surname.len() + doc.given.len();
        if is_typo(dist, len) {
            mismatch.kind = MismatchKind::Typo;
            mismatch.reason = format!(
                "name {typed:?} differs from the document's {:?} by {dist} letter{} (edit distance {dist}); please check the spelling",
                mismatch.document,
                plural(dist)
            );
        } else {
            mismatch.kind = MismatchKind::Different;
            mismatch.reason = format!(
                "name {typed:?} differs from the document's {:?}",
                mismatch.document
            );
        }
    }
    (
        result(FieldName::Name, doc.display_full(), typed, PartMatch::No),
        Some(mismatch),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str, g: &str) -> DocName {
        DocName::new(s, g, false)
    }

    #[test]
    fn parts_match_through_every_spelling() {
        let cases = [
            ("Müller", "Jürgen", doc("MUELLER", "JUERGEN"), true),
            ("Muller", "Jurgen", doc("MULLER", "JURGEN"), true),
            ("Müller", "Jürgen", doc("MULLER", "JURGEN"), true),
            ("van der Berg", "Anna", doc("VAN DER BERG", "ANNA"), true),
            ("Vanderberg", "Anna", doc("VAN DER BERG", "ANNA"), true),
            ("Mueller", "Juergen", doc("MULLER", "JURGEN"), false),
            ("Müller", "Jürgen Hans", doc("MUELLER", "JUERGEN"), false),
        ];
        for (s, g, d, ok) in cases {
            let (_, mismatches) = compare_parts(Some(s), Some(g), &d);
            assert_eq!(mismatches.is_empty(), ok, "{s} {g} {mismatches:?}");
        }
    }

    #[test]
    fn mismatches_say_how_they_differ() {
        let d = doc("ERIKSSON", "ANNA MARIA");
        let cases = [
            (
                Some("Anna Maria"),
                Some("Eriksson"),
                FieldName::Name,
                MismatchKind::Swapped,
            ),
            (
                Some("Eriksson"),
                Some("Anna"),
                FieldName::GivenNames,
                MismatchKind::MissingPart,
            ),
            (
                Some("Eriksson"),
                Some("Anna Maria Sofia"),
                FieldName::GivenNames,
                MismatchKind::MissingPart,
            ),
            (
                Some("Eriksen"),
                Some("Anna Maria"),
                FieldName::Surname,
                MismatchKind::Typo,
            ),
            (
                Some("Erikson"),
                None,
                FieldName::Surname,
                MismatchKind::Typo,
            ),
            (
                Some("Johansson"),
                None,
                FieldName::Surname,
                MismatchKind::Different,
            ),
            (
                Some("Anna Maria"),
                None,
                FieldName::Surname,
                MismatchKind::Swapped,
            ),
        ];
        for (s, g, field, kind) in cases {
            let (_, m) = compare_parts(s, g, &d);
            assert_eq!(m.len(), 1, "{s:?} {g:?} {m:?}");
            assert_eq!((m[0].field, m[0].kind), (field, kind), "{s:?} {g:?} {m:?}");
        }
        let (_, m) = compare_parts(Some("Eriksen"), None, &d);
        assert_eq!(
            m[0].reason,
            "surname \"Eriksen\" differs from the document's \"ERIKSSON\" by 2 letters (edit distance 2); please check the spelling"
        );
        let (_, m) = compare_parts(Some("Eriksson"), Some("Anna"), &d);
        assert_eq!(
            m[0].reason,
            "given names \"Anna\" leave out \"MARIA\", which the document has"
        );
    }

    #[test]
    fn full_names_in_either_order() {
        let d = doc("ERIKSSON", "ANNA MARIA");
        for typed in [
            "Anna Maria Eriksson",
            "Eriksson Anna Maria",
            "ERIKSSON, Anna Maria",
            "anna  maria ERIKSSON",
        ] {
            let (r, m) = compare_full(typed, &d);
            assert!(m.is_none(), "{typed}: {m:?}");
            assert_eq!(r.status, FieldStatus::Match);
        }
        let cases = [
            ("Anna Eriksson", MismatchKind::MissingPart),
            ("Anna Maria Eriksen", MismatchKind::Typo),
            ("Sofia Lind", MismatchKind::Different),
        ];
        for (typed, kind) in cases {
            let (_, m) = compare_full(typed, &d);
            assert_eq!(m.map(|m| m.kind), Some(kind), "{typed}");
        }
    }

    #[test]
    fn truncated_names_match_by_prefix() {
        let d = DocName::new("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ANNA MARIA LO", true);
        let (_, m) = compare_parts(
            Some("Abcdefghijklmnopqrstuvwxyz"),
            Some("Anna Maria Louise"),
            &d,
        );
        assert!(m.is_empty(), "{m:?}");
        let (_, m) = compare_full("Anna Maria Louise Abcdefghijklmnopqrstuvwxyz", &d);
        assert!(m.is_none(), "{m:?}");
        let (_, m) = compare_parts(None, Some("Anna Maria Lena"), &d);
        assert_eq!(m[0].kind, MismatchKind::Typo);
    }
}

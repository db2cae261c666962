//! Check-digit-guided repair of OCR confusions.
//!
//! Every position has candidates, best first (from the recogniser, or for plain text the character
//! read plus its letter/digit confusion partners at a fixed penalty). Repair runs in two stages:
//!
//! 1. Class forcing: a character its field cannot hold (`0` in a name, `O` in a date, anything but
//!    `P` as a passport's first character) is replaced by the best candidate the field allows. In
//!    fields no check digit covers this is kept and reported; in covered fields it only seeds
//!    stage 2. (For a scored reading, the parser adds a layout's one admissible document kind,
//!    `P` or `V`, to the first position's candidates, so that it can be forced there.)
//! 2. Check-digit search: for each checked field, assignments that change at most
//!    [`MAX_CHANGES`] positions of the original reading, class-forced ones included (each to one of
//!    its best [`MAX_ALTERNATIVES`] allowed candidates with at least [`MIN_REPAIR_LOG_PROB`], and
//!    at least [`MIN_PAIR_LOG_PROB`] each when two change) and satisfy the field's digit are
//!    collected; then the combination of fields (and composite digit)
//!    with every check valid and the highest total log-probability is chosen. A changed field is
//!    kept only when its own digit and the composite (where the layout has one) confirm it; when
//!    another combination with as many valid digits comes within [`AMBIGUITY_MARGIN`], nothing is
//!    changed; at most [`MAX_CHANGED_FIELDS`] fields change, and a field with more than
//!    [`MAX_CHANGES`] doubtful positions ([`DOUBTFUL_LOG_PROB`]) is left as read. Work is capped at [`MAX_EVALUATIONS`] checks per
//!    field and [`MAX_COMBINATIONS`] composite combinations, so no input can blow up the search.

use super::check_digit;
use super::layout::{CheckDef, Class};
use super::types::{CheckedField, Repair};

/// At most this many positions change within one checked field.
pub(crate) const MAX_CHANGES: usize = 2;
/// At most this many alternatives per position are tried.
pub(crate) const MAX_ALTERNATIVES: usize = 3;
/// At most this many checked fields (the composite digit counting as one) change in one repair:
/// the more fields a search may change, the likelier some combination satisfies the composite by
/// chance (a misplaced zone read as garbage was "confirmed" in four fields at once).
pub(crate) const MAX_CHANGED_FIELDS: usize = 2;
/// A position whose best candidate is below this log-probability (about 60%) is doubtful; a field
/// with more than [`MAX_CHANGES`] doubtful positions is not repaired.
pub(crate) const DOUBTFUL_LOG_PROB: f32 = -0.5;
/// At most this many check-digit evaluations per field.
pub(crate) const MAX_EVALUATIONS: usize = 4000;
/// At most this many confirmed readings kept per field.
const MAX_KEPT: usize = 4;
/// At most this many composite combinations evaluated.
pub(crate) const MAX_COMBINATIONS: usize = 4096;
/// Log-probability given to a confusion partner in plain text (no recogniser scores): about e^-3.
pub(crate) const PLAIN_PENALTY: f32 = -3.0;
/// An alternative below this log-probability (about 5%) is never used by the check-digit search:
/// a character the recogniser gives almost no chance only "fixes" a line into a valid but wrong
/// one. Plain-text confusion partners sit exactly at [`PLAIN_PENALTY`] and stay usable.
pub(crate) const MIN_REPAIR_LOG_PROB: f32 = PLAIN_PENALTY;
/// When one field changes at two positions (a data character and its own check digit, say), each
/// alternative needs at least this log-probability (about 20%): two weak guesses that happen to
/// agree with each other are how check digits get "confirmed" on a wrong value.
pub(crate) const MIN_PAIR_LOG_PROB: f32 = -1.6;
/// A correction is applied only when it is at least this much log-probability (e^1, about 2.7
/// times) likelier than any other correction that satisfies as many check digits: an ambiguous
/// repair is worse than none.
pub(crate) const AMBIGUITY_MARGIN: f32 = 1.0;

/// Letter/digit confusions of OCR-B readers, both directions, plus the filler read as `K`.
pub(crate) fn partners(c: u8) -> &'static [u8] {
    match c {
        b'0' => b"ODQU",
        b'O' | b'D' | b'Q' | b'U' => b"0",
        b'1' => b"IL",
        b'I' | b'L' => b"1",
        b'2' => b"Z",
        b'Z' => b"2",
        b'4' => b"A",
        b'A' => b"4",
        b'5' => b"S",
        b'S' => b"5",
        b'6' => b"G",
        b'G' => b"6",
        b'7' => b"T",
        b'T' => b"7",
        b'8' => b"B",
        b'B' => b"8",
        b'<' => b"K",
        b'K' => b"<",
        _ => b"",
    }
}

/// Candidates of one position, best first: (character, log-probability).
pub(crate) type Cands = Vec<(u8, f32)>;

/// Adds the confusion partners missing from a candidate list, below its worst candidate.
pub(crate) fn with_partners(mut cands: Cands) -> Cands {
    let Some(&(best, _)) = cands.first() else {
        return cands;
    };
    let floor = cands.iter().map(|c| c.1).fold(0.0f32, f32::min) + PLAIN_PENALTY;
    for &p in partners(best) {
        if !cands.iter().any(|c| c.0 == p) {
            cands.push((p, floor));
        }
    }
    cands
}

/// The outcome of repair: the repaired lines, what changed and why, and warnings.
pub(crate) struct Outcome {
    pub lines: Vec<Vec<u8>>,
    pub repairs: Vec<Repair>,
    pub warnings: Vec<String>,
    /// The composite digit was illegible and was computed from the fields it covers
    /// ([`complete_composite`]): it confirms nothing, so no field may lean on it.
    pub completed_composite: bool,
}

/// Repairs `cands` (per line, per position) under `classes` and `checks`.
pub(crate) fn repair(
    cands: &[Vec<Cands>],
    classes: &[Vec<(Class, &'static str)>],
    checks: &[CheckDef],
) -> Outcome {
    let orig: Vec<Vec<u8>> = cands
        .iter()
        .map(|l| l.iter().map(|c| c[0].0).collect())
        .collect();
    let mut out = Outcome {
        lines: orig.clone(),
        repairs: Vec::new(),
        warnings: Vec::new(),
        completed_composite: false,
    };
    let mut protected: Vec<Vec<bool>> = orig.iter().map(|l| vec![false; l.len()]).collect();
    for def in checks {
        for (l, p) in def.positions() {
            protected[l][p] = true;
        }
    }
    let allowed = |l: usize, p: usize| -> Vec<(u8, f32)> {
        let class = classes[l][p].0;
        cands[l][p]
            .iter()
            .copied()
            .filter(|c| class.allows(c.0))
            .collect()
    };

    // Stage 1: class forcing.
    let mut base = orig.clone();
    for (l, line) in orig.iter().enumerate() {
        for (p, &c) in line.iter().enumerate() {
            let (class, key) = classes[l][p];
            if class.allows(c) {
                continue;
            }
            let Some(&(to, _)) = allowed(l, p).first() else {
                continue;
            };
            base[l][p] = to;
            if !protected[l][p] {
                out.lines[l][p] = to;
                out.repairs.push(Repair {
                    line: l,
                    position: p,
                    from: char::from(c),
                    to: char::from(to),
                    field: name_key(key, &orig[l], &classes[l], p).to_string(),
                    reason: format!(
                        "{:?} cannot stand in {} ({} only)",
                        char::from(c),
                        label(key),
                        class.describe()
                    ),
                });
            }
        }
    }

    // Stage 2: nothing to search when every digit holds on the forced text, unless forcing alone
    // changed some field more than a repair may.
    let overforced = checks.iter().any(|d| {
        d.field != CheckedField::Composite
            && d.positions()
                .filter(|&(l, p)| base[l][p] != orig[l][p])
                .count()
                > MAX_CHANGES
    });
    if !overforced && checks.iter().all(|d| d.ok(&base)) {
        let reason = confirm_reason(checks);
        commit(&mut out, &orig, &base, &protected, classes, &reason);
        return out;
    }

    let composite = checks.iter().find(|d| d.field == CheckedField::Composite);
    let fields: Vec<&CheckDef> = checks
        .iter()
        .filter(|d| d.field != CheckedField::Composite)
        .collect();
    // Per field: the original reading, then confirmed alternatives best first.
    let mut options: Vec<Vec<Assignment>> = Vec::with_capacity(fields.len() + 1);
    for def in &fields {
        let positions: Vec<(usize, usize)> = def.positions().collect();
        options.push(field_options(
            &positions,
            &orig,
            &base,
            cands,
            classes,
            |t| def.ok(t),
        ));
    }
    if let Some(c) = composite {
        let pos = vec![c.digit];
        let mut opts = vec![Assignment::of(&pos, &orig, cands)];
        for (ch, lp) in allowed(c.digit.0, c.digit.1)
            .into_iter()
            .take(MAX_ALTERNATIVES)
        {
            if ch != orig[c.digit.0][c.digit.1] {
                opts.push(Assignment {
                    positions: pos.clone(),
                    chars: vec![ch],
                    score: lp,
                    changed: true,
                });
            }
        }
        options.push(opts);
    }

    // Choose the best combination: most valid digits, then highest score; changed fields must be
    // confirmed by their digit and the composite. The runner-up (same count of valid digits, other
    // text) decides whether the choice is clear enough to apply.
    let mut best: Option<(usize, f32, Vec<usize>)> = None;
    let mut runner_up: Option<(usize, f32)> = None;
    let mut idx = vec![0usize; options.len()];
    let mut text = base.clone();
    for _ in 0..MAX_COMBINATIONS {
        for (o, &i) in options.iter().zip(&idx) {
            o[i].apply(&mut text);
        }
        let changed_fields = options
            .iter()
            .zip(&idx)
            .filter(|(o, &i)| o[i].changed)
            .count();
        let any_changed = changed_fields > 0;
        let composite_ok = composite.is_none_or(|c| c.ok(&text));
        let changed_ok = options
            .iter()
            .zip(&idx)
            .zip(fields.iter().map(Some).chain(std::iter::once(None)))
            .all(|((o, &i), def)| !o[i].changed || def.is_none_or(|d| d.ok(&text)) && composite_ok);
        if !any_changed || changed_ok && changed_fields <= MAX_CHANGED_FIELDS {
            let valid = checks.iter().filter(|d| d.ok(&text)).count();
            let score: f32 = options.iter().zip(&idx).map(|(o, &i)| o[i].score).sum();
            match &best {
                Some((bv, bs, _)) if (valid, score) <= (*bv, *bs) => {
                    if runner_up.is_none_or(|r| (valid, score) > r) {
                        runner_up = Some((valid, score));
                    }
                }
                _ => {
                    if let Some((bv, bs, _)) = &best {
                        runner_up = Some((*bv, *bs));
                    }
                    best = Some((valid, score, idx.clone()));
                }
            }
        }
        if !advance(&mut idx, &options) {
            break;
        }
    }
    let mut result = orig.clone();
    if let Some((valid, score, idx)) = best {
        // Distinct combinations give distinct text: each field's options are deduplicated.
        let ambiguous =
            runner_up.is_some_and(|(rv, rs)| rv == valid && score - rs < AMBIGUITY_MARGIN);
        if ambiguous && options.iter().zip(&idx).any(|(o, &i)| o[i].changed) {
            out.warnings.push(
                "several corrections satisfy the check digits equally well; none was applied"
                    .to_string(),
            );
        } else {
            for (o, &i) in options.iter().zip(&idx) {
                o[i].apply(&mut result);
            }
        }
    }
    let reason = confirm_reason(checks);
    commit(&mut out, &orig, &result, &protected, classes, &reason);
    if let Some(c) = composite {
        complete_composite(&mut out, &orig, &base, cands, classes, checks, c);
    }
    out
}

/// A composite digit position where the recogniser gave no digit this much (20%) was not seen,
/// provided it was unsure of whatever it read there too ([`illegible_digit`]): a `<` it is sure
/// of is printed there, and a zone with a filler for a composite is not one to complete.
const ILLEGIBLE_LOG_PROB: f32 = MIN_PAIR_LOG_PROB;

/// Whether the character at `at` was not seen: the recogniser gave no digit a real chance and
/// was unsure of whatever it read there (the end of a line under a thumb, glare or the image's
/// edge, which the recogniser decoded to its length with a guess).
fn illegible_digit(cands: &[Vec<Cands>], at: (usize, usize)) -> bool {
    let c = &cands[at.0][at.1];
    let best = c.first().map_or(f32::NEG_INFINITY, |x| x.1);
    best < DOUBTFUL_LOG_PROB
        && !c
            .iter()
            .any(|x| x.0.is_ascii_digit() && x.1 >= ILLEGIBLE_LOG_PROB)
}

/// Stage 3: a composite digit the recogniser did not see is computed, where that adds no risk
/// of its own. Every other digit must hold on the text as read (no field changed by the search
/// or by class forcing, which only the composite could have confirmed), and every other
/// character the composite covers must have been read at [`DOUBTFUL_LOG_PROB`] or more (a TD1
/// card's optional data has no other digit; a TD3 personal number past the image's edge is
/// guessed as fillers). Then
/// each field stands on its own check digit, as it would on a document with no composite, and
/// the composite is reported as computed, never as read: its confidence stays the recogniser's,
/// so the read is valid but not confident. A line cut by the photo's edge, or a thumb on the
/// zone's last corner, loses exactly this character.
fn complete_composite(
    out: &mut Outcome,
    orig: &[Vec<u8>],
    base: &[Vec<u8>],
    cands: &[Vec<Cands>],
    classes: &[Vec<(Class, &'static str)>],
    checks: &[CheckDef],
    composite: &CheckDef,
) {
    let at = composite.digit;
    if composite.ok(&out.lines) || !illegible_digit(cands, at) {
        return;
    }
    let others: Vec<&CheckDef> = checks
        .iter()
        .filter(|d| d.field != CheckedField::Composite)
        .collect();
    let searched = others
        .iter()
        .any(|d| d.positions().any(|(l, p)| out.lines[l][p] != base[l][p]));
    if searched || !others.iter().all(|d| d.ok(&out.lines)) {
        return;
    }
    // Every other character the composite covers must have been seen: past the image's edge
    // the recogniser guesses fillers, and a personal number of guessed fillers with a guessed
    // filler for its digit passes as absent.
    let clear = composite.positions().filter(|&x| x != at).all(|(l, p)| {
        cands[l][p]
            .first()
            .is_some_and(|c| c.1 >= DOUBTFUL_LOG_PROB)
    });
    if !clear {
        return;
    }
    let digit = composite.expected(&out.lines);
    out.lines[at.0][at.1] = digit;
    out.completed_composite = true;
    out.repairs.push(Repair {
        line: at.0,
        position: at.1,
        from: char::from(orig[at.0][at.1]),
        to: char::from(digit),
        field: classes[at.0][at.1].1.to_string(),
        reason: "not legible; computed from the fields it covers, each confirmed by its own \
                 check digit"
            .to_string(),
    });
    out.repairs.sort_by_key(|r| (r.line, r.position));
}

fn confirm_reason(checks: &[CheckDef]) -> String {
    if checks.iter().any(|d| d.field == CheckedField::Composite) {
        "confirmed by its check digit and the composite check digit".to_string()
    } else {
        "confirmed by its check digit (this layout has no composite)".to_string()
    }
}

/// Writes the protected positions of `chosen` that differ from `orig` into the outcome.
fn commit(
    out: &mut Outcome,
    orig: &[Vec<u8>],
    chosen: &[Vec<u8>],
    protected: &[Vec<bool>],
    classes: &[Vec<(Class, &'static str)>],
    reason: &str,
) {
    for (l, line) in chosen.iter().enumerate() {
        for (p, &c) in line.iter().enumerate() {
            if protected[l][p] && c != orig[l][p] {
                out.lines[l][p] = c;
                out.repairs.push(Repair {
                    line: l,
                    position: p,
                    from: char::from(orig[l][p]),
                    to: char::from(c),
                    field: classes[l][p].1.to_string(),
                    reason: reason.to_string(),
                });
            }
        }
    }
    out.repairs.sort_by_key(|r| (r.line, r.position));
}

/// One reading of a checked field's positions.
#[derive(Debug, Clone)]
struct Assignment {
    positions: Vec<(usize, usize)>,
    chars: Vec<u8>,
    score: f32,
    changed: bool,
}

impl Assignment {
    fn of(positions: &[(usize, usize)], text: &[Vec<u8>], cands: &[Vec<Cands>]) -> Self {
        let chars: Vec<u8> = positions.iter().map(|&(l, p)| text[l][p]).collect();
        let score = positions
            .iter()
            .zip(&chars)
            .map(|(&(l, p), &c)| score_of(cands, l, p, c))
            .sum();
        Assignment {
            positions: positions.to_vec(),
            chars,
            score,
            changed: false,
        }
    }

    fn apply(&self, text: &mut [Vec<u8>]) {
        for (&(l, p), &c) in self.positions.iter().zip(&self.chars) {
            text[l][p] = c;
        }
    }
}

fn score_of(cands: &[Vec<Cands>], l: usize, p: usize, c: u8) -> f32 {
    cands[l][p]
        .iter()
        .find(|x| x.0 == c)
        .map_or(PLAIN_PENALTY * 3.0, |x| x.1)
}

/// The original reading of a field, then up to [`MAX_KEPT`] readings that change at most
/// [`MAX_CHANGES`] positions from the class-forced base and satisfy `ok`, best first.
fn field_options(
    positions: &[(usize, usize)],
    orig: &[Vec<u8>],
    base: &[Vec<u8>],
    cands: &[Vec<Cands>],
    classes: &[Vec<(Class, &'static str)>],
    ok: impl Fn(&[Vec<u8>]) -> bool,
) -> Vec<Assignment> {
    let original = Assignment::of(positions, orig, cands);
    // With more doubtful positions than a repair may change, the digit cannot say which are
    // wrong, and among so many combinations one passes by chance: leave the field as read.
    let doubtful = positions
        .iter()
        .filter(|&&(l, p)| cands[l][p].first().is_some_and(|c| c.1 < DOUBTFUL_LOG_PROB))
        .count();
    if doubtful > MAX_CHANGES {
        return vec![original];
    }
    let mut found: Vec<Assignment> = Vec::new();
    let mut text = base.to_vec();
    // Per position: allowed alternatives to the base character with real probability mass.
    let alts: Vec<Vec<(u8, f32)>> = positions
        .iter()
        .map(|&(l, p)| {
            let class = classes[l][p].0;
            cands[l][p]
                .iter()
                .copied()
                .filter(|&(c, lp)| class.allows(c) && c != base[l][p] && lp >= MIN_REPAIR_LOG_PROB)
                .take(MAX_ALTERNATIVES)
                .collect()
        })
        .collect();
    let mut evaluations = 0usize;
    let same_value = |a: u8, b: u8| check_digit::same_value(char::from(a), char::from(b));
    let mut consider = |text: &[Vec<u8>], found: &mut Vec<Assignment>| {
        evaluations += 1;
        // A search change of equal value modulo 10 (`<` for `K`) is invisible to every digit: it
        // can never be confirmed, only tie with a real correction elsewhere.
        let mut searched = positions
            .iter()
            .filter(|&&(l, p)| text[l][p] != base[l][p])
            .peekable();
        let invisible =
            searched.peek().is_some() && searched.all(|&(l, p)| same_value(text[l][p], base[l][p]));
        if !invisible && ok(text) {
            let mut a = Assignment::of(positions, text, cands);
            // Class-forced characters count too: a field that needs more than MAX_CHANGES
            // characters changed was misread beyond what a check digit can vouch for.
            let changes = a
                .chars
                .iter()
                .zip(&original.chars)
                .filter(|(x, y)| x != y)
                .count();
            a.changed = changes > 0;
            if a.changed && changes <= MAX_CHANGES {
                found.push(a);
            }
        }
        evaluations < MAX_EVALUATIONS
    };
    'search: {
        if !consider(&text, &mut found) {
            break 'search;
        }
        for i in 0..positions.len() {
            let (li, pi) = positions[i];
            for &(a, lpa) in &alts[i] {
                text[li][pi] = a;
                if !consider(&text, &mut found) {
                    text[li][pi] = base[li][pi];
                    break 'search;
                }
                if MAX_CHANGES >= 2 && lpa >= MIN_PAIR_LOG_PROB {
                    for j in i + 1..positions.len() {
                        let (lj, pj) = positions[j];
                        for &(b, lpb) in &alts[j] {
                            if lpb < MIN_PAIR_LOG_PROB {
                                continue;
                            }
                            text[lj][pj] = b;
                            let go = consider(&text, &mut found);
                            text[lj][pj] = base[lj][pj];
                            if !go {
                                text[li][pi] = base[li][pi];
                                break 'search;
                            }
                        }
                    }
                }
            }
            text[li][pi] = base[li][pi];
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found.dedup_by(|a, b| a.chars == b.chars);
    found.truncate(MAX_KEPT);
    let mut v = Vec::with_capacity(found.len() + 1);
    v.push(original);
    v.extend(found);
    v
}

/// Steps the mixed-radix counter `idx`; false once every combination was visited.
fn advance(idx: &mut [usize], options: &[Vec<Assignment>]) -> bool {
    for (i, o) in idx.iter_mut().zip(options) {
        *i += 1;
        if *i < o.len() {
            return true;
        }
        *i = 0;
    }
    false
}

/// The name field splits into surname and given names at the first `<<`.
pub(crate) fn name_key(
    key: &'static str,
    line: &[u8],
    classes: &[(Class, &'static str)],
    p: usize,
) -> &'static str {
    if key != "name" {
        return key;
    }
    let start = classes.iter().position(|c| c.1 == "name").unwrap_or(0);
    match line[start..].windows(2).position(|w| w == b"<<") {
        Some(sep) if p >= start + sep => "given_names",
        _ => "surname",
    }
}

/// Field keys for people.
pub(crate) fn label(key: &str) -> &'static str {
    match key {
        "document_code" => "document code",
        "issuing_state" => "issuing state",
        "name" | "surname" | "given_names" => "name",
        "document_number" => "document number",
        "nationality" => "nationality",
        "birth_date" => "date of birth",
        "sex" => "sex",
        "expiry_date" => "date of expiry",
        "optional_data" | "optional_data_2" => "optional data",
        _ => "check digit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::layout::Layout;
    use crate::mrz::MrzFormat;

    /// The ICAO 9303 TD3 specimen.
    const SPECIMEN: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    /// The specimen read with every character certain.
    fn certain() -> Vec<Vec<Cands>> {
        SPECIMEN
            .iter()
            .map(|l| l.bytes().map(|b| vec![(b, 0.0)]).collect())
            .collect()
    }

    /// Repairs `cands` under the TD3 layout.
    fn repair_td3(cands: &[Vec<Cands>]) -> Outcome {
        let layout = Layout::of(MrzFormat::Td3);
        repair(cands, &layout.classes(None), &layout.checks(None))
    }

    #[test]
    fn partners_are_symmetric() {
        for c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<" {
            for &p in partners(*c) {
                assert!(partners(p).contains(c), "{} -> {}", *c as char, p as char);
            }
        }
    }

    #[test]
    fn with_partners_appends_below_worst() {
        let cases: &[(Cands, Cands)] = &[
            (vec![(b'O', -0.1)], vec![(b'O', -0.1), (b'0', -3.1)]),
            (
                vec![(b'O', -0.1), (b'0', -1.0)],
                vec![(b'O', -0.1), (b'0', -1.0)],
            ),
            (vec![(b'X', 0.0)], vec![(b'X', 0.0)]),
            (vec![], vec![]),
        ];
        for (input, expect) in cases {
            assert_eq!(&with_partners(input.clone()), expect);
        }
    }

    #[test]
    fn a_field_needing_more_than_two_changes_is_left_as_read() {
        let cands = |edits: &[(usize, &[(u8, f32)])]| -> Vec<Vec<Cands>> {
            let mut c = certain();
            for &(p, alts) in edits {
                c[1][p] = alts.to_vec();
            }
            c
        };
        // (case, edits on line 2, repaired line 2)
        type Case<'a> = (&'a str, Vec<(usize, &'a [(u8, f32)])>, &'a str);
        let cases: [Case; 2] = [
            (
                "two letters in the date: forced, confirmed by both digits",
                vec![
                    (14, &[(b'A', -0.1), (b'4', -1.0)]),
                    (17, &[(b'I', -0.1), (b'1', -1.0)]),
                ],
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ),
            (
                "three letters in the date: left as read",
                vec![
                    (14, &[(b'A', -0.1), (b'4', -1.0)]),
                    (17, &[(b'I', -0.1), (b'1', -1.0)]),
                    (18, &[(b'Z', -0.1), (b'2', -1.0)]),
                ],
                "L898902C36UTO7A08IZ2F1204159ZE184226B<<<<<10",
            ),
        ];
        for (name, edits, want) in cases {
            let out = repair_td3(&cands(&edits));
            assert_eq!(String::from_utf8_lossy(&out.lines[1]), want, "{name}");
        }
    }

    #[test]
    fn at_most_two_fields_change() {
        // Number, birth date and expiry each misread once, each with the truth as a strong
        // runner-up: three fields would have to change, so nothing does.
        let edits: [(usize, u8, u8); 3] = [(1, b'3', b'8'), (16, b'3', b'8'), (26, b'3', b'5')];
        for n in [2, 3] {
            let mut c = certain();
            for &(p, read, truth) in &edits[..n] {
                c[1][p] = vec![(read, -0.3), (truth, -1.0)];
            }
            let out = repair_td3(&c);
            let repaired = String::from_utf8_lossy(&out.lines[1]) == SPECIMEN[1];
            assert_eq!(repaired, n == 2, "{n} fields misread: {:?}", out.repairs);
        }
    }

    #[test]
    fn a_field_with_many_doubtful_positions_is_left_as_read() {
        // The number misread at position 2 with the truth as runner-up; `extra` more of its
        // positions are read right but doubtfully.
        for extra in [0, 1, 2] {
            let mut c = certain();
            c[1][1] = vec![(b'3', -0.6), (b'8', -1.0)];
            for p in [4, 6].iter().take(extra) {
                let b = SPECIMEN[1].as_bytes()[*p];
                c[1][*p] = vec![(b, -0.6), (b'X', -1.0)];
            }
            let out = repair_td3(&c);
            let repaired = String::from_utf8_lossy(&out.lines[1]) == SPECIMEN[1];
            assert_eq!(
                repaired,
                extra < 2,
                "{extra} more doubtful: {:?}",
                out.repairs
            );
        }
    }

    #[test]
    fn an_invisible_swap_elsewhere_does_not_block_a_repair() {
        let mut c = certain();
        // The composite digit misread (1 for 0), and a filler of the personal number that may be
        // a K (equal value: no digit can tell, so it must not count as a rival correction).
        c[1][43] = vec![(b'1', -0.3), (b'0', -1.5)];
        c[1][38] = vec![(b'<', -0.5), (b'K', -1.0)];
        let out = repair_td3(&c);
        assert_eq!(
            String::from_utf8_lossy(&out.lines[1]),
            SPECIMEN[1],
            "{:?}",
            out.warnings
        );
        assert_eq!(out.repairs.len(), 1);
    }

    #[test]
    fn an_illegible_composite_is_computed_only_where_every_field_holds_on_its_own() {
        let ln = |p: f32| p.ln();
        // (case, composite candidates, another edit on line 2, completed)
        type Case<'a> = (&'a str, Cands, Option<(usize, Cands)>, bool);
        let cases: [Case; 5] = [
            (
                "nothing seen at the zone's last corner",
                vec![(b'<', ln(0.05))],
                None,
                true,
            ),
            (
                "a weak guess of the wrong digit is not a reading",
                vec![(b'<', ln(0.3)), (b'7', ln(0.1))],
                None,
                true,
            ),
            (
                "a filler the recogniser is sure of is printed there",
                vec![(b'<', ln(0.9))],
                None,
                false,
            ),
            (
                "a digit it gives a real chance is read, and it does not hold",
                vec![(b'<', ln(0.4)), (b'7', ln(0.3))],
                None,
                false,
            ),
            (
                "a field repaired by the search would have nothing to confirm it",
                vec![(b'<', ln(0.05))],
                Some((1, vec![(b'3', ln(0.55)), (b'8', ln(0.4))])),
                false,
            ),
        ];
        for (name, composite, edit, completed) in cases {
            let mut c = certain();
            c[1][43] = composite;
            if let Some((p, alts)) = edit {
                c[1][p] = alts;
            }
            let out = repair_td3(&c);
            assert_eq!(
                out.completed_composite, completed,
                "{name}: {:?}",
                out.repairs
            );
            assert_eq!(
                String::from_utf8_lossy(&out.lines[1]) == SPECIMEN[1],
                completed,
                "{name}"
            );
            if completed {
                assert_eq!(out.repairs.len(), 1, "{name}");
                assert_eq!((out.repairs[0].position, out.repairs[0].to), (43, '0'));
                assert!(out.repairs[0].reason.starts_with("not legible"), "{name}");
            }
        }
        // A TD1 card's optional data has only the composite to answer to: where it was barely
        // read, the composite is not computed over it.
        let card = [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ];
        let layout = Layout::of(MrzFormat::Td1);
        for doubtful_optional_data in [false, true] {
            let mut c: Vec<Vec<Cands>> = card
                .iter()
                .map(|l| l.bytes().map(|b| vec![(b, 0.0)]).collect())
                .collect();
            c[1][29] = vec![(b'<', ln(0.05))];
            if doubtful_optional_data {
                c[0][20] = vec![(b'<', ln(0.4)), (b'K', ln(0.3))];
            }
            let out = repair(&c, &layout.classes(None), &layout.checks(None));
            assert_eq!(out.completed_composite, !doubtful_optional_data);
            assert_eq!(out.lines[1][29] == b'6', !doubtful_optional_data);
        }
    }

    #[test]
    fn search_is_bounded_on_hostile_candidates() {
        // Every position offers every character: the search must still stop quickly.
        let layout = Layout::of(MrzFormat::Td3);
        let all: Cands = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, -(i as f32) * 0.01))
            .collect();
        let cands = vec![vec![all.clone(); 44]; 2];
        let t = std::time::Instant::now();
        let out = repair_td3(&cands);
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
        // Whatever it chose, a change confirmed by check digits leaves the composite valid.
        let composite = layout.checks(None).pop().unwrap();
        if out
            .repairs
            .iter()
            .any(|r| r.reason.starts_with("confirmed"))
        {
            assert!(composite.ok(&out.lines));
        }
    }
}

//! Shared by the examples that read a generator folder's `truth.jsonl`.

use kyc_ocr::locate::{Point, Quad};

/// A quad from the generator's `[[x, y], ...]` JSON (`mrz_quad`, `line_quads[i]`).
pub fn quad(v: &serde_json::Value) -> Option<Quad> {
    let p: Vec<Point> = v
        .as_array()?
        .iter()
        .map(|p| Some(Point::new(p[0].as_f64()? as f32, p[1].as_f64()? as f32)))
        .collect::<Option<_>>()?;
    Some(Quad(p.try_into().ok()?))
}

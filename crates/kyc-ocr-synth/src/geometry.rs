//! Points, quadrilaterals and plane projective transforms, used to carry the MRZ position through
//! every geometric step of the capture simulation.

use serde::{Deserialize, Serialize};

/// A point in image pixels (x right, y down).
pub type Point = [f32; 2];

/// Four corners in reading order of the text they bound: top-left, top-right, bottom-right,
/// bottom-left. After a rotation the "top-left" corner is still the text's top-left, wherever it
/// lands in the image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// An axis-aligned rectangle as a quad.
    pub fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
        Quad([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    }

    /// Smallest axis-aligned box holding the quad: `(min_x, min_y, max_x, max_y)`.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let mut b = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for [x, y] in self.0 {
            b.0 = b.0.min(x);
            b.1 = b.1.min(y);
            b.2 = b.2.max(x);
            b.3 = b.3.max(y);
        }
        b
    }

    /// Whether `p` lies inside the quad (which must be convex, as every projected rectangle is).
    pub fn contains(&self, p: Point) -> bool {
        let mut sign = 0.0f32;
        for i in 0..4 {
            let a = self.0[i];
            let b = self.0[(i + 1) % 4];
            let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
            if cross != 0.0 {
                if sign != 0.0 && cross.signum() != sign {
                    return false;
                }
                sign = cross.signum();
            }
        }
        true
    }

    /// Area of the quad (shoelace formula).
    pub fn area(&self) -> f32 {
        let mut s = 0.0;
        for i in 0..4 {
            let a = self.0[i];
            let b = self.0[(i + 1) % 4];
            s += a[0] * b[1] - b[0] * a[1];
        }
        s.abs() / 2.0
    }

    /// The quad mapped through `h`.
    pub fn map(&self, h: &Homography) -> Quad {
        Quad(self.0.map(|p| h.apply(p)))
    }

    /// Evenly spaced sample points inside the quad (bilinear grid of `n` x `n`), used to measure
    /// how much of the MRZ an occluder covers.
    pub fn grid(&self, n: usize) -> Vec<Point> {
        let [a, b, c, d] = self.0;
        let mut pts = Vec::with_capacity(n * n);
        for j in 0..n {
            let v = (j as f32 + 0.5) / n as f32;
            for i in 0..n {
                let u = (i as f32 + 0.5) / n as f32;
                let top = [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u];
                let bot = [d[0] + (c[0] - d[0]) * u, d[1] + (c[1] - d[1]) * u];
                pts.push([
                    top[0] + (bot[0] - top[0]) * v,
                    top[1] + (bot[1] - top[1]) * v,
                ]);
            }
        }
        pts
    }
}

/// A plane projective transform (3 x 3 matrix, row major, acting on column vectors).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The identity transform.
    pub const IDENTITY: Homography = Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);

    /// The transform that maps each `from[i]` to `to[i]`, or `None` if three points are collinear.
    pub fn from_points(from: [Point; 4], to: [Point; 4]) -> Option<Homography> {
        // Eight equations in the eight unknowns h0..h7 (h8 = 1), solved by Gaussian elimination
        // with partial pivoting.
        let mut m = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (f64::from(from[i][0]), f64::from(from[i][1]));
            let (u, v) = (f64::from(to[i][0]), f64::from(to[i][1]));
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            if m[pivot][col].abs() < 1e-12 {
                return None;
            }
            m.swap(col, pivot);
            for row in 0..8 {
                if row != col {
                    let f = m[row][col] / m[col][col];
                    let pivot_row = m[col];
                    for (dst, src) in m[row].iter_mut().zip(pivot_row).skip(col) {
                        *dst -= f * src;
                    }
                }
            }
        }
        let mut h = [0.0; 9];
        for i in 0..8 {
            h[i] = m[i][8] / m[i][i];
        }
        h[8] = 1.0;
        Some(Homography(h))
    }

    /// Maps a point.
    pub fn apply(&self, p: Point) -> Point {
        let h = &self.0;
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        let w = h[6] * x + h[7] * y + h[8];
        [
            ((h[0] * x + h[1] * y + h[2]) / w) as f32,
            ((h[3] * x + h[4] * y + h[5]) / w) as f32,
        ]
    }

    /// `other` applied after `self`.
    pub fn then(&self, other: &Homography) -> Homography {
        let (a, b) = (&other.0, &self.0);
        let mut r = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                r[3 * i + j] = (0..3).map(|k| a[3 * i + k] * b[3 * k + j]).sum();
            }
        }
        Homography(r)
    }

    /// The inverse transform, or `None` if the matrix is singular.
    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let c = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        let det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
        if det.abs() < 1e-15 {
            return None;
        }
        Some(Homography(c.map(|v| v / det)))
    }

    /// A translation.
    pub fn translate(dx: f32, dy: f32) -> Homography {
        Homography([
            1.0,
            0.0,
            f64::from(dx),
            0.0,
            1.0,
            f64::from(dy),
            0.0,
            0.0,
            1.0,
        ])
    }

    /// A uniform scale about the origin.
    pub fn scale(s: f32) -> Homography {
        let s = f64::from(s);
        Homography([s, 0.0, 0.0, 0.0, s, 0.0, 0.0, 0.0, 1.0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point) -> bool {
        (a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3
    }

    #[test]
    fn from_points_maps_the_control_points() {
        let from = [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0], [0.0, 50.0]];
        let cases = [
            [[10.0, 10.0], [110.0, 10.0], [110.0, 60.0], [10.0, 60.0]],
            [[5.0, 20.0], [120.0, 0.0], [130.0, 90.0], [0.0, 70.0]],
            [[100.0, 50.0], [0.0, 50.0], [0.0, 0.0], [100.0, 0.0]],
        ];
        for to in cases {
            let h = Homography::from_points(from, to).unwrap();
            for i in 0..4 {
                assert!(
                    close(h.apply(from[i]), to[i]),
                    "{:?} -> {:?}",
                    from[i],
                    to[i]
                );
            }
            let inv = h.inverse().unwrap();
            for i in 0..4 {
                assert!(close(inv.apply(to[i]), from[i]));
            }
            let round = h.then(&inv);
            assert!(close(round.apply([37.0, 12.0]), [37.0, 12.0]));
        }
    }

    #[test]
    fn degenerate_points_give_none() {
        let from = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]];
        assert!(Homography::from_points(from, from).is_none());
    }

    #[test]
    fn quad_contains_and_area() {
        let q = Quad::rect(0.0, 0.0, 10.0, 4.0);
        assert_eq!(q.area(), 40.0);
        let cases = [
            ([5.0, 2.0], true),
            ([11.0, 2.0], false),
            ([5.0, -0.1], false),
        ];
        for (p, inside) in cases {
            assert_eq!(q.contains(p), inside, "{p:?}");
        }
        assert!(q.grid(4).iter().all(|&p| q.contains(p)));
    }
}

//! The convolution input packing of our patched rten-gemm (`vendor/rten-gemm`, the blocks marked
//! "kyc-ocr patch" in `src/im2col.rs`): a convolution run as rten runs it, an im2col view of the
//! image times the weights, gives exactly the sums of a direct convolution, for the 8-bit build
//! and the float one. The cases cover panels of columns inside the image (the patch's fast
//! paths), panels that span several image rows, panels and rows that reach the padding (the
//! general path), strides and zero points.
#![cfg(feature = "reader")]

use rten_gemm::{
    ColOffsets, GemmExecutor, GemmInputA, GemmInputB, GemmOptions, Im2Col, QuantParams, RowOffsets,
};
use rten_tensor::prelude::*;
use rten_tensor::{NdTensor, NdTensorView};

/// Deterministic pseudo-random bytes.
fn bytes(n: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(747_796_405).wrapping_add(2_891_336_453) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 7) as u8
        })
        .collect()
}

/// The im2col view rten builds for a convolution (`rten::ops::conv::im2col::build_im2col`), for
/// a 3x3 kernel with padding `pad` on every side and stride `stride`.
fn im2col<'a, T>(
    image: NdTensorView<'a, T, 3>,
    pad: usize,
    stride: usize,
    (row_step, col_step): (usize, usize),
) -> (Im2Col<'a, T>, usize, usize) {
    let [chans, h, w] = image.shape();
    let k = 3;
    let out_h = (h + 2 * pad - k) / stride + 1;
    let out_w = (w + 2 * pad - k) / stride + 1;
    let [sc, sh, sw] = image.strides().map(|s| s as i32);
    let n_rows = chans * k * k;
    let n_rows_padded = n_rows.next_multiple_of(row_step);
    let max_y_offset = ((h - 1) * image.stride(1)) as i32;
    let max_x_offset = ((w - 1) * image.stride(2)) as i32;
    let (mut chan, mut ys, mut xs) = (Vec::new(), Vec::new(), Vec::new());
    for c in 0..chans as i32 {
        for ky in 0..k as i32 {
            for kx in 0..k as i32 {
                chan.push(c * sc);
                ys.push(ky * sh);
                xs.push(kx * sw);
            }
        }
    }
    for _ in n_rows..n_rows_padded {
        chan.push(0);
        ys.push(max_y_offset + 1);
        xs.push(max_x_offset + 1);
    }
    let n_cols = out_h * out_w;
    let n_cols_padded = n_cols.next_multiple_of(col_step);
    let (mut col_y, mut col_x) = (Vec::new(), Vec::new());
    for col in 0..n_cols_padded {
        let (py, px) = ((col / out_w) as i32, (col % out_w) as i32);
        col_y.push((py * stride as i32 - pad as i32) * sh);
        col_x.push((px * stride as i32 - pad as i32) * sw);
    }
    let view = Im2Col {
        image,
        row_offsets: RowOffsets { chan, y: ys, x: xs },
        col_offsets: ColOffsets { y: col_y, x: col_x },
        n_cols,
        n_rows,
        max_y_offset,
        max_x_offset,
    };
    (view, out_h, out_w)
}

#[test]
fn an_8bit_convolution_through_im2col_matches_the_direct_sums() {
    let gemm = GemmExecutor::<u8, i8, i32>::default();
    // (channels, height, width, padding, stride, output channels)
    let cases = [
        (32, 8, 200, 0, 1, 16),
        (16, 18, 402, 0, 2, 8),
        (3, 5, 7, 0, 1, 4),
        (64, 6, 61, 1, 1, 5),
        (8, 9, 33, 1, 2, 3),
        // Ten outputs a row: a panel of columns spans up to four image rows, each run copied.
        (4, 12, 12, 0, 1, 3),
    ];
    for (n, &(chans, h, w, pad, stride, m)) in cases.iter().enumerate() {
        let seed = n as u32 * 7 + 1;
        let pixels: Vec<i8> = bytes(chans * h * w, seed)
            .iter()
            .map(|&b| b as i8)
            .collect();
        let image = NdTensor::from_data([chans, h, w], pixels);
        let kk = chans * 9;
        let weights = NdTensor::from_data([m, kk], bytes(m * kk, seed + 1));
        // One weight zero point for every output channel, as the recogniser's symmetric 8-bit
        // weights have (128 once rten shifts them to unsigned). rten-gemm 0.26 gave wrong sums
        // from the ninth output channel on with a zero point that varies per channel, with and
        // without the patch; the recogniser never asks for that.
        let weight_zero: Vec<u8> = vec![128; m];
        let steps = (gemm.im2col_row_count_step(), gemm.im2col_col_count_step());
        let (view, out_h, out_w) = im2col(image.view(), pad, stride, steps);
        let image_zero = vec![-3i8; view.cols()];
        let mut out = vec![0i32; m * out_h * out_w];
        gemm.gemm(
            &mut out,
            GemmInputA::Unpacked(weights.view()),
            GemmInputB::Im2Col(&view),
            GemmOptions {
                a_quant: Some(QuantParams {
                    zero_point: &weight_zero,
                }),
                b_quant: Some(QuantParams {
                    zero_point: &image_zero,
                }),
                ..Default::default()
            },
        )
        .unwrap();

        // Direct sums, at every output whose window lies inside the image (the others depend on
        // what the padding holds, which this test leaves alone).
        let mut checked = 0;
        for oy in 0..out_h {
            for ox in 0..out_w {
                let (y0, x0) = (
                    (oy * stride) as isize - pad as isize,
                    (ox * stride) as isize - pad as isize,
                );
                if y0 < 0 || x0 < 0 || y0 as usize + 3 > h || x0 as usize + 3 > w {
                    continue;
                }
                for mi in 0..m {
                    let mut want = 0i32;
                    for c in 0..chans {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                let wv = i32::from(weights[[mi, c * 9 + ky * 3 + kx]])
                                    - i32::from(weight_zero[mi]);
                                let xv =
                                    i32::from(image[[c, y0 as usize + ky, x0 as usize + kx]]) + 3;
                                want += wv * xv;
                            }
                        }
                    }
                    let got = out[mi * out_h * out_w + oy * out_w + ox];
                    assert_eq!(got, want, "case {n}: channel {mi} at {oy},{ox}");
                    checked += 1;
                }
            }
        }
        assert!(
            checked >= m * (out_h - 2) * (out_w - 2),
            "case {n}: {checked} outputs"
        );
    }
}

#[test]
fn a_float_convolution_through_im2col_matches_the_direct_sums() {
    let gemm = GemmExecutor::<f32, f32, f32>::default();
    // (channels, height, width, padding, stride, output channels): the recogniser's stem (one
    // channel, stride 2) and its 3x3 convolutions at heights 8, 4 and 2, then small images whose
    // panels span many rows.
    let cases = [
        (1, 32, 402, 1, 2, 16),
        (16, 16, 201, 1, 2, 8),
        (32, 8, 200, 1, 1, 16),
        (64, 4, 61, 1, 1, 5),
        (96, 2, 50, 1, 1, 4),
        (4, 12, 12, 1, 1, 3),
        (3, 5, 7, 1, 1, 4),
        (8, 9, 33, 0, 2, 3),
    ];
    for (n, &(chans, h, w, pad, stride, m)) in cases.iter().enumerate() {
        let seed = n as u32 * 11 + 5;
        // Small integers: every sum below is exact in f32, whatever the order of the additions.
        let small = |b: &u8| f32::from(b % 9) - 4.0;
        let pixels: Vec<f32> = bytes(chans * h * w, seed).iter().map(small).collect();
        let image = NdTensor::from_data([chans, h, w], pixels);
        let kk = chans * 9;
        let weights: Vec<f32> = bytes(m * kk, seed + 1).iter().map(small).collect();
        let weights = NdTensor::from_data([m, kk], weights);
        let steps = (gemm.im2col_row_count_step(), gemm.im2col_col_count_step());
        let (view, out_h, out_w) = im2col(image.view(), pad, stride, steps);
        let mut out = vec![0f32; m * out_h * out_w];
        gemm.gemm(
            &mut out,
            GemmInputA::Unpacked(weights.view()),
            GemmInputB::Im2Col(&view),
            GemmOptions::default(),
        )
        .unwrap();
        // Every output, the padding being zeros.
        for oy in 0..out_h {
            for ox in 0..out_w {
                for mi in 0..m {
                    let mut want = 0f32;
                    for c in 0..chans {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                let y = (oy * stride + ky) as isize - pad as isize;
                                let x = (ox * stride + kx) as isize - pad as isize;
                                if y < 0 || x < 0 || y as usize >= h || x as usize >= w {
                                    continue;
                                }
                                want += weights[[mi, c * 9 + ky * 3 + kx]]
                                    * image[[c, y as usize, x as usize]];
                            }
                        }
                    }
                    let got = out[mi * out_h * out_w + oy * out_w + ox];
                    assert_eq!(got, want, "case {n}: channel {mi} at {oy},{ox}");
                }
            }
        }
    }
}

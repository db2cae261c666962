use std::mem::MaybeUninit;
use std::ops::Range;

use rten_base::byte_cast::{AsBytes, cast_uninit_mut_slice};
use rten_simd::ops::{BitOps, MaskOps, NumOps};
use rten_simd::{Isa, Mask, Simd};
use rten_tensor::{NdTensorView, Storage};

use super::packing::int8::{PackedBMeta, shift_cast_i8_u8};

/// kyc-ocr patch: the most runs of consecutive offsets a panel is copied in (a panel along one
/// image row at stride 1 is one run; one that wraps onto the next output rows is two or more).
const MAX_RUNS: usize = 4;

/// kyc-ocr patch: how the elements of one column panel lie in the image, for the float and the
/// 8-bit packers alike: `base[c]`, column c's offset (its y plus its x offset), split into runs
/// of consecutive offsets, copied run by run; a panel of more runs than [`MAX_RUNS`] is read at
/// every other element of one span where its offsets step by 2 (`stride2`, a stride-2
/// convolution), and gathered otherwise.
struct PanelRuns<const N: usize> {
    base: [i32; N],
    runs: [(usize, usize); MAX_RUNS],
    n_runs: usize,
    stride2: bool,
}

impl<const N: usize> PanelRuns<N> {
    /// The first `width` columns of the offsets `y` and `x`; a panel wider than `N` has no runs
    /// and no stride-2 span (it is gathered).
    #[inline(always)]
    fn new(y: &[i32], x: &[i32], width: usize) -> Self {
        let mut base = [0i32; N];
        if width > N {
            return PanelRuns {
                base,
                runs: [(0, 0); MAX_RUNS],
                n_runs: MAX_RUNS + 1,
                stride2: false,
            };
        }
        for (c, b) in base[..width].iter_mut().enumerate() {
            *b = y[c] + x[c];
        }
        let mut runs = [(0usize, 0usize); MAX_RUNS];
        let mut n_runs = 0;
        let mut c = 0;
        while c < width && n_runs <= MAX_RUNS {
            let mut end = c + 1;
            while end < width && base[end] == base[end - 1] + 1 {
                end += 1;
            }
            if n_runs < MAX_RUNS {
                runs[n_runs] = (c, end);
            }
            n_runs += 1;
            c = end;
        }
        let stride2 = n_runs > MAX_RUNS
            && base[..width]
                .iter()
                .enumerate()
                .all(|(c, &b)| b == base[0] + 2 * c as i32);
        PanelRuns {
            base,
            runs,
            n_runs,
            stride2,
        }
    }

    /// The runs, where the panel has at most [`MAX_RUNS`] of them.
    #[inline(always)]
    fn copy_runs(&self) -> Option<&[(usize, usize)]> {
        (self.n_runs <= MAX_RUNS).then(|| &self.runs[..self.n_runs])
    }
}

/// kyc-ocr patch: the least and the greatest of `offsets`.
#[inline(always)]
fn extent(offsets: &[i32]) -> (i32, i32) {
    offsets
        .iter()
        .fold((i32::MAX, i32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)))
}

/// Maps rows of an [`Im2Col`] matrix to locations in the source image.
///
/// For efficiency when packing the image, the locations are premultiplied by
/// the corresponding stride.
pub struct RowOffsets {
    /// Map of row index to `channel * channel_stride`.
    pub chan: Vec<i32>,

    /// Map of row index to `kernel_y * dilation_y * row_stride`.
    pub y: Vec<i32>,

    /// Map of row index to `kernel_x * dilation_x * col_stride`.
    pub x: Vec<i32>,
}

/// Maps columns of an [`Im2Col`] matrix to locations in the source image.
///
/// For efficiency when packing the image, the locations are premultiplied by
/// the corresponding stride.
pub struct ColOffsets {
    /// Map of column index to `row * row_stride` where `row` is the top Y
    /// coordinate of the patch in the source image.
    pub y: Vec<i32>,

    /// Map of column index to `col * col_stride` where `col` is the left X
    /// coordinate of the patch in the source image.
    pub x: Vec<i32>,
}

/// A matrix formed by unrolling patches of an image into columns.
///
/// Each column of the matrix corresponds to a different spatial patch of the
/// image, and each row is a different location within the patch. The matrix
/// can be used as the right-hand input of a matrix multiplication in order
/// to perform a convolution.
///
/// The input image has shape [C, H, W] and is transformed into a matrix with
/// shape [C * Kh * kW, Oh * Ow] where Kh/Kw are convolution kernel sizes and
/// Oh/Ow are the number of patches in the Y and X directions. Given a weight
/// matrix W of shape `[M, C * Kh * kW]` the matrix multiplication `W @
/// im2col(image)` produces an output of shape `[M, Oh * Ow]` which can be
/// reshaped into the convolution output `[M, Oh, Ow]`.
///
/// The matrix is _virtual_ as it is not materialized fully in memory. Instead
/// blocks of the matrix are materialized during computation.
pub struct Im2Col<'a, T> {
    pub image: NdTensorView<'a, T, 3>,

    /// Map of im2col row index to position within image patch (channel,
    /// kernel_y, kernel_x) pre-multiplied by corresponding stride.
    ///
    /// The arrays may be padded to a multiple of a step size specified by the
    /// GEMM kernel. `n_rows` contains the actual number of rows in the virtual
    /// matrix.
    pub row_offsets: RowOffsets,

    /// Map of im2col column index to (y, x) coordinate of top-level corner of
    /// patch in image, pre-multiplied by corresponding stride.
    ///
    /// The arrays may be padded to a multiple of a step size specified by the
    /// GEMM kernel. `n_cols` contains the actual number of columns in the
    /// virtual matrix.
    pub col_offsets: ColOffsets,

    /// Number of columns in the im2col matrix.
    pub n_cols: usize,

    /// Number of rows in the im2col matrix.
    pub n_rows: usize,

    /// Maximum valid sum of `row_offsets.y + col_offsets.y`. Values above this
    /// correspond to the padding region.
    pub max_y_offset: i32,

    /// Maximum valid sum of `row_offsets.x + col_offsets.x`. Values above this
    /// correspond to the padding region.
    pub max_x_offset: i32,
}

impl<T: Copy + Default> Im2Col<'_, T> {
    /// Return the number of rows in the im2col matrix.
    pub fn rows(&self) -> usize {
        self.n_rows
    }

    /// Return the number of columns in the im2col matrix.
    pub fn cols(&self) -> usize {
        self.n_cols
    }

    /// Pack part of an image into a packing buffer.
    ///
    /// This method is for use by kernels using the "standard" packing buffer
    /// layout for the B / RHS input.
    ///
    /// `NR_REGS` specifies the width of each column panel as a multiple of
    /// `S::LEN` elements. In other words, `panel_width` must exactly equal
    /// `NR_REGS * S::LEN`.
    #[inline(always)]
    pub(super) fn pack_block<I: Isa, const NR_REGS: usize>(
        &self,
        isa: I,
        out: &mut [MaybeUninit<T>],
        panel_width: usize,
        rows: Range<usize>,
        cols: Range<usize>,
    ) {
        let ops = isa.i32();
        let mask_ops = isa.m32();

        assert_eq!(panel_width, ops.len() * NR_REGS);

        let col_range = cols.start..cols.end.next_multiple_of(panel_width);
        let used_size = rows.len() * col_range.len();
        assert_eq!(out.len(), used_size);

        let col_y_offsets = &self.col_offsets.y[col_range.clone()];
        let col_x_offsets = &self.col_offsets.x[col_range.clone()];
        let row_chan_offsets = &self.row_offsets.chan[rows.clone()];
        let row_y_offsets = &self.row_offsets.y[rows.clone()];
        let row_x_offsets = &self.row_offsets.x[rows.clone()];

        let img_data = self.image.storage();

        // Compute max valid image buffer offset. Used to clamp generated offsets
        // as a form of bounds check.
        let img_len = self.image.storage().len();
        assert!(img_len > 0 && img_len <= i32::MAX as usize);
        let max_img_offset = ops.splat(img_len as i32 - 1);

        // Loop over column panels, then rows, then SIMD-wide column groups
        // within each panel.
        let mut out_offset = 0;

        for start_col in (0..col_y_offsets.len()).step_by(ops.len() * NR_REGS) {
            let col_y_offset: [I::I32; NR_REGS] =
                std::array::from_fn(|i| ops.load(&col_y_offsets[start_col + ops.len() * i..]));
            let col_x_offset: [I::I32; NR_REGS] =
                std::array::from_fn(|i| ops.load(&col_x_offsets[start_col + ops.len() * i..]));
            let max_x_offset = ops.splat(self.max_x_offset);
            let max_y_offset = ops.splat(self.max_y_offset);

            // kyc-ocr patch: the panel as runs of consecutive offsets, or one span read at every
            // other element (`PanelRuns`). A row of the panel that lies wholly inside the image
            // is then copied run by run, with no offset vectors, masks or per-element gather;
            // rows that touch the padding still take the general loop below, which writes the
            // same values.
            let panel_cols = start_col..start_col + panel_width;
            let (pcy, pcx) = (
                &col_y_offsets[panel_cols.clone()],
                &col_x_offsets[panel_cols],
            );
            let (col_y_min, col_y_max) = extent(pcy);
            let (col_x_min, col_x_max) = extent(pcx);
            const MAX_PANEL: usize = 64;
            let panel = PanelRuns::<MAX_PANEL>::new(pcy, pcx, panel_width);
            let runs = panel.copy_runs();
            let stride2 = panel.stride2;
            // Safety: only read here, as the general loop below reads it.
            let img = unsafe { img_data.as_slice() };

            for ((&row_chan_offset, &row_y_offset), &row_x_offset) in row_chan_offsets
                .iter()
                .zip(row_y_offsets.iter())
                .zip(row_x_offsets.iter())
            {
                let inside = row_y_offset as i64 + col_y_min as i64 >= 0
                    && row_y_offset as i64 + col_y_max as i64 <= self.max_y_offset as i64
                    && row_x_offset as i64 + col_x_min as i64 >= 0
                    && row_x_offset as i64 + col_x_max as i64 <= self.max_x_offset as i64;
                if inside && (runs.is_some() || stride2) {
                    let row_base = row_chan_offset + row_y_offset + row_x_offset;
                    let dst = &mut out[out_offset..out_offset + panel_width];
                    let mut done = true;
                    if let Some(runs) = runs {
                        for &(c0, c1) in runs {
                            let from = (row_base + panel.base[c0]) as usize;
                            match img.get(from..from + (c1 - c0)) {
                                Some(src) => {
                                    for (d, &v) in dst[c0..c1].iter_mut().zip(src) {
                                        d.write(v);
                                    }
                                }
                                None => done = false,
                            }
                        }
                    } else {
                        let from = (row_base + panel.base[0]) as usize;
                        match img.get(from..from + 2 * panel_width - 1) {
                            Some(src) => {
                                for (d, v) in dst.iter_mut().zip(src.iter().step_by(2)) {
                                    d.write(*v);
                                }
                            }
                            None => done = false,
                        }
                    }
                    if done {
                        out_offset += panel_width;
                        continue;
                    }
                }
                let row_chan_offset = ops.splat(row_chan_offset);
                let row_y_offset = ops.splat(row_y_offset);
                let row_x_offset = ops.splat(row_x_offset);

                for i in 0..NR_REGS {
                    let y_offset = ops.add(col_y_offset[i], row_y_offset);
                    let x_offset = ops.add(col_x_offset[i], row_x_offset);

                    let offsets = ops.add(ops.add(row_chan_offset, y_offset), x_offset);

                    // Ensure offsets cannot be out of bounds even if row /
                    // column offsets were calculated incorrectly.
                    let offsets = ops.min(ops.max(offsets, ops.zero()), max_img_offset);

                    // Create mask to specify offsets which are valid. Others
                    // correspond to the padding region.
                    let zero = ops.zero();

                    let y_valid =
                        mask_ops.and(ops.ge(y_offset, zero), ops.le(y_offset, max_y_offset));
                    let x_valid =
                        mask_ops.and(ops.ge(x_offset, zero), ops.le(x_offset, max_x_offset));
                    let pad_mask = mask_ops.and(y_valid, x_valid);

                    // Set offsets to zero for padding elements. We require
                    // this offset is always valid.
                    let offsets_array = ops.select(offsets, zero, pad_mask).to_array();
                    let pad_mask_array = pad_mask.to_array();

                    // Gather elements and store in packing buffer.
                    for idx in 0..ops.len() {
                        // Safety: offsets_array[idx] is a valid offset.
                        let src_elem =
                            unsafe { *img_data.get_unchecked(offsets_array[idx] as usize) };

                        // This should be compiled to a conditional move.
                        let elem = if pad_mask_array[idx] {
                            src_elem
                        } else {
                            T::default()
                        };

                        // Safety: `out_offset + i` is valid for `i < ops.len()`.
                        let out_el = unsafe { out.get_unchecked_mut(out_offset + idx) };
                        out_el.write(elem);
                    }

                    out_offset += ops.len();
                }
            }
        }

        // Check we initialized as many elements as used.
        assert_eq!(out_offset, used_size);
    }
}

impl Im2Col<'_, i8> {
    /// Pack part of an image into a packing buffer.
    ///
    /// The packing buffer contains panels of size `KC * NR`, where `NR` is
    /// `NR_REGS` times the i32 SIMD width.
    ///
    /// This method is for use by kernels using int8 dot product instructions
    /// to compute `S::LEN x i32` dot products from two input vectors each
    /// containing `S::LEN x 4 x i8` (or u8) inputs.
    #[inline(always)]
    #[allow(unused)] // Some architectures only
    pub(super) fn pack_block_i8_dot<
        I: Isa,
        const NR: usize,
        const NR_REGS: usize,
        const K_TILE: usize,
    >(
        &self,
        isa: I,
        out: &mut [MaybeUninit<i8>],
        rows: Range<usize>,
        cols: Range<usize>,
        zero_point: i8,
    ) {
        self.pack_block_int8::<_, NR, NR_REGS, K_TILE, false>(isa, out, rows, cols, zero_point);
    }

    /// Variant of [`pack_block_i8_dot`](Self::pack_block_i8_dot) which shifts
    /// i8 values to u8 by adding 128.
    #[inline(always)]
    #[allow(unused)] // Some architectures only
    pub(super) fn pack_block_i8_dot_cast_u8<
        I: Isa,
        const NR: usize,
        const NR_REGS: usize,
        const K_TILE: usize,
    >(
        &self,
        isa: I,
        out: &mut [MaybeUninit<u8>],
        rows: Range<usize>,
        cols: Range<usize>,
        zero_point: i8,
    ) {
        let out = cast_uninit_mut_slice(out).unwrap();
        self.pack_block_int8::<_, NR, NR_REGS, K_TILE, true>(isa, out, rows, cols, zero_point);
    }

    #[inline(always)]
    fn pack_block_int8<
        I: Isa,
        const NR: usize,
        const NR_REGS: usize,
        const K_TILE: usize,
        const CAST_B_U8: bool,
    >(
        &self,
        isa: I,
        out: &mut [MaybeUninit<i8>],
        rows: Range<usize>,
        cols: Range<usize>,
        zero_point: i8,
    ) {
        let ops = isa.i32();
        assert_eq!(ops.len() * NR_REGS, NR);

        let mask_ops = isa.m32();

        debug_assert!(rows.end <= self.rows());
        debug_assert!(cols.end <= self.cols());

        let max_x_offset = ops.splat(self.max_x_offset);
        let max_y_offset = ops.splat(self.max_y_offset);

        let col_x_offsets = &self.col_offsets.x;
        debug_assert_eq!(col_x_offsets.len() % ops.len(), 0);

        let col_y_offsets = &self.col_offsets.y;
        debug_assert_eq!(col_y_offsets.len() % ops.len(), 0);

        let row_x_offsets = &self.row_offsets.x;
        debug_assert_eq!(row_x_offsets.len() % K_TILE, 0);

        let row_y_offsets = &self.row_offsets.y;
        debug_assert_eq!(row_y_offsets.len() % K_TILE, 0);

        let row_chan_offsets = &self.row_offsets.chan;
        debug_assert_eq!(row_chan_offsets.len() % K_TILE, 0);

        let img_data = self.image.storage();

        let mut out_offset = 0;

        // kyc-ocr patch: the extent of the row offsets this call reads (rows are read in whole
        // tiles of K_TILE), so that a panel can tell at once whether any of its elements lies in
        // the padding region. See `fast_panel` below.
        let tile_rows = rows.start..rows.start + rows.len().next_multiple_of(K_TILE);
        let (row_y_min, row_y_max) = extent(&row_y_offsets[tile_rows.clone()]);
        let (row_x_min, row_x_max) = extent(&row_x_offsets[tile_rows.clone()]);

        for start_col in cols.step_by(ops.len() * NR_REGS) {
            let col_y_offset: [I::I32; NR_REGS] =
                std::array::from_fn(|i| ops.load(&col_y_offsets[start_col + i * ops.len()..]));
            let col_x_offset: [I::I32; NR_REGS] =
                std::array::from_fn(|i| ops.load(&col_x_offsets[start_col + i * ops.len()..]));
            let zero = ops.zero();

            let mut col_sums = [ops.zero().to_array(); NR_REGS];

            // kyc-ocr patch: where no element of this panel lies in the padding region, pack it
            // without masks and with no per-element vector-to-array round trips (below). Same
            // bytes, same column sums as the general loop after it, which still packs the panels
            // that touch the padding. The ranges of the row and column offsets decide it exactly,
            // as every offset is a row offset plus a column offset.
            let panel_cols = start_col..start_col + NR;
            let (col_y_min, col_y_max) = extent(&col_y_offsets[panel_cols.clone()]);
            let (col_x_min, col_x_max) = extent(&col_x_offsets[panel_cols.clone()]);
            let fast_panel = row_y_min as i64 + col_y_min as i64 >= 0
                && row_y_max as i64 + col_y_max as i64 <= self.max_y_offset as i64
                && row_x_min as i64 + col_x_min as i64 >= 0
                && row_x_max as i64 + col_x_max as i64 <= self.max_x_offset as i64;
            if fast_panel {
                // The panel as runs of consecutive offsets (`PanelRuns`), each copied; a panel of
                // many runs (stride 2) is gathered, every other byte of one span where its
                // offsets step by 2, and any other one byte by byte.
                let panel = PanelRuns::<NR>::new(
                    &col_y_offsets[panel_cols.clone()],
                    &col_x_offsets[panel_cols],
                    NR,
                );
                let col_base = &panel.base;
                let spans = panel.copy_runs();
                let stride2 = panel.stride2;
                // Safety: only read here, as the general loop below reads it.
                let img = unsafe { img_data.as_slice() };
                let mut sums = [0i32; NR];
                for start_row in tile_rows.clone().step_by(K_TILE) {
                    // Each run as a fixed-size array, then a 4-way byte interleave and the
                    // column sums, on fixed sizes the compiler vectorises.
                    let mut runs = [[0i8; NR]; K_TILE];
                    for (i, run) in runs.iter_mut().enumerate() {
                        let k = start_row + i;
                        let base = row_chan_offsets[k] + row_y_offsets[k] + row_x_offsets[k];
                        // Every offset is inside the image here; `get` keeps a wrong one from
                        // reading past it all the same.
                        let start = (base + col_base[0]) as usize;
                        if let Some(spans) = spans {
                            for &(c0, c1) in spans {
                                let from = (base + col_base[c0]) as usize;
                                if let Some(bytes) = img.get(from..from + (c1 - c0)) {
                                    run[c0..c1].copy_from_slice(bytes);
                                }
                            }
                        } else if let Some(bytes) =
                            img.get(start..start + 2 * NR - 1).filter(|_| stride2)
                        {
                            for (c, v) in run.iter_mut().enumerate() {
                                *v = bytes[2 * c];
                            }
                        } else {
                            for (v, &col) in run.iter_mut().zip(col_base) {
                                *v = img.get((base + col) as usize).copied().unwrap_or_default();
                            }
                        }
                        if CAST_B_U8 {
                            run.iter_mut().for_each(|v| *v = shift_cast_i8_u8(*v) as i8);
                        }
                    }
                    let mut packed = [[0i8; K_TILE]; NR];
                    for (c, col) in packed.iter_mut().enumerate() {
                        for (i, v) in col.iter_mut().enumerate() {
                            *v = runs[i][c];
                        }
                    }
                    for (c, sum) in sums.iter_mut().enumerate() {
                        for run in &runs {
                            *sum += if CAST_B_U8 {
                                run[c] as u8 as i32
                            } else {
                                run[c] as i32
                            };
                        }
                    }
                    let tile = &mut out[out_offset..out_offset + NR * K_TILE];
                    for (dst, &v) in tile.iter_mut().zip(packed.as_flattened()) {
                        dst.write(v);
                    }
                    out_offset += NR * K_TILE;
                }
                for (c, sum) in sums.into_iter().enumerate() {
                    col_sums[c / ops.len()][c % ops.len()] = sum;
                }
            }

            for start_row in rows.clone().step_by(K_TILE).filter(|_| !fast_panel) {
                for i in 0..K_TILE {
                    let k = start_row + i;
                    let row_x_offset = ops.splat(unsafe { *row_x_offsets.get_unchecked(k) });
                    let row_y_offset = ops.splat(unsafe { *row_y_offsets.get_unchecked(k) });
                    let row_chan_offset = ops.splat(unsafe { *row_chan_offsets.get_unchecked(k) });

                    for c_block in 0..NR_REGS {
                        let x_offsets = ops.add(row_x_offset, col_x_offset[c_block]);
                        let y_offsets = ops.add(row_y_offset, col_y_offset[c_block]);
                        let offsets = ops.add(ops.add(x_offsets, y_offsets), row_chan_offset);

                        let y_valid =
                            mask_ops.and(ops.ge(y_offsets, zero), ops.le(y_offsets, max_y_offset));
                        let x_valid =
                            mask_ops.and(ops.ge(x_offsets, zero), ops.le(x_offsets, max_x_offset));
                        let pad_mask = mask_ops.and(y_valid, x_valid);
                        let pad_mask_array = pad_mask.to_array();

                        // Set offsets to zero for padding elements. We require
                        // this offset is always valid.
                        let offsets_array = ops.select(offsets, zero, pad_mask).to_array();

                        for idx in 0..ops.len() {
                            let out_elem = unsafe {
                                out.get_unchecked_mut(
                                    out_offset + (c_block * ops.len() + idx) * K_TILE + i,
                                )
                            };
                            let src_elem =
                                unsafe { *img_data.get_unchecked(offsets_array[idx] as usize) };

                            if CAST_B_U8 {
                                let src_elem = shift_cast_i8_u8(src_elem);
                                let elem = if pad_mask_array[idx] { src_elem } else { 0 };
                                col_sums[c_block][idx] += elem as i32;
                                out_elem.write(elem as i8);
                            } else {
                                let elem = if pad_mask_array[idx] { src_elem } else { 0 };
                                col_sums[c_block][idx] += elem as i32;
                                out_elem.write(elem);
                            }
                        }
                    }
                }
                out_offset += ops.len() * NR_REGS * K_TILE;
            }

            // Store column sums and zero points at end of each panel.
            let meta = PackedBMeta::<NR> {
                // Safety: col_sums is `[i32_vec_len; NR_REGS]` and we checked
                // `i32_vec_len * NR_REGS == NR`.
                col_sums: *unsafe {
                    std::mem::transmute::<&[<I::I32 as Simd>::Array; NR_REGS], &[i32; NR]>(
                        &col_sums,
                    )
                },
                zero_points: if CAST_B_U8 {
                    [shift_cast_i8_u8(zero_point) as i32; NR]
                } else {
                    [zero_point as i32; NR]
                },
            };
            let meta_bytes = meta.as_bytes();
            for (i, byte) in meta_bytes.iter().enumerate() {
                out[out_offset + i].write(*byte as i8);
            }
            out_offset += meta_bytes.len();
        }

        // Sanity check
        assert_eq!(out_offset, out.len());
    }
}

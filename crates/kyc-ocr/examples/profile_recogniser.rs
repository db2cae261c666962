//! Where the recogniser spends its time: runs a model file on line images with rten's per-operator
//! timing (by input shape) and prints the report of the last of several runs, one thread.
//!
//! `cargo run --release -p kyc-ocr --example profile_recogniser -- MODEL [LINE_IMAGE...]`
//!
//! Each image is scaled to the model's height of 32 (aspect kept) and all go in one batch, as the
//! engine packs them; without images, a batch of two 800-pixel-wide striped lines (a 44-character
//! line is about 800 pixels wide) stands in. With the 8-bit model and two or more lines, only
//! the timing is meaningful: rten 0.26's ConvInteger gives wrong outputs for such batches, which
//! is why the engine runs one line at a time.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use rten::{Model, RunOptions, ThreadPool};
use rten_tensor::prelude::*;
use rten_tensor::NdTensor;

const HEIGHT: u32 = 32;
const RUNS: usize = 20;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((model_path, images)) = args.split_first() else {
        return Err("usage: profile_recogniser MODEL [LINE_IMAGE...]".into());
    };
    let lines: Vec<image::GrayImage> = images
        .iter()
        .map(|p| -> Result<_, Box<dyn Error>> {
            let g = image::open(p)?.to_luma8();
            let w = (g.width() * HEIGHT).div_ceil(g.height().max(1)).max(4);
            Ok(image::imageops::resize(
                &g,
                w,
                HEIGHT,
                image::imageops::FilterType::Triangle,
            ))
        })
        .collect::<Result<_, _>>()?;
    let input = if lines.is_empty() {
        NdTensor::<f32, 4>::from_fn([2, 1, HEIGHT as usize, 800], |[n, _, y, x]| {
            if (x / (7 + n) + y / 5) % 3 == 0 {
                -0.5
            } else {
                0.5
            }
        })
    } else {
        let width = lines
            .iter()
            .map(|l| l.width())
            .max()
            .unwrap_or(4)
            .div_ceil(4)
            * 4;
        let mut t = NdTensor::full([lines.len(), 1, HEIGHT as usize, width as usize], 0.5f32);
        for (n, line) in lines.iter().enumerate() {
            for (x, y, p) in line.enumerate_pixels() {
                t[[n, 0, y as usize, x as usize]] = f32::from(p[0]) / 255.0 - 0.5;
            }
        }
        t
    };
    let model = Model::load_file(model_path)?;
    let input_id = model.node_id("line_image")?;
    let output_id = model.node_id("log_probs")?;
    let pool = Arc::new(ThreadPool::with_num_threads(1));
    let mut times = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        let last = run + 1 == RUNS;
        let options = RunOptions::default()
            .with_thread_pool(Some(pool.clone()))
            .with_timing(last)
            .with_timing_by_shape(last);
        let start = Instant::now();
        model.run(
            vec![(input_id, input.view().into())],
            &[output_id],
            Some(options),
        )?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "input {:?}: median {:.2} ms over {RUNS} runs",
        input.shape(),
        times[RUNS / 2]
    );
    Ok(())
}

#!/usr/bin/env python3
"""Train the kyc-ocr MRZ line detector (a small U-Net-like segmenter) and export it to ONNX in the
contract of an `ocrs` 0.13 detection model.

The model lights up the pixels of MRZ lines only, not of all text: a document's other text (the
visual zone, look-alike numbers beside the MRZ) is background to it. Its masks come from the
generator's `truth.jsonl` (`line_quads`), shrunk to the middle half of each line's height so that
neighbouring lines stay apart (ocrs grows each component by 3 pixels again).

Reproducible recipe (fixed seeds; the schedule follows the wall-clock budget, so the step count
depends on machine speed and is recorded in models/mrz-det.json):

    # 2,000 generator documents in chunks of 100: seed 30000+i takes the i-th preset of
    #   hard photo hard photo hard scan hard photo hard photo hard hard photo hard photo hard scan hard
    # and two validation chunks, hard-30100 and photo-30101.
    kyc-ocr synth --out DOCS/PRESET-SEED --count 100 --seed SEED --format mixed --preset PRESET
    OMP_NUM_THREADS=1 python3 models/train_detector.py --docs 'DOCS/*' --minutes 21 --out models/

Contract (ocrs `TextDetector`): input "image" [1, 1, 384, 512] float32, grey/255 - 0.5, the image
scaled to fit and padded right and bottom with black (-0.5); output "text_mask" [1, 1, 384, 512],
the probability that a pixel belongs to an MRZ line. The engine turns portrait images a quarter
turn first, so the model sees landscape pictures.
"""
import argparse
import glob
import json
import math
import os
import random
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageDraw

IN_W, IN_H = 512, 384
SEED = 4321
# Part of each line's height that is labelled text, centred on the line.
MASK_HEIGHT = 0.5


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------
def prepare_doc(path, record):
    """One document as the engine feeds it to the detector: grey, a quarter turn if portrait,
    scaled to fit IN_W x IN_H, padded with black. Returns (image, mask) uint8 arrays."""
    img = Image.open(path).convert("L")
    w, h = img.size
    quads = [np.array(q, dtype=np.float64) for q in record["line_quads"]]
    if h > w:
        # Counter-clockwise quarter turn: (x, y) -> (y, w - x); matches the engine's turn.
        img = img.transpose(Image.Transpose.ROTATE_90)
        quads = [np.stack([q[:, 1], w - q[:, 0]], axis=1) for q in quads]
        w, h = h, w
    # Never enlarged (ocrs pads a small image); shrunk by area averaging, as the engine does.
    s = min(1.0, IN_W / w, IN_H / h)
    sw, sh = max(1, round(w * s)), max(1, round(h * s))
    if s < 1.0:
        img = img.resize((sw, sh), Image.Resampling.BOX)
    canvas = Image.new("L", (IN_W, IN_H), 0)
    canvas.paste(img, (0, 0))
    mask = Image.new("L", (IN_W, IN_H), 0)
    draw = ImageDraw.Draw(mask)
    lo, hi = (1 - MASK_HEIGHT) / 2, (1 + MASK_HEIGHT) / 2
    for q in quads:
        q = q * s
        tl, tr, br, bl = q
        top_l, bot_l = tl + (bl - tl) * lo, tl + (bl - tl) * hi
        top_r, bot_r = tr + (br - tr) * lo, tr + (br - tr) * hi
        # Pull the ends in by 2 px: ocrs grows components by 3 px all round.
        along = (tr - tl) / max(np.linalg.norm(tr - tl), 1e-6)
        pts = [top_l + 2 * along, top_r - 2 * along, bot_r - 2 * along, bot_l + 2 * along]
        draw.polygon([tuple(p) for p in pts], fill=255)
    return np.asarray(canvas, dtype=np.uint8), np.asarray(mask, dtype=np.uint8)


def load_chunk(folder):
    """A generator chunk as arrays, cached next to it."""
    cache = os.path.join(folder, "detector-cache.npz")
    if os.path.exists(cache):
        z = np.load(cache)
        return z["images"], z["masks"]
    images, masks = [], []
    with open(os.path.join(folder, "truth.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            im, m = prepare_doc(os.path.join(folder, rec["image"]), rec)
            images.append(im)
            masks.append(m)
    images, masks = np.stack(images), np.stack(masks)
    np.savez(cache, images=images, masks=masks)
    return images, masks


def augment(img, mask, rng, crop):
    """Photo conditions the generator may under-represent, on uint8 arrays: scale (smaller
    documents in the frame), a half turn, contrast, gamma, blur, noise; then a crop."""
    x = torch.from_numpy(np.array(img)).float()[None, None] / 255.0
    m = torch.from_numpy(np.array(mask)).float()[None, None] / 255.0
    scale = rng.uniform(0.55, 1.25)
    if abs(scale - 1) > 0.03:
        size = (max(8, int(IN_H * scale)), max(8, int(IN_W * scale)))
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=scale < 1)
        m = F.interpolate(m, size=size, mode="bilinear", align_corners=False)
    if rng.random() < 0.5:
        x, m = torch.flip(x, [2, 3]), torch.flip(m, [2, 3])
    if rng.random() < 0.3:
        k = rng.choice([3, 5])
        x = F.avg_pool2d(F.pad(x, (k // 2,) * 4, mode="replicate"), k, stride=1)
    lo, hi = rng.uniform(0.0, 0.3), rng.uniform(0.7, 1.0)
    x = lo + (hi - lo) * x.clamp(0, 1) ** rng.uniform(0.6, 1.6)
    if rng.random() < 0.5:
        x = x + torch.randn_like(x) * rng.uniform(0.01, 0.06)
    # Crop (or pad with black) to crop x crop, mostly around the zone.
    _, _, H, W = x.shape
    pad_h, pad_w = max(0, crop - H), max(0, crop - W)
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h), value=0.0)
        m = F.pad(m, (0, pad_w, 0, pad_h), value=0.0)
        _, _, H, W = x.shape
    ys, xs = torch.nonzero(m[0, 0] > 0.5, as_tuple=True)
    if len(ys) and rng.random() < 0.75:
        i = rng.randrange(len(ys))
        cy, cx = int(ys[i]), int(xs[i])
        y0 = min(max(0, cy - rng.randrange(crop)), H - crop)
        x0 = min(max(0, cx - rng.randrange(crop)), W - crop)
    else:
        y0, x0 = rng.randrange(H - crop + 1), rng.randrange(W - crop + 1)
    x = x[:, :, y0:y0 + crop, x0:x0 + crop]
    m = m[:, :, y0:y0 + crop, x0:x0 + crop]
    return (x - 0.5)[0], (m > 0.5).float()[0]


# ----------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------
def cbr(cin, cout, stride=1, dilation=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Detector(nn.Module):
    """Encoder to 1/16 (enough context to tell an MRZ line from other text), FPN-style decoder
    back to 1/2, bilinear to full size: about 0.9 GFLOP at 512x384."""

    def __init__(self):
        super().__init__()
        self.e1 = cbr(1, 16, 2)                                   # 1/2
        self.e2 = nn.Sequential(cbr(16, 32, 2), cbr(32, 32))      # 1/4
        self.e3 = nn.Sequential(cbr(32, 48, 2), cbr(48, 48))      # 1/8
        self.e4 = nn.Sequential(cbr(48, 64, 2), cbr(64, 64, dilation=2))  # 1/16
        self.l4 = nn.Conv2d(64, 32, 1)
        self.l3 = nn.Conv2d(48, 32, 1)
        self.d3 = cbr(32, 32)
        self.l2 = nn.Conv2d(32, 32, 1)
        self.d2 = cbr(32, 16)
        self.l1 = nn.Conv2d(16, 16, 1)
        self.d1 = cbr(16, 8)
        self.head = nn.Conv2d(8, 1, 1)

    def logits(self, x):
        e1 = self.e1(x)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        e4 = self.e4(e3)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")  # noqa: E731
        p3 = self.d3(up(self.l4(e4)) + self.l3(e3))
        p2 = self.d2(up(p3) + self.l2(e2))
        p1 = self.d1(up(p2) + self.l1(e1))
        return F.interpolate(self.head(p1), scale_factor=2.0, mode="bilinear", align_corners=False)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


def dice_bce(logits, target):
    bce = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(3.0))
    p = torch.sigmoid(logits)
    inter = (p * target).sum((1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + 1)
    return bce + dice.mean()


def evaluate(model, images, masks):
    """Pixel IoU at ocrs's 0.2 threshold on whole prepared images."""
    model.eval()
    inter = union = 0.0
    with torch.no_grad():
        for i in range(0, len(images), 8):
            x = torch.from_numpy(images[i:i + 8]).float()[:, None] / 255.0 - 0.5
            t = torch.from_numpy(masks[i:i + 8])[:, None] > 127
            p = model(x) > 0.2
            inter += (p & t).sum().item()
            union += (p | t).sum().item()
    model.train()
    return inter / max(union, 1.0)


def export(model, path):
    model.eval()
    dummy = torch.zeros(1, 1, IN_H, IN_W)
    torch.onnx.export(model, dummy, path, input_names=["image"], output_names=["text_mask"],
                      opset_version=17, dynamo=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", required=True, help="glob of generator chunk folders")
    ap.add_argument("--val", default="hard-30100,photo-30101",
                    help="comma-separated chunk names held out for validation")
    ap.add_argument("--minutes", type=float, default=45)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--out", default="models/")
    ap.add_argument("--resume", help="checkpoint to start from")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    val_names = set(args.val.split(","))

    def load(names):
        ims, ms = [], []
        for d in names:
            a, b = load_chunk(d)
            ims.append(a)
            ms.append(b)
        return (np.concatenate(ims), np.concatenate(ms)) if ims else (None, None)

    folders = sorted(d for d in glob.glob(args.docs) if os.path.exists(os.path.join(d, "truth.jsonl")))
    train_dirs = [d for d in folders if os.path.basename(d) not in val_names]
    val_dirs = [d for d in folders if os.path.basename(d) in val_names]
    images, masks = load(train_dirs)
    val_images, val_masks = load(val_dirs)
    print(f"train {len(images)} docs from {len(train_dirs)} chunks; val {0 if val_images is None else len(val_images)}",
          flush=True)

    model = Detector()
    if args.resume:
        model.load_state_dict(torch.load(args.resume))
    print("params", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    budget = args.minutes * 60
    start = time.time()
    step, best, seen = 0, -1.0, set(train_dirs)
    last_eval = start
    losses = []
    while time.time() - start < budget:
        frac = (time.time() - start) / budget
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * frac)) if frac > 0.05 else args.lr * frac / 0.05
        for g in opt.param_groups:
            g["lr"] = lr
        xs, ts = zip(*(augment(images[j], masks[j], rng, args.crop)
                       for j in (rng.randrange(len(images)) for _ in range(args.batch))))
        loss = dice_bce(model.logits(torch.stack(xs)), torch.stack(ts))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        step += 1
        if time.time() - last_eval > 240 or time.time() - start >= budget:
            last_eval = time.time()
            iou = evaluate(model, val_images, val_masks) if val_images is not None else 0.0
            print(f"{(time.time() - start) / 60:.1f} min step {step} loss {np.mean(losses[-100:]):.4f} "
                  f"val IoU {iou:.4f} lr {lr:.5f}", flush=True)
            torch.save(model.state_dict(), os.path.join(args.out, "work", "det_last.pt"))
            if iou > best:
                best = iou
                torch.save(model.state_dict(), os.path.join(args.out, "work", "det_best.pt"))
            # New chunks from a generator still running join the training set.
            new = [d for d in sorted(glob.glob(args.docs))
                   if d not in seen and os.path.basename(d) not in val_names
                   and os.path.exists(os.path.join(d, "truth.jsonl"))]
            if new:
                a, b = load(new)
                images, masks = np.concatenate([images, a]), np.concatenate([masks, b])
                seen.update(new)
                print(f"  + {len(new)} chunks: {len(images)} docs", flush=True)
    model.load_state_dict(torch.load(os.path.join(args.out, "work", "det_best.pt")))
    path = os.path.join(args.out, "mrz-det.onnx")
    export(model, path)
    meta = {"input": [1, 1, IN_H, IN_W], "steps": step, "minutes": args.minutes, "batch": args.batch,
            "crop": args.crop, "train_docs": len(images), "val_chunks": sorted(val_names),
            "val_pixel_iou_at_0.2": round(best, 4), "seed": SEED,
            "params": sum(p.numel() for p in model.parameters())}
    with open(os.path.join(args.out, "mrz-det.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print("exported", path, meta, flush=True)


if __name__ == "__main__":
    main()

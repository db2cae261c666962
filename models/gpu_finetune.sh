#!/bin/bash
# GPU fine-tunes of the recogniser (models/README.md, stages 4 and 5): the committed model trained
# further on fresh pipeline-cut lines, hard-heavy, plus the real crops and synthetic lines in 33
# typefaces.
#
#   models/gpu_finetune.sh STAGE prepare   # here (2 cores, ~25 min): build, cut lines, stage all in .gpu/
#   models/gpu_finetune.sh STAGE train     # on the GPU machine, from the repository root, with .gpu
#                                          # carried; cuts more lines on its 16 cores, trains, writes to $OUT
#
# The GPU machine reaches no network, and a call carries at most 64 MiB, so `prepare` copies what
# `train` needs into the git-ignored .gpu/: stripped binaries, the installed typefaces of
# render_lines.alt_fonts(), the real crops (never committed) and pipeline-cut lines as JPEG (q90).
# Both stages carry the same 40 prepared seeds; what differs is in the STAGE block below.
set -eu
cd "$(dirname "$0")/.."
STAGE=${1:-}; STEP=${2:-}
case "$STAGE" in
4)  # From stage 3: 6.5 minutes, 1,152 fresh documents cut on the GPU machine.
  GPU_SEED=40000; GPU_NSEED=48; MINUTES=6.5
  EXTRA="--real-frac 0.3 --pipeline-frac 0.4 --shadow-finetune 0.4 --seed 2614" ;;
5)  # From stage 4: 2,688 fresh documents, and real and pipeline lines drawn by the start's loss
    # (--hard-mining 0.5) so the lines it already reads cost fewer steps. Shadows at 2x and 0.4x the
    # learning rate. The cut takes ~4.5 minutes of a call's 10, so stage 5 ran as two calls on one
    # warm machine: the first cut the lines (and stopped at a since-fixed bug), the second found them
    # in /tmp/gpupipe and trained 6.3 minutes. In one call, set MINUTES=4.
  GPU_SEED=50000; GPU_NSEED=112; MINUTES=${MINUTES:-6.3}
  EXTRA="--real-frac 0.3 --pipeline-frac 0.45 --hard-mining 0.5 --shadow-finetune 2 --shadow-finetune 0.4 --seed 2615" ;;
*) echo "usage: models/gpu_finetune.sh 4|5 prepare|train" >&2; exit 2 ;;
esac
# The preset of the i-th seed of a run: 7 in 10 hard, 2 photo, 1 scan.
preset() { case $(($1 % 10)) in 7|8) echo photo;; 9) echo scan;; *) echo hard;; esac; }
case "$STEP" in
prepare)
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  cargo build --release -p kyc-ocr-cli
  cargo build --release -p kyc-ocr --example dump_lines
  mkdir -p .gpu/bin .gpu/fonts .gpu/pipe
  strip -o .gpu/bin/kyc-ocr target/release/kyc-ocr
  strip -o .gpu/bin/dump_lines target/release/examples/dump_lines
  python3 - <<'PY'
import os, re, shutil
for p in re.findall(r'"(/usr/share/fonts/[^"]+)"', open("models/render_lines.py").read()):
    if os.path.exists(p):
        os.makedirs(os.path.dirname(".gpu/fonts" + p), exist_ok=True)
        shutil.copy(p, ".gpu/fonts" + p)
PY
  rm -rf .gpu/real && cp -r ../shared/data/mrz-lines-real .gpu/real
  # Seeds 40100-40139, 50 documents each (7 in 10 hard, 2 photo, 1 scan): about 4,000 lines, the
  # most that fits the call's 64 MiB beside the repository. A folder already cut is kept.
  for i in $(seq 0 39); do
    s=$((40100 + i)); p=$(preset "$i")
    d=l${s}_$p; t=$(mktemp -d)
    [ -s ".gpu/pipe/$d/lines.tsv" ] && continue
    .gpu/bin/kyc-ocr synth --out "$t/$d" --count 50 --seed $s --format mixed --preset $p >/dev/null
    .gpu/bin/dump_lines "$t/$d" "$t/lines"
    python3 - "$t/lines" ".gpu/pipe/$d" <<'PY'
import os, sys
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
rows = []
for r in open(os.path.join(src, "lines.tsv")):
    f, text = r.rstrip("\n").split("\t")
    j = f[:-4] + ".jpg"
    Image.open(os.path.join(src, f)).convert("L").save(os.path.join(dst, j), "JPEG", quality=90)
    rows.append(j + "\t" + text + "\n")
open(os.path.join(dst, "lines.tsv"), "w").write("".join(rows))
PY
    rm -rf "$t"
  done
  du -sh .gpu
  ;;
train)
  export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
  : "${OUT:?set OUT to the folder that receives the checkpoints}"
  for f in $(cd .gpu/fonts && find . -type f); do mkdir -p "/$(dirname "$f")"; cp -n ".gpu/fonts/$f" "/$f"; done
  G=/tmp/gpugen; P=/tmp/gpupipe
  # 24 documents per seed, cut on 16 cores at about 600 documents a minute (kept on a rerun while the
  # machine stays warm).
  if [ ! -d $P ]; then
    mkdir -p $G $P
    for i in $(seq 0 $((GPU_NSEED - 1))); do
      echo "$((GPU_SEED + i)) $(preset "$i")"
    done | RAYON_NUM_THREADS=1 xargs -P 16 -L 1 sh -c \
      ".gpu/bin/kyc-ocr synth --out $G/g\$0_\$1 --count 24 --seed \$0 --format mixed --preset \$1 >/dev/null && .gpu/bin/dump_lines $G/g\$0_\$1 $P/g\$0_\$1 >/dev/null"
  fi
  echo "cut $(cat $P/*/lines.tsv | wc -l) lines here, $(cat .gpu/pipe/*/lines.tsv | wc -l) carried"
  PD=""; for d in $P/* .gpu/pipe/*; do PD="$PD --pipeline-dir $d"; done
  # shellcheck disable=SC2086
  python3 models/train_recogniser.py --arch slim --device cuda --workers 15 --minutes $MINUTES --batch 128 \
    --real-dir .gpu/real $PD --alt-font-p 0.35 --glyph-var-p 0.4 \
    --lr 5e-4 --warmup 0.05 --eval-every 0.4 --export-every 100 --init-onnx models/mrz-rec.onnx \
    $EXTRA --out "$OUT" --work "$OUT/w" 2>&1 | tee "$OUT/train.log"
  # The device tool brings back at most 8 files a call; one archive holds every checkpoint.
  tar -C "$OUT" -cf "$OUT/checkpoints.tar" w && rm -rf "$OUT/w"
  ;;
*)
  echo "usage: models/gpu_finetune.sh 4|5 prepare|train" >&2
  exit 2
  ;;
esac

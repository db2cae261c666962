#!/bin/bash
# Stage 4 of the recogniser (models/README.md): a GPU fine-tune of the committed model on fresh
# pipeline-cut lines, hard-heavy, plus the real crops and synthetic lines in 33 typefaces.
#
#   models/stage4.sh prepare   # here (2 cores, ~25 min): build, cut lines, stage everything in .gpu/
#   models/stage4.sh train     # on the GPU machine, from the repository root, with .gpu carried;
#                              # cuts more lines on its 16 cores, trains 6.5 minutes, writes to $OUT
#
# The GPU machine reaches no network, and a call carries at most 64 MiB, so `prepare` copies what
# `train` needs into the git-ignored .gpu/: stripped binaries, the installed typefaces of
# render_lines.alt_fonts(), the real crops (never committed) and pipeline-cut lines as JPEG (q90).
set -eu
cd "$(dirname "$0")/.."
# The preset of the i-th seed of a run: 7 in 10 hard, 2 photo, 1 scan.
preset() { case $(($1 % 10)) in 7|8) echo photo;; 9) echo scan;; *) echo hard;; esac; }
case "${1:-}" in
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
  # most that fits the call's 64 MiB beside the repository.
  for i in $(seq 0 39); do
    s=$((40100 + i)); p=$(preset "$i")
    d=l${s}_$p; t=$(mktemp -d)
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
  G=/tmp/gpugen; P=/tmp/gpupipe; rm -rf $G $P; mkdir -p $G $P
  # Seeds 40000-40047, 24 documents each, cut on 16 cores in about a minute.
  for i in $(seq 0 47); do
    echo "$((40000 + i)) $(preset "$i")"
  done | RAYON_NUM_THREADS=1 xargs -P 16 -L 1 sh -c \
    ".gpu/bin/kyc-ocr synth --out $G/g\$0_\$1 --count 24 --seed \$0 --format mixed --preset \$1 >/dev/null && .gpu/bin/dump_lines $G/g\$0_\$1 $P/g\$0_\$1"
  PD=""; for d in $P/* .gpu/pipe/*; do PD="$PD --pipeline-dir $d"; done
  # shellcheck disable=SC2086
  python3 models/train_recogniser.py --arch slim --device cuda --workers 15 --minutes 6.5 --batch 128 \
    --real-dir .gpu/real --real-frac 0.3 --pipeline-frac 0.4 $PD --alt-font-p 0.35 --glyph-var-p 0.4 \
    --lr 5e-4 --warmup 0.05 --eval-every 0.4 --export-every 100 --init-onnx models/mrz-rec.onnx \
    --shadow-finetune 0.4 --seed 2614 --out "$OUT" --work "$OUT/w" 2>&1 | tee "$OUT/train.log"
  ;;
*)
  echo "usage: models/stage4.sh prepare|train" >&2
  exit 2
  ;;
esac

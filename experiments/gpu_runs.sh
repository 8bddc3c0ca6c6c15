#!/bin/bash
# Cascades trained side by side on one GPU, each evaluated on LFPW test crops: how the
# "Deep baselines on real faces" table of docs/results.md was made on a GPU machine
# (whose OpenCV 5 has no Haar cascades, hence the crops).
#
# Here:   python -m experiments.deep_real_faces --save-crops C/train.npz
#         python -m experiments.deep_real_faces --crops C/train.npz --save-test-crops C/test.npz
# There:  experiments/gpu_runs.sh C/train.npz C/test.npz OUTDIR 0.25:55:40:0 0.25:55:40:1 ...
#         (each run WIDTH:EPOCHS:LR_STEP:SEED, learning rate 1e-3, batch 8; the package
#         importable, e.g. pip install --target DIR . and PYTHONPATH=DIR)
# DEVICE: torch's device (default cuda). A run still training after LIMIT seconds
# (default 440) is stopped and exported after its last whole epoch, and says so in
# OUTDIR/log.txt; models are left in OUTDIR/<run>/.
set -u
[ $# -ge 4 ] || { sed -n 2,13p "$0"; exit 2; }
train=$(realpath "$1") test=$(realpath "$2") out=$(realpath -m "$3"); shift 3
mkdir -p "$out"
cd "$(dirname "$0")/.." || exit 1
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-3}
LIMIT=${LIMIT:-440}
common="--crops $train --device ${DEVICE:-cuda} --lr 1e-3 --batch-size 8"

run() {  # name width epochs lr_step seed
  local work="$out/$1" args="--work $out/$1 --width $2 --lr-step $4 --seed $5"
  timeout "$LIMIT" python3 -m experiments.deep_real_faces $common $args --epochs "$3" --train-only \
    > "$work.log" 2>&1
  if ! ls "$work"/*.onnx > /dev/null 2>&1; then
    local done_
    done_=$(python3 -c "import glob, numpy; print(int(numpy.load(glob.glob('$work/*.ckpt.npz')[0])['epoch']))" 2>/dev/null)
    [ -n "$done_" ] || { echo "$1: stopped before its first epoch ended" >> "$work.log"; return; }
    echo "$1: stopped after epoch $done_ of $3; exporting that" >> "$work.log"
    python3 -m experiments.deep_real_faces $common $args --epochs "$done_" --train-only >> "$work.log" 2>&1
  fi
}

names=()
for spec in "$@"; do
  IFS=: read -r width epochs step seed <<< "$spec"
  name="w${width}-e${epochs}-s${seed}"
  names+=("$name:$width:$seed")
  run "$name" "$width" "$epochs" "$step" "$seed" &
done
wait
for entry in "${names[@]}"; do
  IFS=: read -r name width seed <<< "$entry"
  { echo "== $name"; cat "$out/$name.log"; } >> "$out/log.txt"
  ls "$out/$name"/*.onnx > /dev/null 2>&1 || continue
  python3 -m experiments.deep_real_faces --work "$out/$name" --width "$width" --seed "$seed" \
    --test-crops "$test" >> "$out/log.txt" 2>&1
done
grep -v '^\[' "$out/log.txt"

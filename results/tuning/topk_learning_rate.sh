#!/usr/bin/env bash
# The learning-rate scan for the paper-scale budget (docs/results.md, "How the budget was
# chosen"): sae.topk(latents=16000,k=64) without anchoring, at four learning rates, 3,000 steps
# of 1,024 samples, scored every 250 steps. It trains on the tuning dataset lrb(seed=1), the
# paper's setting with another ground truth, never on the evaluation dataset (seed 0).
#
# Usage (from the repository root):
#   results/tuning/topk_learning_rate.sh [DATA_DIR]
# Resumable: finished runs in results/tuning/tuning.db are reused, never retrained. lrb runs
# through `bazel run`, so every run records the commit and whether the tree was dirty (the
# four runs of 2026-12-02 ran bazel-bin/bench/lrb directly, built from a clean 9f456c3, and so
# record no commit).
set -euo pipefail
lrb() { ./bazelw run --noshow_progress --ui_event_filters=-info //bench:lrb -- "$@"; }
data=${1:-/tmp/lrb-tuning-data}
db=results/tuning/tuning.db
[[ -f "$data/manifest.json" ]] || lrb generate --spec='lrb(seed=1)' --out="$data"
pids=()
for lr in 0.0005 0.001 0.002 0.004; do
  lrb train --dataset="$data" --method='sae.topk(latents=16000,k=64)' \
    --train="train(steps=3000,batch=1024,lr=$lr,warmup=200,decay=0.2,clip=1,eval_every=250)" \
    --db="$db" --threads=1 > "results/tuning/logs/topk_lr_$lr.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status

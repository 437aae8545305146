#!/usr/bin/env bash
# The rest of the budget study (docs/results.md, "How the budget is chosen"), after the TopK
# learning-rate scan (topk_learning_rate.sh) chose lr = 0.004:
#   1. the L1 coefficient of sae.relu and the L0 coefficient of sae.jumprelu at a matched
#      L0 = 64 (TopK's k), found by `lrb tune` with short 600-step probes;
#   2. training curves at the full study budget (3,000 steps, scored every 250) for TopK with
#      anchoring and for ReLU without and with anchoring (TopK without anchoring at this rate
#      is in the scan), and for JumpReLU at its chosen coefficient.
# Everything trains on the tuning dataset lrb(seed=1), never on the evaluation dataset.
#
# Usage (from the repository root):
#   results/tuning/budget_curves.sh [DATA_DIR]
# Resumable: `lrb tune` reuses the probes already in results/tuning/tuning.db, and a finished
# `lrb train` run is reused rather than retrained.
set -euo pipefail
lrb() { ./bazelw run --noshow_progress --ui_event_filters=-info //bench:lrb -- "$@"; }
data=${1:-/tmp/lrb-tuning-data}
db=results/tuning/tuning.db
logs=results/tuning/logs
[[ -f "$data/manifest.json" ]] || lrb generate --spec='lrb(seed=1)' --out="$data"

probe_budget='train(steps=600,batch=1024,lr=0.004,warmup=200,decay=0.2,clip=1)'
study_budget='train(steps=3000,batch=1024,lr=0.004,warmup=200,decay=0.2,clip=1,eval_every=250)'
anchor='+anchor(k=100,lambda=0.1)'

# Prints the spec `lrb tune` chose (its last line, "chosen: SPEC").
tune_to_l0_64() {  # family knob low high log
  lrb tune --dataset="$data" --method="sae.$1(latents=16000)" --knob="$2" --metric=eval.l0 \
    --target=64 --low="$3" --high="$4" --probes=8 --train="$probe_budget" --db="$db" \
    --threads=2 > "$logs/$5" 2>&1
  local chosen
  chosen=$(sed -n 's/^chosen: //p' "$logs/$5")
  [[ -n "$chosen" ]] || { echo "lrb tune did not converge: see $logs/$5" >&2; return 1; }
  echo "$chosen"
}
train() {  # method log
  lrb train --dataset="$data" --method="$1" --train="$study_budget" --db="$db" --threads=2 \
    > "$logs/$2" 2>&1
}

relu=$(tune_to_l0_64 relu l1 0.01 1 tune_relu_l1.log) || exit 1
train "$relu" relu.log
train "sae.topk(latents=16000,k=64)$anchor" topk_anchor.log
train "$relu$anchor" relu_anchor.log
jumprelu=$(tune_to_l0_64 jumprelu l0 0.01 1 tune_jumprelu_l0.log) || exit 1
train "$jumprelu" jumprelu.log

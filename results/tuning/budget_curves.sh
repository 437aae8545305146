#!/usr/bin/env bash
# The rest of the budget study (docs/results.md, "How the budget is chosen"), after the TopK
# learning-rate scan (topk_learning_rate.sh) chose lr = 0.004:
#   - training curves at the full study budget (3,000 steps, scored every 250) for TopK with
#     anchoring and for ReLU without and with anchoring (TopK without anchoring at this rate
#     is in the scan);
#   - ReLU's L1 coefficient at a matched L0 = 64 (TopK's k) by `lrb tune`, and JumpReLU's L0
#     coefficient by full-budget probes, down to the end of each knob's reach.
# Everything trains on the tuning dataset lrb(seed=1), never on the evaluation dataset.
#
# Usage (from the repository root):
#   results/tuning/budget_curves.sh [DATA_DIR]
# Resumable: `lrb tune` reuses the probes already in results/tuning/tuning.db, and a finished
# `lrb train` run is reused rather than retrained. Logs are appended to, never overwritten.
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
tune_to_l0_64() {  # family knob low high budget log
  lrb tune --dataset="$data" --method="sae.$1(latents=16000)" --knob="$2" --metric=eval.l0 \
    --target=64 --low="$3" --high="$4" --probes=8 --train="$5" --db="$db" \
    --threads=2 >> "$logs/$6" 2>&1
  local chosen
  chosen=$(sed -n 's/^chosen: //p' "$logs/$6" | tail -1)
  [[ -n "$chosen" ]] || { echo "lrb tune did not converge: see $logs/$6" >&2; return 1; }
  echo "$chosen"
}
train() {  # method log
  lrb train --dataset="$data" --method="$1" --train="$study_budget" --db="$db" --threads=2 \
    >> "$logs/$2" 2>&1
}

# What ran, in order (2026-12-02). Step 1's 600-step probes matched L0 = 64 at step 600, but
# the full-budget curve of step 2 shows ReLU's L0 still falling until step ~1,500 (62.7 at
# step 600 becomes 27.7 at step 3,000), so the coefficient is matched again in step 3 with
# probes at the full study budget, whose end point l1 = 0.0182 is step 2's run, reused.
relu_600=$(tune_to_l0_64 relu l1 0.01 1 "$probe_budget" tune_relu_l1.log) || exit 1  # step 1
train "$relu_600" relu.log                                                         # step 2
train "sae.topk(latents=16000,k=64)$anchor" topk_anchor.log
train "$relu_600$anchor" relu_anchor.log
# Step 3 ended without a bracket: l1 = 0.006 ends at L0 39.6 (dense until step ~1,250), so
# L0 = 64 lies below l1 = 0.006 and the search exits 1 here until the interval is widened
# (docs/results.md, "Next steps").
relu=$(tune_to_l0_64 relu l1 0.006 0.0182 "$study_budget" tune_relu_l1_full.log) ||
  relu="not bracketed yet"                                                         # step 3
# Step 4: both ends of JumpReLU's search at the full budget (bandwidth and theta at the
# family's defaults). They settle at L0 4.3 and 8.1, so L0 = 64 is outside [0.01, 1] too.
train 'sae.jumprelu(latents=16000,l0=1)' tune_jumprelu_l0_full.log
train 'sae.jumprelu(latents=16000,l0=0.01)' tune_jumprelu_l0_full.log
# Step 5: the end of each knob's reach. JumpReLU without any penalty (l0 = 0) settles at L0
# 8.6, so no coefficient reaches 64. ReLU at l1 = 0.00135 (where the power law between 0.006
# and 0.0182 put L0 = 64) stays dense (L0 802): L0 = 64 is bracketed by [0.00135, 0.006], but
# only as a transient on the edge between the dense and the settled regime, so the search's
# third probe (0.00473) was interrupted at its start (hence --probes=2 here: the two ends)
# and the coefficients were chosen by the rule in docs/results.md ("The coefficients
# chosen"). On 2026-12-02 these two ran side by
# side with one thread each (--threads=1 instead of this script's 2).
train 'sae.jumprelu(latents=16000,l0=0)' tune_jumprelu_l0_full.log
lrb tune --dataset="$data" --method='sae.relu(latents=16000)' --knob=l1 --metric=eval.l0 \
  --target=64 --low=0.00135 --high=0.006 --probes=2 --train="$study_budget" --db="$db" \
  --threads=2 >> "$logs/tune_relu_l1_full.log" 2>&1 || true
echo "ReLU at L0 = 64 after the full budget: $relu"

#!/usr/bin/env bash
# Serve AgentGate's LLM backend with vLLM's OpenAI-compatible server (needs a GPU).
# The router asks for JSON-schema constrained output (response_format json_schema) and token
# log-probabilities (for confidence), so both are enabled here. Point autonet at it with
#   AUTONET_GATE_BACKEND=llm AUTONET_LLM_BASE_URL=http://HOST:8000/v1 AUTONET_LLM_MODEL=$MODEL
# A LoRA adapter fine-tuned on `autonet gate export-sft` output is served with --lora-modules.
set -euo pipefail
MODEL=${MODEL:-Qwen/Qwen2.5-7B-Instruct}
ARGS=(
  --host 0.0.0.0 --port "${PORT:-8000}"
  --served-model-name "$MODEL"
  --max-model-len "${MAX_MODEL_LEN:-8192}"
  --max-logprobs 5
  --enable-prefix-caching
  --gpu-memory-utilization "${GPU_MEMORY_UTILIZATION:-0.85}"
)
if [[ -n "${LORA_PATH:-}" ]]; then
  ARGS+=(--enable-lora --lora-modules "agentgate=${LORA_PATH}")
fi
exec vllm serve "$MODEL" "${ARGS[@]}"

// Package cost computes what a transformer costs to run and train from the config.json
// people actually have: parameters by component, FLOPs per token and per sequence,
// prefill and decode FLOPs, KV-cache bytes, training FLOPs and memory, and MFU.
//
// ReadConfig normalizes a Hugging Face config.json (GPT-2, Llama, Mistral, Mixtral, Qwen2,
// Qwen2-MoE, Qwen3, Qwen3-MoE, Gemma 1–3, Phi, Phi-3, BERT, RoBERTa, DistilBERT) into a
// Config of plain dimensions. Counts come from the dimensions alone; the model's name is
// never read.
//
// Notation, used in every formula of this package:
//
//	d     hidden size              L     layers
//	H     query heads              H_kv  key/value heads
//	h     head dimension           f     MLP intermediate width
//	V     vocabulary size          S     tokens in a sequence
//
// Conventions: a multiply-add counts as 2 FLOPs. Only matrix products are counted: the
// weight matrices and the two attention products QKᵀ and PV. Norms, activations, softmax,
// rotary embeddings and residual additions are not. The attention term counts all S²
// query-key pairs unless Attention.CausalHalving selects S²/2; calflops and PaLM count
// all pairs, MaxText halves. Training costs three forward passes.
//
// Error policy: functions that read files or take workload sizes return errors; a config
// that cannot be costed with certainty (missing or invalid field, unknown model_type,
// Meta's params.json layout) is rejected with a *ConfigError naming the file and the field,
// never guessed. Missing optional keys take transformers' documented defaults and are
// listed in Config.Notes. Nothing panics on user input.
//
// Limitations: activation memory is not modeled; sliding-window attention and
// multi-head latent attention (DeepSeek) are not modeled (the first is counted as full
// attention and noted, the second is rejected); encoder task heads other than the
// masked-LM head are not counted and are noted.
//
// Chapter 2 (notebooks/02-matmul-attention-cost.ipynb) and `gradlab cost` use this package.
package cost

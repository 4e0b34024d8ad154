package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/gradlab/gradlab/lib/cost"
)

func init() {
	register(command{
		name:    "cost",
		summary: "parameters, FLOPs and memory of a model from its config.json",
		run:     runCost,
	})
}

// defaultSeqLen is the sequence length used when --seq is not given, unless the model's
// max_position_embeddings is smaller.
const defaultSeqLen = 2048

const costJSONKeys = `
With --json the output is one object (schema "gradlab.cost/v1"; keys are never renamed
or removed within a schema version). FLOPs count a multiply-add as 2; sizes are bytes.
  schema, source, model_type, encoder      what was read
  seq, batch, dtype, causal_halving        the workload
  dims                                     hidden_size, num_layers, num_heads, num_kv_heads,
                                           head_dim, intermediate_size, vocab_size,
                                           gated_mlp, tied_embeddings, num_experts,
                                           experts_per_token
  params                                   embedding, attention, mlp, norms, head
  params_total, params_active              all parameters; those one token uses (MoE)
  matmul_flops_per_token                   2 × matmul weights per token
  attention_flops, forward_flops           QK^T and PV; whole forward pass (batch × seq)
  attention_share                          attention_flops / forward_flops
  prefill_flops                            forward pass over batch prompts of seq tokens
  decode_flops_per_token                   one new token at context seq
  kv_cache_bytes_per_token, kv_cache_bytes per token; for batch × seq tokens
  training_flops_6n, training_flops        6·N·tokens; 3 × forward (one step on the batch)
  weight_bytes                             all parameters in dtype
  training_memory                          weights_bytes, gradients_bytes, optimizer_bytes,
                                           master_weights_bytes, total_bytes (AdamW)
  notes                                    defaults filled in, parts not counted
Decoder-only keys (prefill, decode, KV cache) are null for encoders.
`

func runCost(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cost", "CONFIG.json [--seq N] [--batch B] [--dtype bf16|fp16|fp32] [--causal-halving] [--json]", stderr)
	seq := fs.Int("seq", 0, fmt.Sprintf("tokens per sequence: prompt length, decode context and training length (default %d, or max_position_embeddings when smaller)", defaultSeqLen))
	batch := fs.Int("batch", 1, "sequences in the batch")
	dtypeName := fs.String("dtype", "", "dtype of weights, gradients and KV cache: bf16, fp16 or fp32 (default: the config's dtype, else bf16)")
	halving := fs.Bool("causal-halving", false, "count S²/2 attention query-key pairs, as MaxText does (default: all S², as calflops and PaLM do)")
	asJSON := fs.Bool("json", false, "print one JSON object with the keys listed below")
	modelType := fs.String("model-type", "", "model_type to use when the file has none (for example gpt2 for old GPT-2 files)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(stderr, costJSONKeys)
	}

	positional, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return usageErrorf("want exactly one CONFIG.json (got %d arguments)", len(positional))
	}
	if *seq < 0 || *batch < 1 {
		return usageErrorf("--seq must be positive and --batch at least 1 (got --seq %d, --batch %d)", *seq, *batch)
	}
	var dtype cost.DType
	if *dtypeName != "" {
		if dtype, err = cost.ParseDType(*dtypeName); err != nil {
			return usageErrorf("--dtype %q: want bf16, fp16 or fp32", *dtypeName)
		}
	}

	c, err := cost.ReadConfigAs(positional[0], *modelType)
	if err != nil {
		return err
	}
	seqLen := *seq
	if seqLen == 0 {
		seqLen = defaultSeqLen
		if c.MaxPositions > 0 && c.MaxPositions < defaultSeqLen {
			seqLen = int(c.MaxPositions)
		}
	}
	summary, err := cost.Summarize(c, cost.Options{
		SeqLen: seqLen, Batch: *batch, DType: dtype, Attention: cost.Attention{CausalHalving: *halving},
	})
	if err != nil {
		return err
	}

	if *asJSON {
		encoder := json.NewEncoder(stdout)
		encoder.SetIndent("", "  ")
		return encoder.Encode(summary)
	}
	return summary.WriteText(stdout)
}

// parseInterleaved parses flags that may come before or after positional arguments
// ("CONFIG.json --seq 8" as well as "--seq 8 CONFIG.json") and returns the positionals.
// A lone "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

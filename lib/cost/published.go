package cost

import "fmt"

// PublishedCheck is one count of this package beside the published number it should
// reproduce.
type PublishedCheck struct {
	Quantity  string  // what is counted, with its unit
	Counted   float64 // this package's count, in the unit of Quantity
	Published float64 // the published figure, in the same unit
	Source    string  // publication, or derivation, of the figure
}

// PublishedChecks recomputes the published figures that the tests hold this package to,
// for a chapter to show them:
//
//   - Llama-2-7B forward pass on 128 tokens: 1700.06 GFLOPs (calflops README, "Large
//     Language Model" table; 2 FLOPs per multiply-add, all S² query-key pairs);
//   - Llama-2-7B training, 4 sequences of 8,192 tokens: 1299.00 TFLOPs for learnable
//     weights and 211.11 for attention with causal halving (MaxText
//     calculate_tflops_training_per_device);
//   - GPT-3 175B on 300B tokens: 3.14e23 FLOPs by the 6N rule (Brown et al. 2020, Table D.1);
//   - Llama-2-7B parameters: 6,738,415,616 (calflops README), and its bf16 KV cache: 524,288 bytes per token
//     (2 · 32 layers · 32 heads · 128 · 2 bytes).
//
// It returns an error only when an embedded config fails to parse.
func PublishedChecks() ([]PublishedCheck, error) {
	llama, err := ReadReference("llama-2-7b-chat-hf")
	if err != nil {
		return nil, err
	}
	gpt3, err := ReadReference("gpt3-175b")
	if err != nil {
		return nil, err
	}
	kv, err := llama.KVCacheBytesPerToken(BF16)
	if err != nil {
		return nil, err
	}
	halved := Attention{CausalHalving: true}
	return []PublishedCheck{
		{"Llama-2-7B forward, 128 tokens (GFLOPs)", llama.ForwardFLOPs(128, Attention{}) / 1e9, 1700.06, "calflops README"},
		{"Llama-2-7B training weights, 4×8192 tokens (TFLOPs)", 3 * 4 * 8192 * llama.MatmulFLOPsPerToken() / 1e12, 1299.00, "MaxText"},
		{"Llama-2-7B training attention, halved (TFLOPs)", 3 * 4 * llama.AttentionFLOPs(8192, halved) / 1e12, 211.11, "MaxText"},
		{"GPT-3 175B, 300B tokens, 6N rule (1e23 FLOPs)", gpt3.TrainingFLOPs6N(300e9) / 1e23, 3.14, "Brown et al. 2020, Table D.1"},
		{"Llama-2-7B parameters", float64(llama.Params().Total), 6_738_415_616, "calflops README"},
		{"Llama-2-7B bf16 KV cache per token (bytes)", float64(kv), 524_288, "2·L·H_kv·d_head·2 bytes"},
	}, nil
}

// PublishedTable returns checks as table rows: quantity, counted, published, relative
// difference and source.
func PublishedTable(checks []PublishedCheck) (header []string, rows [][]string) {
	header = []string{"quantity", "counted here", "published", "difference", "source"}
	for _, c := range checks {
		rows = append(rows, []string{c.Quantity, formatCheck(c.Counted), formatCheck(c.Published),
			fmt.Sprintf("%+.3f%%", 100*(c.Counted-c.Published)/c.Published), c.Source})
	}
	return header, rows
}

// formatCheck writes counts (integers of six digits or more) with thousands separators
// and other values with 2 decimals.
func formatCheck(v float64) string {
	if v == float64(int64(v)) && v >= 100_000 {
		return FormatCount(int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}

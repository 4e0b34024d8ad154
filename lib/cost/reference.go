package cost

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
)

// referenceFiles are the config.json files under testdata: real files and reduced copies of
// published models' configs (testdata/README.md lists their origin). They are embedded so
// chapters can cost them without a path on disk.
//
//go:embed testdata/*.json
var referenceFiles embed.FS

// ReferenceNames returns the names of the embedded configs, sorted, without ".json".
func ReferenceNames() []string {
	entries, _ := referenceFiles.ReadDir("testdata")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// ReadReference parses the embedded config of that name (see ReferenceNames) with the
// same checks as ParseConfig, so the files kept as examples of rejection return their error.
func ReadReference(name string) (*Config, error) {
	file := path.Join("testdata", name+".json")
	data, err := referenceFiles.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cost: ReadReference: no embedded config %q (have %s)", name, strings.Join(ReferenceNames(), ", "))
	}
	return ParseConfig(data, name+".json")
}

// Table returns one row per config for a notebook or terminal table. The columns are the
// model, total and active parameters, KV cache per token, prefill FLOPs for one prompt of
// opts.SeqLen tokens, decode FLOPs per token at that context, and the attention share of
// the forward pass, marked when opts.SeqLen exceeds the model's max_position_embeddings.
// Encoders show "—" for decoder-only columns. It returns an error when Summarize does.
func Table(configs []*Config, opts Options) (header []string, rows [][]string, err error) {
	header = []string{"model", "params", "active", "KV cache / token",
		fmt.Sprintf("prefill %d tok", opts.SeqLen), fmt.Sprintf("decode / tok @%d", opts.SeqLen), "attention share"}
	for _, c := range configs {
		s, err := Summarize(c, Options{SeqLen: opts.SeqLen, Batch: 1, DType: opts.DType, Attention: opts.Attention})
		if err != nil {
			return nil, nil, err
		}
		kv, prefill, decode := "—", "—", "—"
		if s.KVCacheBytesPerToken != nil {
			kv = FormatBytes(float64(*s.KVCacheBytesPerToken))
			prefill = FormatFLOPs(*s.PrefillFLOPs)
			decode = FormatFLOPs(*s.DecodeFLOPsPerToken)
		}
		share := fmt.Sprintf("%.1f%%", 100*s.AttentionShare)
		if c.MaxPositions > 0 && int64(opts.SeqLen) > c.MaxPositions {
			share += fmt.Sprintf(" (beyond its %d positions)", c.MaxPositions)
		}
		rows = append(rows, []string{
			strings.TrimSuffix(path.Base(c.Source), ".json"),
			formatBillions(s.ParamsTotal), formatBillions(s.ParamsActive), kv, prefill, decode, share,
		})
	}
	return header, rows, nil
}

// formatBillions writes a parameter count as "6.74B" or "124M".
func formatBillions(n int64) string {
	if n >= 1e9 {
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	}
	return fmt.Sprintf("%.0fM", float64(n)/1e6)
}

// ReadReferences reads several embedded configs in order and stops at the first error.
func ReadReferences(names ...string) ([]*Config, error) {
	configs := make([]*Config, 0, len(names))
	for _, name := range names {
		c, err := ReadReference(name)
		if err != nil {
			return nil, err
		}
		configs = append(configs, c)
	}
	return configs, nil
}

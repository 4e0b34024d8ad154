package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func costTestdata(name string) string {
	return filepath.Join("..", "..", "lib", "cost", "testdata", name)
}

func runCostCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runMain(append([]string{"cost"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCostJSON(t *testing.T) {
	code, stdout, stderr := runCostCommand(t, costTestdata("llama-2-7b-chat-hf.json"), "--seq", "128", "--dtype", "bf16", "--json")
	if code != 0 {
		t.Fatalf("exit status = %d, want 0; stderr: %s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	// Llama-2-7B: 6,738,415,616 parameters; 524,288 KV bytes per token in bf16; the
	// 128-token forward pass 2·6,607,077,376·128 + 4·32·32·128·128² = 1,700,001,742,848
	// FLOPs (calflops: 1700.06 GFLOPs); decode at context 128: 2·6,607,077,376 + 4·32·32·128·128.
	want := map[string]float64{
		"params_total":             6_738_415_616,
		"params_active":            6_738_415_616,
		"kv_cache_bytes_per_token": 524_288,
		"prefill_flops":            1_700_001_742_848,
		"decode_flops_per_token":   13_214_154_752 + 67_108_864,
		"seq":                      128,
		"batch":                    1,
	}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s = %v, want %v", key, got[key], value)
		}
	}
	if got["dtype"] != "bf16" || got["schema"] != "gradlab.cost/v1" {
		t.Errorf("dtype, schema = %v, %v, want bf16, gradlab.cost/v1", got["dtype"], got["schema"])
	}
}

func TestCostFlagsAfterOrBeforeFile(t *testing.T) {
	_, before, _ := runCostCommand(t, "--seq", "64", "--json", costTestdata("gpt2-124m-fp16.json"))
	_, after, _ := runCostCommand(t, costTestdata("gpt2-124m-fp16.json"), "--seq", "64", "--json")
	if before != after || !strings.Contains(before, `"seq": 64`) {
		t.Errorf("flag order changed the output:\n%s\nvs\n%s", before, after)
	}
}

func TestCostText(t *testing.T) {
	code, stdout, _ := runCostCommand(t, costTestdata("gpt2-124m-fp16.json"))
	if code != 0 {
		t.Fatalf("exit status = %d, want 0", code)
	}
	// GPT-2's n_positions is 1024, below the default 2048, so seq defaults to 1024.
	for _, want := range []string{"124,439,808", "seq 1024", "fp16", "KV cache per token", "n_inner is null"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCostCausalHalving(t *testing.T) {
	_, full, _ := runCostCommand(t, costTestdata("llama-2-7b-chat-hf.json"), "--seq", "8192", "--json")
	_, halved, _ := runCostCommand(t, costTestdata("llama-2-7b-chat-hf.json"), "--seq", "8192", "--json", "--causal-halving")
	var a, b map[string]any
	if err := json.Unmarshal([]byte(full), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(halved), &b); err != nil {
		t.Fatal(err)
	}
	if b["attention_flops"].(float64) != a["attention_flops"].(float64)/2 {
		t.Errorf("halved attention_flops = %v, want %v / 2", b["attention_flops"], a["attention_flops"])
	}
	if b["causal_halving"] != true {
		t.Errorf("causal_halving = %v, want true", b["causal_halving"])
	}
}

func TestCostRejectsFiles(t *testing.T) {
	dir := t.TempDir()
	malformed := filepath.Join(dir, "config.json")
	if err := os.WriteFile(malformed, []byte(`{"model_type": "llama",`), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	llama := `{"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
"num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100`
	folder := filepath.Join(dir, "config-dir.json")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file, want string
	}{
		{"meta params", costTestdata("llama2-meta-params-style-not-hf.json"), "params.json"},
		{"legacy gpt2", costTestdata("gpt2-legacy-no-model_type.json"), "--model-type gpt2"},
		{"malformed", malformed, "malformed JSON"},
		{"absent", filepath.Join(dir, "absent.json"), "absent.json"},
		{"directory", folder, "config-dir.json: is a directory"},
		{"zero dimension", write("zero.json", strings.Replace(llama, `"hidden_size": 64`, `"hidden_size": 0`, 1)+"}"), `field "hidden_size" (line 1): want a positive integer (got 0)`},
		{"negative dimension", write("neg.json", strings.Replace(llama, `"num_hidden_layers": 2`, `"num_hidden_layers": -2`, 1)+"}"), `"num_hidden_layers" (line 1): want a positive integer (got -2)`},
		{"heads do not divide hidden", write("heads.json", strings.Replace(llama, `"num_attention_heads": 4, "num_key_value_heads": 2`, `"num_attention_heads": 6, "num_key_value_heads": 6`, 1)+"}"), "does not divide the hidden size"},
		{"kv heads do not divide heads", write("kv.json", strings.Replace(llama, `"num_key_value_heads": 2`, `"num_key_value_heads": 3`, 1)+"}"), "3 key/value heads do not divide 4"},
		{"int64 overflow", write("big.json", strings.Replace(llama, `"vocab_size": 100`, `"vocab_size": 99999999999999999999999`, 1)+"}"), `"vocab_size" (line 2): value 99999999999999999999999 is too large`},
		{"duplicate key", write("dup.json", llama+`,
"hidden_size": 32}`), `field "hidden_size" (line 3): appears twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCostCommand(t, tc.file)
			if code != 1 {
				t.Errorf("exit status = %d, want 1", code)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tc.want) || !strings.HasPrefix(stderr, "gradlab cost: ") {
				t.Errorf("stderr = %q, want a gradlab cost error containing %q", stderr, tc.want)
			}
			if !strings.Contains(stderr, filepath.Base(tc.file)) {
				t.Errorf("stderr = %q does not name the file", stderr)
			}
		})
	}
}

func TestCostModelTypeFlag(t *testing.T) {
	code, stdout, stderr := runCostCommand(t, costTestdata("gpt2-legacy-no-model_type.json"), "--model-type", "gpt2", "--json")
	if code != 0 {
		t.Fatalf("exit status = %d, want 0; stderr: %s", code, stderr)
	}
	// GPT-2 small's layout with a 21128-token vocabulary, by hand: 102,068,736.
	if !strings.Contains(stdout, `"params_total": 102068736`) {
		t.Errorf("output lacks params_total 102068736:\n%s", stdout)
	}
}

func TestCostUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"no file":    {},
		"two files":  {"a.json", "b.json"},
		"bad dtype":  {costTestdata("gpt2-124m-fp16.json"), "--dtype", "int8"},
		"zero batch": {costTestdata("gpt2-124m-fp16.json"), "--batch", "0"},
		"bad seq":    {costTestdata("gpt2-124m-fp16.json"), "--seq", "-3"},
		"bad flag":   {costTestdata("gpt2-124m-fp16.json"), "--sequence", "8"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if code, _, _ := runCostCommand(t, args...); code != 2 {
				t.Errorf("exit status = %d, want 2", code)
			}
		})
	}
}

func TestCostHelpListsJSONKeys(t *testing.T) {
	code, _, stderr := runCostCommand(t, "-h")
	if code != 0 {
		t.Errorf("exit status = %d, want 0", code)
	}
	for _, key := range []string{"params_total", "params_active", "kv_cache_bytes_per_token", "prefill_flops", "decode_flops_per_token"} {
		if !strings.Contains(stderr, key) {
			t.Errorf("help lacks %q", key)
		}
	}
}

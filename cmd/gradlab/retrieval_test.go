package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/backend"
	"github.com/gradlab/gradlab/lib/retrieval"
	"github.com/gradlab/gradlab/lib/textenc"
)

// The retrieval test data lives with the library.
var retrievalTestdata = filepath.Join("..", "..", "lib", "retrieval", "testdata")

func runRetrievalCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runMain(append([]string{"retrieval"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeNpyFile(t *testing.T, path string, m retrieval.Matrix) {
	t.Helper()
	var buf bytes.Buffer
	if err := retrieval.WriteNpy(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hrPolicyEmbeddings embeds the HR policy chunks and queries with an untrained hashed
// n-gram encoder (a random projection of character n-gram counts) into .npy files.
func hrPolicyEmbeddings(t *testing.T, dir string) (queries, docs string) {
	t.Helper()
	ds, err := retrieval.ReadBEIR(retrieval.BEIRPaths{
		Corpus:  filepath.Join(retrievalTestdata, "hr-policy-query-slices", "corpus.jsonl"),
		Queries: filepath.Join(retrievalTestdata, "hr-policy-query-slices", "queries.jsonl"),
	}, retrieval.Fields{DocID: "chunk_id", QueryID: "query_id", QueryText: "query", Relevant: "expected_chunks"})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := textenc.New(backend.MustNew(), textenc.Config{Buckets: 1 << 12, Dim: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := enc.Encode(ds.QueryTexts)
	d, _ := enc.Encode(ds.DocTexts)
	queries, docs = filepath.Join(dir, "queries.npy"), filepath.Join(dir, "docs.npy")
	writeNpyFile(t, queries, q)
	writeNpyFile(t, docs, d)
	return queries, docs
}

func TestRetrievalHRPolicyBEIR(t *testing.T) {
	dir := t.TempDir()
	queries, docs := hrPolicyEmbeddings(t, dir)
	out := filepath.Join(dir, "out")
	jsonPath := filepath.Join(dir, "report.json")
	code, stdout, stderr := runRetrievalCmd(t,
		"--beir", filepath.Join(retrievalTestdata, "hr-policy-query-slices"),
		"--doc-id-field", "chunk_id", "--query-id-field", "query_id", "--query-text-field", "query",
		"--relevant-field", "expected_chunks", "--slice-field", "type",
		"--query-emb", queries, "--doc-emb", docs, "--json", jsonPath, "--out", out, "--bootstrap", "200")
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"no-answer", "similar-document", "ndcg_cut_10", "cosine minus dot", "3 queries without judgments have a mean top score"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "3 queries have no judgment") {
		t.Errorf("stderr does not warn about the no-answer queries:\n%s", stderr)
	}

	var report struct {
		Runs    map[string]map[string]map[string]*float64 `json:"runs"`
		Skipped map[string]struct {
			NotJudged []string `json:"not_judged"`
		} `json:"skipped"`
		Comparisons []map[string]any `json:"comparisons"`
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	if n := report.Runs["cosine"]["all"]["num_q"]; n == nil || *n != 13 {
		t.Errorf("runs.cosine.all.num_q = %v, want 13 (16 queries, 3 without an answer)", n)
	}
	if v := report.Runs["dot"]["no-answer"]["ndcg_cut_10"]; v != nil {
		t.Errorf("runs.dot.no-answer.ndcg_cut_10 = %v, want null", *v)
	}
	if got := report.Skipped["cosine"].NotJudged; len(got) != 3 {
		t.Errorf("skipped.cosine.not_judged = %v, want Q14, Q15, Q16", got)
	}
	if len(report.Comparisons) == 0 {
		t.Errorf("no paired comparisons in the report")
	}
	for _, name := range []string{"ndcg_cut_10.svg", "recall_10.svg", "cosine.run", "dot.run"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("--out lacks %s: %v", name, err)
		}
	}
	// The written run reads back and evaluates.
	if _, _, err := retrieval.ReadRun(filepath.Join(out, "cosine.run")); err != nil {
		t.Errorf("written run does not read back: %v", err)
	}
}

// TestRetrievalTRECMatchesSklearn evaluates the TF-IDF run of the HR set from TREC files and
// checks the MAP of all queries against the mean of scikit-learn's average precisions.
func TestRetrievalTRECMatchesSklearn(t *testing.T) {
	dir := t.TempDir()
	ds, err := retrieval.ReadBEIR(retrieval.BEIRPaths{
		Corpus:  filepath.Join(retrievalTestdata, "hr-policy-query-slices", "corpus.jsonl"),
		Queries: filepath.Join(retrievalTestdata, "hr-policy-query-slices", "queries.jsonl"),
	}, retrieval.Fields{DocID: "chunk_id", QueryID: "query_id", QueryText: "query", Relevant: "expected_chunks", Slice: "type"})
	if err != nil {
		t.Fatal(err)
	}
	var qrels, slices bytes.Buffer
	if err := retrieval.WriteQrels(&qrels, ds.Qrels); err != nil {
		t.Fatal(err)
	}
	for _, qid := range ds.QueryIDs {
		fmt.Fprintf(&slices, "%s\t%s\n", qid, ds.Slices[qid])
	}
	qrelsPath, slicesPath := filepath.Join(dir, "hr.qrels"), filepath.Join(dir, "slices.tsv")
	os.WriteFile(qrelsPath, qrels.Bytes(), 0o644)
	os.WriteFile(slicesPath, slices.Bytes(), 0o644)

	code, stdout, stderr := runRetrievalCmd(t, "--qrels", qrelsPath, "--slices", slicesPath,
		"--run", filepath.Join(retrievalTestdata, "hr-policy-query-slices", "tfidf.run"), "--json", "-", "--bootstrap", "100")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// With --json - standard output holds the JSON alone and the tables go to stderr.
	var report struct {
		Runs map[string]map[string]map[string]*float64 `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("--json - output is not one JSON document: %v\n%s", err, stdout)
	}
	if !strings.Contains(stderr, "ndcg_cut_10") {
		t.Errorf("stderr lacks the table:\n%s", stderr)
	}
	// trec_eval's summary line sums num_ret over the queries (m_num_ret.c): 13 judged
	// queries of the HR set, each with the 42 chunks the TF-IDF run ranks.
	if got := report.Runs["tfidf"]["all"]["num_ret"]; got == nil || *got != 13*42 {
		t.Errorf("runs.tfidf.all.num_ret = %v, want %d (a sum, as trec_eval reports it)", got, 13*42)
	}
	var ref struct {
		Queries map[string]map[string]float64 `json:"queries"`
	}
	data, _ := os.ReadFile(filepath.Join(retrievalTestdata, "reference", "hr_policy_tfidf.json"))
	json.Unmarshal(data, &ref)
	want := 0.0
	for _, q := range ref.Queries {
		want += q["map"]
	}
	want /= float64(len(ref.Queries))
	got := report.Runs["tfidf"]["all"]["map"]
	if got == nil || fmt.Sprintf("%.12f", *got) != fmt.Sprintf("%.12f", want) {
		t.Errorf("runs.tfidf.all.map = %v, want %v (mean of sklearn 1.2.1 average_precision_score)", got, want)
	}
}

// TestRetrievalFloat16CosineEqualsDot runs the bge-m3 float16 vectors through the command:
// their rows are unit-norm, so cosine and dot give the same ranking and scores.
func TestRetrievalFloat16CosineEqualsDot(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join(retrievalTestdata, "bge-m3-fp16-it", "embeddings.npy"))
	if err != nil {
		t.Fatal(err)
	}
	headerLen := int(binary.LittleEndian.Uint16(raw[8:10]))
	data := raw[10+headerLen:]
	rowBytes := 1024 * 2
	writeFloat16 := func(name string, rows []byte, n int) string {
		dict := fmt.Sprintf("{'descr': '<f2', 'fortran_order': False, 'shape': (%d, 1024), }", n)
		var b bytes.Buffer
		b.WriteString("\x93NUMPY\x01\x00")
		binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
		b.WriteString(dict)
		b.Write(rows)
		path := filepath.Join(dir, name)
		os.WriteFile(path, b.Bytes(), 0o644)
		return path
	}
	docs := writeFloat16("docs.npy", data[:7*rowBytes], 7)
	queries := writeFloat16("queries.npy", data[7*rowBytes:], 1)
	beir := filepath.Join(dir, "beir")
	os.MkdirAll(filepath.Join(beir, "qrels"), 0o755)
	var corpus strings.Builder
	for i := range 7 {
		fmt.Fprintf(&corpus, `{"_id": "d%d", "text": "row %d"}`+"\n", i, i)
	}
	os.WriteFile(filepath.Join(beir, "corpus.jsonl"), []byte(corpus.String()), 0o644)
	os.WriteFile(filepath.Join(beir, "queries.jsonl"), []byte(`{"_id": "q7", "text": "quale sport estivo?"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(beir, "qrels", "test.tsv"), []byte("query-id\tcorpus-id\tscore\nq7\td3\t1\n"), 0o644)

	out := filepath.Join(dir, "out")
	code, stdout, stderr := runRetrievalCmd(t, "--beir", beir, "--query-emb", queries, "--doc-emb", docs, "--out", out, "--bootstrap", "10")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	cos, _, err := retrieval.ReadRun(filepath.Join(out, "cosine.run"))
	if err != nil {
		t.Fatal(err)
	}
	dot, _, _ := retrieval.ReadRun(filepath.Join(out, "dot.run"))
	for i := range cos["q7"] {
		c, d := cos["q7"][i], dot["q7"][i]
		if c.DocID != d.DocID || abs(c.Score-d.Score) > 1e-3 {
			t.Errorf("rank %d: cosine %v, dot %v; want the same document and score within 1e-3", i+1, c, d)
		}
	}
	if cos["q7"][0].DocID != "d3" {
		t.Errorf("first document = %s, want d3 (beach volleyball)", cos["q7"][0].DocID)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestRetrievalBadInput(t *testing.T) {
	dir := t.TempDir()
	queries, docs := hrPolicyEmbeddings(t, dir)
	hr := filepath.Join(retrievalTestdata, "hr-policy-query-slices")
	hrFlags := []string{"--beir", hr, "--doc-id-field", "chunk_id", "--query-id-field", "query_id",
		"--query-text-field", "query", "--relevant-field", "expected_chunks"}

	wrongDim := filepath.Join(dir, "wrong.npy")
	writeNpyFile(t, wrongDim, retrieval.NewMatrix(16, 8))
	withNaN := filepath.Join(dir, "nan.npy")
	m, _ := retrieval.ReadNpy(queries)
	m.Row(2)[5] = float32(nan())
	writeNpyFile(t, withNaN, m)
	fewRows := filepath.Join(dir, "few.npy")
	writeNpyFile(t, fewRows, retrieval.NewMatrix(3, m.Cols))
	emptyRun := filepath.Join(dir, "empty.run")
	os.WriteFile(emptyRun, nil, 0o644)
	qrels := filepath.Join(dir, "x.qrels")
	os.WriteFile(qrels, []byte("q 0 d 1\n"), 0o644)
	// A header claiming 6.4e25 bytes of data must be rejected before any allocation.
	huge := filepath.Join(dir, "huge.npy")
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000000, 4000000000000), }"
	os.WriteFile(huge, append([]byte("\x93NUMPY\x01\x00"+string([]byte{byte(len(dict)), 0})+dict), 0, 0, 0, 0), 0o644)
	queriesJSONL := filepath.Join(dir, "queries.jsonl")
	os.WriteFile(queriesJSONL, []byte(`{"id": "Q01", "embedding": [1e39]}`+"\n"), 0o644)
	corpusDir := filepath.Join(dir, "docs-dir.npy")
	os.Mkdir(corpusDir, 0o755)
	before, _ := os.ReadFile(queries)
	oneRun := filepath.Join(dir, "one.run")
	os.WriteFile(oneRun, []byte("q Q0 d 1 1.0 r\n"), 0o644)
	otherSlices := filepath.Join(dir, "other.tsv")
	os.WriteFile(otherSlices, []byte("zz1\tshort\nzz2\tlong\n"), 0o644)

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no mode", nil, 2, "nothing to evaluate"},
		{"both modes", []string{"--beir", hr, "--qrels", qrels}, 2, "not both"},
		{"run without qrels", []string{"--run", emptyRun}, 2, "--qrels needs at least one --run"},
		{"bad cutoffs", append(append([]string{}, hrFlags...), "--query-emb", queries, "--doc-emb", docs, "--cutoffs", "10,5"), 2, "--cutoffs must increase"},
		{"unknown measure", append(append([]string{}, hrFlags...), "--query-emb", queries, "--doc-emb", docs, "--measures", "bpref"), 2, `unknown measure "bpref"`},
		{"dimension mismatch", append(append([]string{}, hrFlags...), "--query-emb", wrongDim, "--doc-emb", docs), 1, "has 8 dimensions but"},
		{"NaN", append(append([]string{}, hrFlags...), "--query-emb", withNaN, "--doc-emb", docs), 1, "nan.npy row 2 column 5 is NaN"},
		{"row count", append(append([]string{}, hrFlags...), "--query-emb", queries, "--doc-emb", fewRows), 1, "has 3 rows but the data set has 42 documents"},
		{"empty run", []string{"--qrels", qrels, "--run", emptyRun}, 1, "contains no results"},
		{"malformed BEIR", []string{"--beir", filepath.Join(retrievalTestdata, "beir-climatefever-malformed"), "--query-emb", queries, "--doc-emb", docs}, 1, "corpus.jsonl not found"},
		{"huge npy header", append(append([]string{}, hrFlags...), "--query-emb", huge, "--doc-emb", docs), 1, "huge.npy: data ends at byte"},
		{"JSONL beyond float32", append(append([]string{}, hrFlags...), "--query-emb", queriesJSONL, "--doc-emb", docs), 1, "line 1: embedding[0] = 1e+39 is beyond float32's range"},
		{"directory", append(append([]string{}, hrFlags...), "--query-emb", queries, "--doc-emb", corpusDir), 1, "docs-dir.npy is a directory"},
		{"scorer twice", append(append([]string{}, hrFlags...), "--query-emb", queries, "--doc-emb", docs, "--scorers", "dot,cosine,dot"), 2, "--scorers lists dot twice"},
		{"slices of other queries", []string{"--qrels", qrels, "--run", oneRun, "--slices", otherSlices}, 1, `other.tsv labels 2 query ids, none of which is in the qrels or the runs (labelled: "zz1", "zz2"; judged: "q")`},
		{"json over an input", append(append([]string{}, hrFlags...), "--query-emb", queries, "--doc-emb", docs, "--json", queries), 2, "is the input file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runRetrievalCmd(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.wantCode, tt.want)
			}
		})
	}
	// The inputs are untouched.
	again, _ := retrieval.ReadNpy(withNaN)
	if again.Rows != m.Rows {
		t.Errorf("input file changed")
	}
	if after, _ := os.ReadFile(queries); !bytes.Equal(before, after) {
		t.Errorf("%s changed although --json named it", queries)
	}
}

// TestRetrievalRunNamesUnique gives the same run file three times: each run keeps its own
// entry in the report instead of overwriting another.
func TestRetrievalRunNamesUnique(t *testing.T) {
	dir := t.TempDir()
	qrels := filepath.Join(dir, "x.qrels")
	os.WriteFile(qrels, []byte("q1 0 d1 1\nq2 0 d2 1\n"), 0o644)
	run := filepath.Join(dir, "x.run")
	os.WriteFile(run, []byte("q1 Q0 d1 1 2 bm25\nq2 Q0 d1 1 2 bm25\n"), 0o644)
	code, stdout, stderr := runRetrievalCmd(t, "--qrels", qrels, "--run", run, "--run", run, "--run", run, "--json", "-", "--bootstrap", "10")
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	var report struct {
		Runs map[string]any `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bm25", "x.run", "x.run#2"} {
		if _, ok := report.Runs[name]; !ok {
			t.Errorf("report lacks run %q (runs: %v)", name, report.Runs)
		}
	}
}

func nan() float64 {
	var zero float64
	return zero / zero
}

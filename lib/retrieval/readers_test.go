package retrieval

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadQrelsErrors(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"empty", "", "contains no judgments"},
		{"only comments", "# nothing\n\n", "contains no judgments"},
		{"three fields", "q1 0 d1\n", "line 1: got 3 fields, want 4"},
		{"bad relevance", "q1 0 d1 1\nq1 0 d2 high\n", `line 2: relevance "high" is not an integer`},
		{"duplicate", "q1 0 d1 1\nq1 0 d1 0\n", `line 2: query "q1" judges document "d1" a second time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "x.qrels", tt.content)
			_, err := ReadQrels(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadQrels() error = %v, want it to contain %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), "contains no") && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestReadRunErrors(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"empty", "", "contains no results"},
		{"five fields", "q1 Q0 d1 1 0.5\n", "line 1: got 5 fields, want 6"},
		{"bad score", "q1 Q0 d1 1 high run\n", `line 1: score "high" is not a number`},
		{"NaN score", "q1 Q0 d1 1 NaN run\n", `line 1: score "NaN" is not a number`},
		{"bad rank", "q1 Q0 d1 one 0.5 run\n", `line 1: rank "one" is not an integer`},
		{"duplicate", "q1 Q0 d1 1 0.5 run\nq1 Q0 d1 2 0.4 run\n", "line 2: query \"q1\" retrieves document \"d1\" again (first on line 1)"},
		{"overflowing score", "q1 Q0 d1 1 0.5 run\nq1 Q0 d2 2 1e400 run\n", `line 2: score "1e400" is beyond float64's range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadRun(writeTemp(t, "x.run", tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadRun() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunWriteReadRoundTrip(t *testing.T) {
	run := Run{"q2": {{"b", 0.1}, {"a", 1.0 / 3}}, "q1": {{"c", -2.5e-7}}}
	var buf bytes.Buffer
	if err := WriteRun(&buf, run, "exp"); err != nil {
		t.Fatal(err)
	}
	got, tag, err := ReadRun(writeTemp(t, "x.run", buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if tag != "exp" {
		t.Errorf("tag = %q, want exp", tag)
	}
	if got["q2"][0].DocID != "a" || got["q2"][0].Score != 1.0/3 || got["q1"][0].Score != -2.5e-7 {
		t.Errorf("round trip = %v, want %v in rank order with exact scores", got, run)
	}
}

func TestReadBEIRQrelsHeader(t *testing.T) {
	qrels, err := ReadBEIRQrels(filepath.Join("testdata", "beir-climatefever-malformed", "qrels", "test.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qrels) != 3 || qrels["1"]["Six_degrees_of_separation"] != 1 {
		t.Errorf("ReadBEIRQrels() = %v, want 3 queries with 0 → Drowning, 1 → Six_degrees_of_separation, 2 → Global_dimming", qrels)
	}
}

// TestMalformedBEIRRepairsAndWarns reads the CLIMATE-FEVER excerpt whose queries.jsonl has
// no newlines and whose qrels name queries that are not in it.
func TestMalformedBEIRRepairsAndWarns(t *testing.T) {
	dir := filepath.Join("testdata", "beir-climatefever-malformed")
	if _, err := FindBEIR(dir, "test", false); err == nil || !strings.Contains(err.Error(), "corpus.jsonl not found") {
		t.Errorf("FindBEIR() error = %v, want it to name the missing corpus.jsonl", err)
	}

	// With a corpus beside them, the run-together queries are split and read, but no judged
	// query is left: the qrels name ids 0, 1 and 2, which queries.jsonl lacks. That ends in
	// an error naming both files, the ids and the repair of line 1.
	corpus := writeTemp(t, "corpus.jsonl", `{"_id": "Drowning", "title": "Drowning", "text": "Drowning is ..."}`+"\n")
	paths := BEIRPaths{Corpus: corpus, Queries: filepath.Join(dir, "queries.jsonl"), Qrels: filepath.Join(dir, "qrels", "test.tsv")}
	_, err := ReadBEIR(paths, Fields{})
	if err == nil {
		t.Fatal("ReadBEIR() error = nil, want no judged query left")
	}
	for _, want := range []string{paths.Qrels, paths.Queries, `"0", "1", "2"`, `first queries: "6", "9"`, "shared a line", "line 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	// One judgment for a query that exists keeps the data set, with both warnings.
	qrels := writeTemp(t, "test.tsv", "query-id\tcorpus-id\tscore\n0\tDrowning\t1\n6\tDrowning\t1\n")
	ds, err := ReadBEIR(BEIRPaths{Corpus: corpus, Queries: paths.Queries, Qrels: qrels}, Fields{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.QueryIDs) < 50 || ds.QueryIDs[0] != "6" || len(ds.Qrels) != 1 {
		t.Errorf("read %d queries starting with %q and %d judged; want the run-together objects split, first id 6, one judged",
			len(ds.QueryIDs), ds.QueryIDs[0], len(ds.Qrels))
	}
	joined := strings.Join(ds.Warnings, "\n")
	for _, want := range []string{"shared a line", "line 1", `dropped the judgments of 1 query ids`, `"0"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q do not mention %q", joined, want)
		}
	}
}

func TestReadJSONLErrorNamesLineAndOffset(t *testing.T) {
	path := writeTemp(t, "q.jsonl", "{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"b\", \"text\": \"y\"\n{\"_id\": \"c\"}\n")
	_, err := ReadBEIR(BEIRPaths{Corpus: path, Queries: path}, Fields{Relevant: "rel"})
	if err == nil {
		t.Fatal("ReadBEIR() error = nil, want invalid JSON")
	}
	for _, want := range []string{path, "line 3", "byte ", "invalid JSON"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestReadBEIRErrors(t *testing.T) {
	tests := []struct {
		name, corpus, wantErr string
	}{
		{"empty corpus", "", "is empty"},
		{"duplicate id", `{"_id": "a", "text": "x"}` + "\n" + `{"_id": "a", "text": "y"}` + "\n", `line 2: document id "a" repeats line 1`},
		{"missing id", `{"id": "a", "text": "x"}` + "\n", `line 1: field "_id" is missing (fields present: id, text)`},
		{"array record", `["a", "x"]` + "\n", "record is an array, want a JSON object"},
	}
	queries := writeTemp(t, "queries.jsonl", `{"_id": "q", "text": "x"}`+"\n")
	qrels := writeTemp(t, "qrels.tsv", "query-id\tcorpus-id\tscore\nq\ta\t1\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBEIR(BEIRPaths{Corpus: writeTemp(t, "corpus.jsonl", tt.corpus), Queries: queries, Qrels: qrels}, Fields{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadBEIR() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadBEIRRelevantFieldAllEmpty(t *testing.T) {
	corpus := writeTemp(t, "corpus.jsonl", `{"_id": "a", "text": "x"}`+"\n")
	queries := writeTemp(t, "queries.jsonl", `{"_id": "q", "text": "x", "rel": []}`+"\n")
	_, err := ReadBEIR(BEIRPaths{Corpus: corpus, Queries: queries}, Fields{Relevant: "rel"})
	if err == nil || !strings.Contains(err.Error(), `no query in `+queries+` lists a relevant document in field "rel"`) {
		t.Errorf("ReadBEIR() error = %v, want it to say no query lists a relevant document", err)
	}
}

func TestReadBEIRUnknownDocumentsKept(t *testing.T) {
	corpus := writeTemp(t, "corpus.jsonl", `{"_id": "a", "title": "T", "text": "x"}`+"\n")
	queries := writeTemp(t, "queries.jsonl", `{"_id": "q", "text": "x"}`+"\n"+`{"_id": "q2", "text": "y"}`+"\n")
	qrels := writeTemp(t, "qrels.tsv", "query-id\tcorpus-id\tscore\nq\ta\t1\nq\tgone\t1\n")
	ds, err := ReadBEIR(BEIRPaths{Corpus: corpus, Queries: queries, Qrels: qrels}, Fields{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.DocTexts[0] != "T x" {
		t.Errorf("document text = %q, want title and text joined: \"T x\"", ds.DocTexts[0])
	}
	if ds.Qrels["q"]["gone"] != 1 {
		t.Errorf("judgment of unknown document dropped, want it kept as trec_eval would")
	}
	joined := strings.Join(ds.Warnings, "\n")
	for _, want := range []string{`1 judged document ids are not in`, `"gone"`, `1 queries have no judgment`, `"q2"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q do not mention %q", joined, want)
		}
	}
}

func TestReadSliceLabels(t *testing.T) {
	labels, err := ReadSliceLabels(writeTemp(t, "s.tsv", "query-id\tslice\nq1\tshort keyword\n# c\nq2 long\n"))
	if err != nil {
		t.Fatal(err)
	}
	if labels["q1"] != "short keyword" || labels["q2"] != "long" || len(labels) != 2 {
		t.Errorf("ReadSliceLabels() = %v, want q1 → short keyword, q2 → long", labels)
	}
	_, err = ReadSliceLabels(writeTemp(t, "s.tsv", "q1\ta\nq1\tb\n"))
	if err == nil || !strings.Contains(err.Error(), `line 2: query "q1" already has slice "a" from line 1`) {
		t.Errorf("ReadSliceLabels() duplicate error = %v", err)
	}
	if _, err := ReadSliceLabels(writeTemp(t, "s.tsv", "")); err == nil {
		t.Errorf("ReadSliceLabels() on empty file: error = nil")
	}
}

func TestReadEmbeddingsJSONL(t *testing.T) {
	path := writeTemp(t, "e.jsonl", `{"id": "a", "embedding": [1, 2, 3]}`+"\n"+`{"_id": 7, "vector": [0.5, -1, 1e-3]}`+"\n")
	e, err := ReadEmbeddingsJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	if e.Vectors.Rows != 2 || e.Vectors.Cols != 3 || e.IDs[1] != "7" || e.Vectors.Row(1)[2] != 1e-3 {
		t.Errorf("ReadEmbeddingsJSONL() = %+v, want 2×3 with ids a, 7", e)
	}
	tests := []struct{ name, content, wantErr string }{
		{"length mismatch", `{"id": "a", "embedding": [1, 2]}` + "\n" + `{"id": "b", "embedding": [1]}` + "\n", "line 2: vector has 1 values, want 2"},
		{"null value", `{"id": "a", "embedding": [1, null]}` + "\n", "embedding[1] is null"},
		{"duplicate id", `{"id": "a", "embedding": [1]}` + "\n" + `{"id": "a", "embedding": [2]}` + "\n", `line 2: id "a" repeats line 1`},
		{"no vector", `{"id": "a"}` + "\n", `field "embedding" (or "vector") is missing`},
		{"empty", "\n", "is empty"},
		{"beyond float32", `{"id": "a", "embedding": [1]}` + "\n" + `{"id": "b", "embedding": [1e39]}` + "\n", "line 2: embedding[0] = 1e+39 is beyond float32's range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadEmbeddingsJSONL(writeTemp(t, "e.jsonl", tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadEmbeddingsJSONL() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestFloat16ToFloat32(t *testing.T) {
	tests := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125},
		{0x7bff, 65504}, {0x0001, 5.9604644775390625e-08}, {0x8400, -6.103515625e-05},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		if got := Float16ToFloat32(tt.bits); got != tt.want {
			t.Errorf("Float16ToFloat32(%#04x) = %v, want %v", tt.bits, got, tt.want)
		}
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("Float16ToFloat32(0x7e00) = %v, want NaN", got)
	}
}

// TestReadNpyFloat16BGEM3 loads the bge-m3 float16 vectors and checks them against NumPy's
// own reading of the file (norms and dot products in float64, numpy 1.24.2).
func TestReadNpyFloat16BGEM3(t *testing.T) {
	m, err := ReadNpy(filepath.Join("testdata", "bge-m3-fp16-it", "embeddings.npy"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Shape     []int     `json:"shape"`
		First     []float64 `json:"first_values_row0"`
		Norms     []float64 `json:"norms"`
		Dots      []float64 `json:"dots_row7"`
		ArgmaxRow int       `json:"argmax_row7"`
	}
	readJSONFile(t, filepath.Join("testdata", "reference", "bge_m3_fp16.json"), &ref)
	if m.Rows != ref.Shape[0] || m.Cols != ref.Shape[1] {
		t.Fatalf("shape = (%d, %d), want %v", m.Rows, m.Cols, ref.Shape)
	}
	for i, w := range ref.First {
		if float64(m.Data[i]) != w {
			t.Errorf("row 0 value %d = %v, want %v exactly (float16 converts exactly)", i, m.Data[i], w)
		}
	}
	for i, w := range m.Norms() {
		if !near(w, ref.Norms[i], 1e-9) {
			t.Errorf("norm of row %d = %v, want %v", i, w, ref.Norms[i])
		}
	}
}

func TestReadNpyErrors(t *testing.T) {
	header := func(dict string) string {
		h := "\x93NUMPY\x01\x00" + string([]byte{byte(len(dict)), 0}) + dict
		return h
	}
	tests := []struct{ name, content, wantErr string }{
		{"not npy", "hello world", `byte 0: magic string is "hello "`},
		{"short", "\x93NU", "shorter than the 8-byte"},
		{"int dtype", header("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }") + "\x00\x00\x00\x00\x00\x00\x00\x00", `dtype "<i4" is not supported`},
		{"1-D", header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), "shape [3] is not 2-D"},
		{"truncated", header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }") + "\x00\x00\x80\x3f", "data ends at byte"},
		{"trailing", header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }") + "\x00\x00\x80\x3f\x00", "1 bytes after the data"},
		{"no shape", header("{'descr': '<f4', 'fortran_order': False}"), "lacks 'descr', 'fortran_order' or 'shape'"},
		// A header whose shape needs 6.4e25 bytes must fail before allocating them.
		{"huge shape", header("{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000000, 4000000000000), }") + "\x00\x00\x80\x3f", "want 63999999999999998926258176 bytes"},
		{"zero dimensions", header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }"), "rows of 0 dimensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "x.npy", tt.content)
			_, err := ReadNpy(path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Fatalf("ReadNpy() error = %v, want it to name the file and contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadNpyDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "docs.npy")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadNpy(dir); err == nil || !strings.Contains(err.Error(), dir+" is a directory") {
		t.Errorf("ReadNpy(directory) error = %v, want it to say %s is a directory", err, dir)
	}
}

func TestNpyWriteReadRoundTrip(t *testing.T) {
	m := Matrix{Rows: 2, Cols: 3, Data: []float32{1, -2, 3.5, 0, 1e-30, -7}}
	var buf bytes.Buffer
	if err := WriteNpy(&buf, m); err != nil {
		t.Fatal(err)
	}
	if buf.Len()%64 != 0 && (buf.Len()-len(m.Data)*4)%64 != 0 {
		t.Errorf("header length %d is not a multiple of 64", buf.Len()-len(m.Data)*4)
	}
	got, err := ReadNpy(writeTemp(t, "m.npy", buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Data {
		if got.Data[i] != m.Data[i] {
			t.Fatalf("round trip = %v, want %v", got.Data, m.Data)
		}
	}
}

func TestReadNpyFortranOrder(t *testing.T) {
	dict := "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	buf.Write([]byte{byte(len(dict)), 0})
	buf.WriteString(dict)
	// Column-major storage of [[1 2 3] [4 5 6]] is 1 4 2 5 3 6.
	col := Matrix{Rows: 1, Cols: 6, Data: []float32{1, 4, 2, 5, 3, 6}}
	var data bytes.Buffer
	WriteNpy(&data, col)
	raw := data.Bytes()
	buf.Write(raw[len(raw)-24:])
	m, err := ReadNpy(writeTemp(t, "f.npy", buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 2, 3, 4, 5, 6}
	for i, w := range want {
		if m.Data[i] != w {
			t.Fatalf("ReadNpy(fortran) = %v, want %v", m.Data, want)
		}
	}
}

func TestCheckFinite(t *testing.T) {
	m := Matrix{Rows: 2, Cols: 2, Data: []float32{1, 2, 3, float32(math.NaN())}}
	err := m.CheckFinite("docs.npy")
	var nf *NonFiniteError
	if err == nil || !asNonFinite(err, &nf) || nf.Row != 1 || nf.Col != 1 {
		t.Fatalf("CheckFinite() = %v, want NonFiniteError at row 1 column 1", err)
	}
}

func asNonFinite(err error, target **NonFiniteError) bool {
	e, ok := err.(*NonFiniteError)
	if ok {
		*target = e
	}
	return ok
}

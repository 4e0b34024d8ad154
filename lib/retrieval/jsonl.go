package retrieval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// jsonlRecord is one JSON object of a JSONL file with where it starts.
type jsonlRecord struct {
	fields map[string]json.RawMessage
	line   int   // 1-based line of the record's first byte
	offset int64 // byte offset of the record's first byte
}

// readJSONL reads the JSON objects of a JSONL file in order. Objects that share a line
// (newlines missing between them) are read as separate records and reported in the
// returned warning, which names the lines involved; everything else that is not a sequence
// of JSON objects is an error that names the file, line and byte offset.
func readJSONL(path string) ([]jsonlRecord, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, fmt.Errorf("%s is empty", path)
	}
	lineStarts := []int64{0}
	for i, b := range data {
		if b == '\n' {
			lineStarts = append(lineStarts, int64(i+1))
		}
	}
	lineOf := func(offset int64) int {
		return sort.Search(len(lineStarts), func(i int) bool { return lineStarts[i] > offset })
	}

	var records []jsonlRecord
	perLine := map[int]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			offset := start
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				offset = syn.Offset
			}
			return nil, nil, fmt.Errorf("%s line %d (byte %d): invalid JSON: %v", path, lineOf(offset), offset, err)
		}
		// The decoder's offset before Decode is where the previous value ended; skip the
		// whitespace between values to find this record's first byte.
		for start < int64(len(data)) && isJSONSpace(data[start]) {
			start++
		}
		line := lineOf(start)
		if raw[0] != '{' {
			return nil, nil, fmt.Errorf("%s line %d (byte %d): record is %s, want a JSON object", path, line, start, jsonKind(raw[0]))
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, nil, fmt.Errorf("%s line %d (byte %d): %v", path, line, start, err)
		}
		records = append(records, jsonlRecord{fields: fields, line: line, offset: start})
		perLine[line]++
	}
	return records, sharedLineWarnings(path, perLine, len(records)), nil
}

func sharedLineWarnings(path string, perLine map[int]int, total int) []string {
	var lines []int
	shared := 0
	for line, n := range perLine {
		if n > 1 {
			lines = append(lines, line)
			shared += n
		}
	}
	if len(lines) == 0 {
		return nil
	}
	sort.Ints(lines)
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i] = fmt.Sprint(l)
	}
	return []string{fmt.Sprintf("%s: repaired %d of %d JSON records that shared a line with another record (line %s); "+
		"JSONL wants one record per line, so each object was read as its own record",
		path, shared, total, strings.Join(names, ", "))}
}

func isJSONSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func jsonKind(first byte) string {
	switch first {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// stringField returns the string value of a record field; a JSON number is accepted and
// kept in its written form, since ids are often written as numbers.
func (r jsonlRecord) stringField(path, key string) (string, error) {
	raw, ok := r.fields[key]
	if !ok {
		return "", fmt.Errorf("%s line %d: field %q is missing (fields present: %s)", path, r.line, key, strings.Join(sortedKeys(r.fields), ", "))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("%s line %d: field %q is %s, want a string", path, r.line, key, jsonKind(raw[0]))
}

// EmbeddingsJSONL holds embeddings read by ReadEmbeddingsJSONL.
type EmbeddingsJSONL struct {
	IDs      []string
	Vectors  Matrix
	Warnings []string
}

// ReadEmbeddingsJSONL reads embeddings stored one per line as
//
//	{"id": "doc-17", "embedding": [0.12, -0.5, ...]}
//
// The id key may also be "_id" and the vector key "vector". Every vector must have the
// same length, ids must be unique, and values must be finite float32 numbers (null, a
// string or a value beyond ±3.4e38 is an error naming the line; JSON has no NaN). Other fields are ignored.
func ReadEmbeddingsJSONL(path string) (*EmbeddingsJSONL, error) {
	records, warnings, err := readJSONL(path)
	if err != nil {
		return nil, fmt.Errorf("retrieval: ReadEmbeddingsJSONL: %w", err)
	}
	out := &EmbeddingsJSONL{Warnings: warnings}
	var rows [][]float32
	seen := map[string]int{}
	for _, rec := range records {
		id, vec, err := embeddingRecord(path, rec)
		if err != nil {
			return nil, fmt.Errorf("retrieval: ReadEmbeddingsJSONL: %w", err)
		}
		if first, dup := seen[id]; dup {
			return nil, fmt.Errorf("retrieval: ReadEmbeddingsJSONL: %s line %d: id %q repeats line %d", path, rec.line, id, first)
		}
		seen[id] = rec.line
		if len(rows) > 0 && len(vec) != len(rows[0]) {
			return nil, fmt.Errorf("retrieval: ReadEmbeddingsJSONL: %s line %d: vector has %d values, want %d like line %d",
				path, rec.line, len(vec), len(rows[0]), records[0].line)
		}
		out.IDs = append(out.IDs, id)
		rows = append(rows, vec)
	}
	out.Vectors, err = MatrixFromRows(rows)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func embeddingRecord(path string, rec jsonlRecord) (string, []float32, error) {
	idKey, vecKey := "id", "embedding"
	if _, ok := rec.fields[idKey]; !ok {
		idKey = "_id"
	}
	if _, ok := rec.fields[vecKey]; !ok {
		vecKey = "vector"
	}
	id, err := rec.stringField(path, idKey)
	if err != nil {
		return "", nil, err
	}
	raw, ok := rec.fields[vecKey]
	if !ok {
		return "", nil, fmt.Errorf("%s line %d: field \"embedding\" (or \"vector\") is missing", path, rec.line)
	}
	var values []*float64
	if err := json.Unmarshal(raw, &values); err != nil {
		return "", nil, fmt.Errorf("%s line %d: field %q is not an array of numbers: %v", path, rec.line, vecKey, err)
	}
	if len(values) == 0 {
		return "", nil, fmt.Errorf("%s line %d: field %q is an empty array", path, rec.line, vecKey)
	}
	vec := make([]float32, len(values))
	for i, v := range values {
		if v == nil {
			return "", nil, fmt.Errorf("%s line %d: %s[%d] is null, want a finite number", path, rec.line, vecKey, i)
		}
		vec[i] = float32(*v)
		if math.IsInf(float64(vec[i]), 0) {
			return "", nil, fmt.Errorf("%s line %d: %s[%d] = %g is beyond float32's range (±3.4e38)", path, rec.line, vecKey, i, *v)
		}
	}
	return id, vec, nil
}

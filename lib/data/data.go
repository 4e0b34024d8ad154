// Package data ships the real tables gradlab's chapters train on, embedded in the binary,
// with deterministic seeded splits and standardization.
//
// Tables: "digits" (1797 × 64, 10 classes), "breast_cancer" (569 × 30, 2 classes), "wine"
// (178 × 13, 3 classes) and "iris" (150 × 4, 3 classes). All come from the UCI Machine
// Learning Repository under CC BY 4.0, in the form scikit-learn 1.2.1 ships them, and
// uci/README.md names each source. scripts/rebuild-uci-data.sh rebuilds the embedded files.
//
// Features are float32 in row-major order: X[i*D+j] is feature j of example i. Labels are
// int32 class indices.
//
// Error policy: functions return errors; the embedded files are checked by tests.
//
// Used by chapter 0 (digits classifier) and by the optimizer and lab chapters.
package data

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

//go:embed uci/*.csv uci/*.csv.gz
var files embed.FS

// Table is a labeled classification data set.
type Table struct {
	Name string
	// X holds N×D features in row-major order.
	X []float32
	// Y holds N class indices in [0, len(ClassNames)).
	Y          []int32
	N, D       int
	ClassNames []string
}

type source struct {
	file    string
	header  bool     // first line is "ROWS,FEATURES,CLASS_NAME..."
	classes []string // class names when there is no header
}

var sources = map[string]source{
	"digits":        {file: "uci/digits.csv.gz", classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
	"breast_cancer": {file: "uci/breast_cancer.csv", header: true},
	"wine":          {file: "uci/wine_data.csv", header: true},
	"iris":          {file: "uci/iris.csv", header: true},
}

// Names returns the names of the embedded tables, sorted.
func Names() []string {
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load parses the embedded table name ("digits", "breast_cancer", "wine" or "iris").
func Load(name string) (*Table, error) {
	src, ok := sources[name]
	if !ok {
		return nil, fmt.Errorf("data: Load: unknown table %q (available: %s)", name, strings.Join(Names(), ", "))
	}
	raw, err := files.ReadFile(src.file)
	if err != nil {
		return nil, fmt.Errorf("data: Load %s: %w", name, err)
	}
	var r io.Reader = bytes.NewReader(raw)
	if strings.HasSuffix(src.file, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("data: Load %s: %w", src.file, err)
		}
		r = gz
	}
	return parseCSV(name, src, r)
}

// MustLoad is like Load but panics on error; meant for notebook cells.
func MustLoad(name string) *Table {
	t, err := Load(name)
	if err != nil {
		panic(err)
	}
	return t
}

func parseCSV(name string, src source, r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("data: Load %s: %w", src.file, err)
	}
	t := &Table{Name: name, ClassNames: src.classes}
	wantRows := -1
	if src.header {
		if len(records) == 0 || len(records[0]) < 3 {
			return nil, fmt.Errorf("data: Load %s: missing header line ROWS,FEATURES,CLASSES", src.file)
		}
		wantRows, _ = strconv.Atoi(records[0][0])
		t.ClassNames = records[0][2:]
		records = records[1:]
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("data: Load %s: no rows", src.file)
	}
	t.D = len(records[0]) - 1
	for i, rec := range records {
		if len(rec) != t.D+1 {
			return nil, fmt.Errorf("data: Load %s: line %d has %d fields, want %d", src.file, i+1, len(rec), t.D+1)
		}
		for j := 0; j < t.D; j++ {
			v, err := strconv.ParseFloat(rec[j], 32)
			if err != nil {
				return nil, fmt.Errorf("data: Load %s: line %d, field %d: %w", src.file, i+1, j+1, err)
			}
			t.X = append(t.X, float32(v))
		}
		label, err := strconv.ParseFloat(rec[t.D], 64)
		if err != nil || label < 0 || int(label) >= len(t.ClassNames) || label != float64(int(label)) {
			return nil, fmt.Errorf("data: Load %s: line %d: invalid class %q (want 0..%d)", src.file, i+1, rec[t.D], len(t.ClassNames)-1)
		}
		t.Y = append(t.Y, int32(label))
	}
	t.N = len(t.Y)
	if wantRows >= 0 && wantRows != t.N {
		return nil, fmt.Errorf("data: Load %s: header lists %d rows, file has %d", src.file, wantRows, t.N)
	}
	return t, nil
}

// NumClasses returns the number of classes.
func (t *Table) NumClasses() int { return len(t.ClassNames) }

// Row returns the features of example i (a view into X, not a copy).
func (t *Table) Row(i int) []float32 { return t.X[i*t.D : (i+1)*t.D] }

// Subset returns a new table with the examples at the given indices, in that order.
func (t *Table) Subset(indices []int) *Table {
	s := &Table{Name: t.Name, N: len(indices), D: t.D, ClassNames: t.ClassNames,
		X: make([]float32, 0, len(indices)*t.D), Y: make([]int32, 0, len(indices))}
	for _, i := range indices {
		s.X = append(s.X, t.Row(i)...)
		s.Y = append(s.Y, t.Y[i])
	}
	return s
}

// ClassCounts returns how many examples each class has.
func (t *Table) ClassCounts() []int {
	counts := make([]int, t.NumClasses())
	for _, y := range t.Y {
		counts[y]++
	}
	return counts
}

package curves

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// maxFileSize bounds what ReadFile loads into memory; training logs are far smaller.
const maxFileSize = 1 << 30

// Read detects the format of data and reads it. name is used in messages and, for
// TensorBoard CSV exports, to find the tag. It returns a *FormatError for a file that is
// not a training log of a known format. For a file that holds several runs (gradlab run
// records) it returns the first and reports the others in an issue; ReadAll returns all.
func Read(name string, data []byte) (*Run, error) {
	runs, err := ReadAll(name, data)
	if err != nil {
		return nil, err
	}
	if len(runs) > 1 {
		runs[0].addIssue(IssueSkippedData, "", "the file holds %d runs; only the first was read (use ReadAll for all)", len(runs))
	}
	return runs[0], nil
}

// ReadAll is Read for files that may hold several runs; it returns at least one run or
// an error.
func ReadAll(name string, data []byte) ([]*Run, error) {
	if looksLikeGradlabRecords(bytes.TrimSpace(data)) {
		return ReadGradlabRecords(name, data)
	}
	run, err := readOne(name, data)
	if err != nil {
		return nil, err
	}
	return []*Run{run}, nil
}

func readOne(name string, data []byte) (*Run, error) {
	const fn = "Read"
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, formatErrorf(fn, name, "", "file is empty")
	case looksLikeTFRecord(data):
		return ReadTFEvents(name, data)
	case trimmed[0] == '{' || trimmed[0] == '[':
		return ReadTrainerState(name, data)
	}
	head := data[:min(len(data), 4096)]
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head[:validPrefix(head)]) {
		return nil, formatErrorf(fn, name, "", "binary file that is not a TensorBoard event file (the first record's length checksum does not match)")
	}
	header, err := csv.NewReader(bytes.NewReader(data)).Read()
	if err != nil || len(header) < 2 {
		return nil, formatErrorf(fn, name, "line 1", "not a recognized training log: the first line is %q (want a trainer_state.json, a TensorBoard event file or CSV export, a Lightning metrics.csv, a W&B CSV export or gradlab run records)", firstLine(data))
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	switch {
	case isTBCSVHeader(header):
		return ReadTBCSV(name, data)
	case columnIndex(header, "_step") >= 0 || (columnIndex(header, "Step") >= 0 && hasRunColumn(header)):
		return ReadWandbCSV(name, data)
	case columnIndex(header, "step") >= 0 || columnIndex(header, "epoch") >= 0:
		return ReadStepTable(name, data)
	}
	return nil, formatErrorf(fn, name, "line 1", "CSV header %q has no step column (want Step, _step, step or epoch)", strings.Join(header, ","))
}

// validPrefix returns the length of head without a multi-byte character cut at its end.
func validPrefix(head []byte) int {
	n := len(head)
	for i := 0; i < utf8.UTFMax && n > 0; i++ {
		if utf8.Valid(head[:n]) {
			return n
		}
		n--
	}
	return n
}

func hasRunColumn(header []string) bool {
	for _, h := range header {
		if strings.Contains(h, " - ") {
			return true
		}
	}
	return false
}

func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if len(line) > 80 {
		line = append(line[:77:77], "..."...)
	}
	return string(bytes.TrimSpace(line))
}

// ReadFile reads a training log from disk in any supported format; see Read.
func ReadFile(path string) (*Run, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	return Read(path, data)
}

// ReadFileAll reads every run of a training log from disk; see ReadAll.
func ReadFileAll(path string) ([]*Run, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	return ReadAll(path, data)
}

func readLimited(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("curves: ReadFile: %w", err)
	}
	if info.IsDir() {
		return nil, formatErrorf("ReadFile", path, "", "is a directory (want a log file; pass the files inside it, such as %s)", filepath.Join(path, "events.out.tfevents.*"))
	}
	if info.Size() > maxFileSize {
		return nil, formatErrorf("ReadFile", path, "", "file is %d bytes, more than the %d bytes this reader loads", info.Size(), maxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("curves: ReadFile: %w", err)
	}
	return data, nil
}

// ReadFiles reads several logs. TensorBoard CSV exports that sit in the same directory
// are merged into one run, because TensorBoard exports one tag per file; every other file
// gives a run of its own, or several for gradlab run records. Runs come back in the order of their first file. errs holds one
// error per file that could not be read; the other files are still read.
func ReadFiles(paths []string) (runs []*Run, errs []error) {
	groups := map[string]*Run{}
	for _, path := range paths {
		all, err := ReadFileAll(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		run := all[0]
		if run.Format != FormatTBCSV {
			runs = append(runs, all...)
			continue
		}
		dir := filepath.Dir(path)
		if g, ok := groups[dir]; ok {
			mergeInto(g, run)
			continue
		}
		groups[dir] = run
		runs = append(runs, run)
	}
	return runs, errs
}

// mergeInto adds the series, issues and summary of src to dst. A key present in both
// keeps dst's series and reports the duplicate.
func mergeInto(dst, src *Run) {
	dst.Source += ", " + src.Source
	for _, s := range src.Series {
		if dst.Find(s.Key) != nil {
			dst.addIssue(IssueSkippedData, "", "tag %s is in more than one file; the copy in %s was not read", s.Key, src.Source)
			continue
		}
		dst.Series = append(dst.Series, s)
	}
	sort.SliceStable(dst.Series, func(i, j int) bool { return dst.Series[i].Key < dst.Series[j].Key })
	dst.Issues = append(dst.Issues, src.Issues...)
	for k, v := range src.Summary {
		dst.Summary[k] = v
	}
}

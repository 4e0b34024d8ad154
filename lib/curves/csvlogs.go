package curves

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// csvRow is one data row with its 1-based line in the file.
type csvRow struct {
	line   int
	fields []string
}

// readCSV splits data into a header and rows. Rows that the CSV parser rejects (a bare
// quote, an unterminated quoted field) are skipped and reported in run.Issues.
func readCSV(run *Run, fn, name string, data []byte) ([]string, []csvRow, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, formatErrorf(fn, name, "", "file is empty (want a CSV header and rows)")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, nil, formatErrorf(fn, name, "line 1", "invalid CSV header: %v", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	var rows []csvRow
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				run.addIssue(IssueMalformedRow, lineLocation(pe.StartLine), "invalid CSV (%v); row skipped", pe.Err)
				if errors.Is(pe.Err, csv.ErrQuote) && pe.Line >= lineAt(data, len(data)) {
					break // an unterminated quote swallowed the rest of the file
				}
				continue
			}
			return nil, nil, formatErrorf(fn, name, "", "reading CSV: %v", err)
		}
		line, _ := r.FieldPos(0)
		rows = append(rows, csvRow{line: line, fields: fields})
	}
	return header, rows, nil
}

// parseStep parses a step cell: a non-negative integer, also written as "400.0".
func parseStep(cell string) (int64, error) {
	cell = strings.TrimSpace(cell)
	if n, err := strconv.ParseInt(cell, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("step %d is negative", n)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(cell, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > 1<<53 {
		return 0, fmt.Errorf("step %q is not a non-negative integer", cell)
	}
	return int64(f), nil
}

// ReadTBCSV reads a TensorBoard scalar CSV export ("Wall time,Step,Value"). The tag is
// taken from the file name: "eval_loss.csv" gives eval_loss, and TensorBoard's download
// name "run-NAME-tag-eval_loss.csv" gives eval_loss too.
func ReadTBCSV(name string, data []byte) (*Run, error) {
	const fn = "ReadTBCSV"
	run := &Run{Source: name, Format: FormatTBCSV, Summary: map[string]float64{}, Meta: map[string]float64{}}
	header, rows, err := readCSV(run, fn, name, data)
	if err != nil {
		return nil, err
	}
	if !isTBCSVHeader(header) {
		return nil, formatErrorf(fn, name, "line 1", "header is %q, want \"Wall time,Step,Value\"", strings.Join(header, ","))
	}
	tag := tagFromFileName(name)
	b := newBuilder(run, lineLocation)
	for _, row := range rows {
		if len(row.fields) != 3 {
			run.addIssue(IssueMalformedRow, lineLocation(row.line), "row has %d fields, want 3; skipped", len(row.fields))
			continue
		}
		wall, errWall := strconv.ParseFloat(strings.TrimSpace(row.fields[0]), 64)
		step, errStep := parseStep(row.fields[1])
		value, errValue := strconv.ParseFloat(strings.TrimSpace(row.fields[2]), 64)
		if err := errors.Join(errWall, errStep, errValue); err != nil {
			run.addIssue(IssueMalformedRow, lineLocation(row.line), "invalid row (%v); skipped", oneLine(err))
			continue
		}
		b.add(tag, Point{Step: step, Value: value, WallTime: wall, Row: row.line})
	}
	return finishCSV(run, b, fn, name, len(rows))
}

func isTBCSVHeader(header []string) bool {
	return len(header) == 3 && strings.EqualFold(header[0], "Wall time") &&
		strings.EqualFold(header[1], "Step") && strings.EqualFold(header[2], "Value")
}

// tagFromFileName returns the TensorBoard tag encoded in a CSV export's file name.
func tagFromFileName(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if i := strings.LastIndex(base, "-tag-"); i >= 0 {
		base = base[i+len("-tag-"):]
	}
	if base == "" {
		return "value"
	}
	return base
}

// ReadStepTable reads a CSV with a step column and one column per metric, where empty
// cells mean "not logged in this row": PyTorch Lightning's CSVLogger metrics.csv, and any
// table written the same way. When there is no step column, the epoch column is used.
func ReadStepTable(name string, data []byte) (*Run, error) {
	const fn = "ReadStepTable"
	run := &Run{Source: name, Format: FormatLightning, Summary: map[string]float64{}, Meta: map[string]float64{}}
	header, rows, err := readCSV(run, fn, name, data)
	if err != nil {
		return nil, err
	}
	stepCol := columnIndex(header, "step")
	if stepCol < 0 {
		stepCol = columnIndex(header, "epoch")
	}
	if stepCol < 0 {
		return nil, formatErrorf(fn, name, "line 1", "CSV header has no step or epoch column (got %q)", strings.Join(header, ","))
	}
	b := newBuilder(run, lineLocation)
	addTableRows(run, b, header, rows, func([]string) int { return stepCol }, nil)
	return finishCSV(run, b, fn, name, len(rows))
}

// ReadWandbCSV reads a Weights & Biases CSV export. Two layouts exist: the run history
// export, with a _step column and metric columns such as train/loss (the step is taken
// from train/global_step when the row has it, as Hugging Face runs log it, else _step;
// columns that start with an underscore, W&B's bookkeeping, are skipped);
// and the chart export, with a Step column and "RUN - metric" columns plus
// "RUN - metric__MIN" and "__MAX" band columns, which are skipped. A chart export that
// holds several runs is read for its first run, and the others are reported.
func ReadWandbCSV(name string, data []byte) (*Run, error) {
	const fn = "ReadWandbCSV"
	run := &Run{Source: name, Format: FormatWandbCSV, Summary: map[string]float64{}, Meta: map[string]float64{}}
	header, rows, err := readCSV(run, fn, name, data)
	if err != nil {
		return nil, err
	}
	b := newBuilder(run, lineLocation)
	if hist := columnIndex(header, "_step"); hist >= 0 {
		global := columnIndex(header, "train/global_step")
		pick := func(fields []string) int {
			if global >= 0 && global < len(fields) && strings.TrimSpace(fields[global]) != "" {
				return global
			}
			return hist
		}
		// Both step columns are the x axis, never a metric of their own, and the columns
		// W&B names with a leading underscore (_runtime, _timestamp) are its bookkeeping.
		keys := append([]string(nil), header...)
		for i, h := range header {
			if strings.HasPrefix(h, "_") || i == global {
				keys[i] = ""
			}
		}
		addTableRows(run, b, header, rows, pick, keys)
		return finishCSV(run, b, fn, name, len(rows))
	}

	stepCol := columnIndex(header, "step")
	if stepCol < 0 {
		return nil, formatErrorf(fn, name, "line 1", "CSV header has neither _step nor Step (got %q)", strings.Join(header, ","))
	}
	keys := make([]string, len(header))
	firstRun, others := "", map[string]bool{}
	for i, h := range header {
		runName, metric, ok := strings.Cut(h, " - ")
		if !ok || i == stepCol || strings.HasSuffix(metric, "__MIN") || strings.HasSuffix(metric, "__MAX") {
			continue
		}
		if firstRun == "" {
			firstRun = runName
		}
		if runName != firstRun {
			others[runName] = true
			continue
		}
		keys[i] = metric
	}
	if len(others) > 0 {
		run.addIssue(IssueSkippedData, "line 1", "the export holds %d more runs besides %q; only %q was read (export one run at a time to read the others)", len(others), firstRun, firstRun)
	}
	addTableRows(run, b, header, rows, func([]string) int { return stepCol }, keys)
	return finishCSV(run, b, fn, name, len(rows))
}

// addTableRows adds every non-empty numeric cell of each row as a point at the row's
// step. keys, when not nil, renames columns (an empty key skips the column).
func addTableRows(run *Run, b *builder, header []string, rows []csvRow, stepColumn func([]string) int, keys []string) {
	type badCells struct {
		count, line int
		example     string
	}
	bad := map[string]*badCells{}
	var badOrder []string
	for _, row := range rows {
		if len(row.fields) != len(header) {
			run.addIssue(IssueMalformedRow, lineLocation(row.line), "row has %d fields, want %d as in the header; skipped", len(row.fields), len(header))
			continue
		}
		col := stepColumn(row.fields)
		step, err := parseStep(row.fields[col])
		if err != nil {
			run.addIssue(IssueMalformedRow, lineLocation(row.line), "invalid %s column (%v); row skipped", header[col], err)
			continue
		}
		for i, cell := range row.fields {
			key := header[i]
			if keys != nil {
				key = keys[i]
			}
			cell = strings.TrimSpace(cell)
			if i == col || key == "" || cell == "" || strings.EqualFold(key, "step") {
				continue
			}
			value, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				if bad[key] == nil {
					bad[key] = &badCells{line: row.line, example: cell}
					badOrder = append(badOrder, key)
				}
				bad[key].count++
				continue
			}
			b.add(key, Point{Step: step, Value: value, Row: row.line})
		}
	}
	for _, key := range badOrder {
		c := bad[key]
		run.addIssue(IssueMalformedRow, lineLocation(c.line), "column %s is %q, not a number (%d such cells); those cells were skipped", key, c.example, c.count)
	}
}

func finishCSV(run *Run, b *builder, fn, name string, rows int) (*Run, error) {
	if rows == 0 {
		return nil, formatErrorf(fn, name, "", "CSV has a header but no data row%s", firstIssue(run))
	}
	b.finish()
	if len(run.Series) == 0 {
		return nil, formatErrorf(fn, name, "", "none of the %d rows has a valid step and a numeric value%s", rows, firstIssue(run))
	}
	return run, nil
}

// firstIssue returns the first problem found while reading, as "; first problem: line 3:
// reason", or "" when there was none. Errors for files with no usable data append it, so
// that the message explains why the rows were rejected.
func firstIssue(run *Run) string {
	var problems []Issue
	for _, is := range run.Issues {
		if is.Kind == IssueMalformedRow || is.Kind == IssueTruncated {
			problems = append(problems, is)
		}
	}
	if len(problems) == 0 {
		return ""
	}
	first, loc, more := problems[0], "", ""
	if first.Location != "" {
		loc = first.Location + ": "
	}
	if len(problems) > 1 {
		more = fmt.Sprintf(" (%d problems in all)", len(problems))
	}
	return "; first problem: " + loc + first.Reason + more
}

func columnIndex(header []string, name string) int {
	for i, h := range header {
		if strings.EqualFold(h, name) {
			return i
		}
	}
	return -1
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

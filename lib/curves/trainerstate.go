package curves

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Keys of the Trainer's final log_history row, which summarizes the run instead of
// logging a step.
var trainerSummaryKeys = map[string]bool{
	"train_runtime": true, "train_loss": true, "train_samples_per_second": true,
	"train_steps_per_second": true, "total_flos": true,
}

// Top-level numeric fields of trainer_state.json kept in Run.Meta.
var trainerMetaKeys = []string{"eval_steps", "logging_steps", "global_step", "max_steps", "best_metric", "best_global_step", "num_train_epochs", "save_steps", "train_batch_size"}

// ReadTrainerState reads a Hugging Face Trainer trainer_state.json.
//
// Train rows (loss, grad_norm, learning_rate and other unprefixed keys) and eval rows
// (eval_* keys, including eval_<name>_loss for several eval sets) become series. The
// final summary row goes to Run.Summary. NaN, Infinity and -Infinity, which Python's json
// module writes, are accepted. When eval_steps is set and training ran past it but no
// row has an eval_ key, an IssueEvalMissing is added. A file truncated inside log_history
// keeps the rows before the damage and reports the rest.
//
// name is used in messages only.
func ReadTrainerState(name string, data []byte) (*Run, error) {
	const fn = "ReadTrainerState"
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, formatErrorf(fn, name, "", "file is empty (want a JSON object with log_history)")
	}
	clean := pythonJSONToStrict(data)
	run := &Run{Source: name, Format: FormatTrainerState, Summary: map[string]float64{}, Meta: map[string]float64{}}
	rowIndex := map[int]int{} // line of a row's opening brace -> index in log_history
	b := newBuilder(run, func(line int) string {
		if i, ok := rowIndex[line]; ok && i >= 0 {
			return fmt.Sprintf("log_history[%d] (line %d)", i, line)
		}
		return lineLocation(line)
	})

	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, formatErrorf(fn, name, "line 1", "not a JSON object (want a Trainer trainer_state.json)")
	}
	sawHistory, rows := false, 0
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return finishTruncated(run, b, fn, name, clean, dec, sawHistory, rows, err)
		}
		key, _ := keyTok.(string)
		if key != "log_history" {
			var v any
			if err := dec.Decode(&v); err != nil {
				return finishTruncated(run, b, fn, name, clean, dec, sawHistory, rows, err)
			}
			storeMeta(run, key, v)
			continue
		}
		sawHistory = true
		n, err := readLogHistory(run, b, dec, clean, rowIndex)
		rows += n
		if err != nil {
			return finishTruncated(run, b, fn, name, clean, dec, sawHistory, rows, err)
		}
	}
	if !sawHistory {
		return nil, formatErrorf(fn, name, "", "JSON object has no log_history field (want a Hugging Face trainer_state.json)")
	}
	return finishTrainerState(run, b, fn, name, rows)
}

// readLogHistory reads the array after the "log_history" key and returns how many rows it read.
func readLogHistory(run *Run, b *builder, dec *json.Decoder, data []byte, rowIndex map[int]int) (int, error) {
	if tok, err := dec.Token(); err != nil {
		return 0, err
	} else if tok != json.Delim('[') {
		return 0, fmt.Errorf("log_history is not an array")
	}
	index := 0
	lines := lineCounter{data: data, line: 1}
	for dec.More() {
		line := lines.at(skipSpace(data, int(dec.InputOffset())))
		var row map[string]any
		if err := dec.Decode(&row); err != nil {
			return index, err
		}
		if _, seen := rowIndex[line]; seen {
			rowIndex[line] = -1 // several rows on one line: name the line only
		} else {
			rowIndex[line] = index
		}
		addTrainerRow(run, b, row, index, line)
		index++
	}
	if _, err := dec.Token(); err != nil {
		return index, err
	}
	return index, nil
}

// addTrainerRow adds the values of one log_history row starting at line.
func addTrainerRow(run *Run, b *builder, row map[string]any, index, line int) {
	loc := fmt.Sprintf("log_history[%d] (line %d)", index, line)
	if row == nil {
		run.addIssue(IssueMalformedRow, loc, "row is not a JSON object; skipped")
		return
	}
	stepF, ok := jsonFloat(row["step"])
	if !ok || stepF < 0 || stepF != math.Trunc(stepF) || stepF > 1<<53 {
		run.addIssue(IssueMalformedRow, loc, "row has no valid step (got %v, want a non-negative integer); skipped", row["step"])
		return
	}
	step := int64(stepF)
	if isSummaryRow(row) {
		for k, v := range row {
			if f, ok := jsonFloat(v); ok && k != "step" && k != "epoch" {
				run.Summary[k] = f
			}
		}
		run.addIssue(IssueSummaryRow, loc, "run summary at step %d (train_runtime, train_loss), not a logged step; values kept in the run summary", step)
		return
	}
	keys := make([]string, 0, len(row))
	for k := range row {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "step" {
			continue
		}
		f, ok := jsonFloat(row[k])
		if !ok {
			continue // strings, nulls and nested objects are not metrics
		}
		b.add(k, Point{Step: step, Value: f, Row: line})
	}
}

func isSummaryRow(row map[string]any) bool {
	if _, hasLoss := row["loss"]; hasLoss {
		return false
	}
	for k := range row {
		if trainerSummaryKeys[k] && k != "total_flos" {
			return true
		}
	}
	return false
}

func storeMeta(run *Run, key string, v any) {
	for _, k := range trainerMetaKeys {
		if k == key {
			if f, ok := jsonFloat(v); ok {
				run.Meta[key] = f
			}
		}
	}
}

// finishTruncated keeps what was read before a JSON error inside the file.
func finishTruncated(run *Run, b *builder, fn, name string, data []byte, dec *json.Decoder, sawHistory bool, rows int, cause error) (*Run, error) {
	offset := int(dec.InputOffset())
	loc := fmt.Sprintf("line %d", lineAt(data, offset))
	if se, ok := cause.(*json.SyntaxError); ok {
		loc = fmt.Sprintf("line %d", lineAt(data, int(se.Offset)))
	}
	if errors.Is(cause, io.ErrUnexpectedEOF) {
		loc = fmt.Sprintf("line %d (end of file)", lineAt(data, len(data)))
	}
	if !sawHistory || rows == 0 {
		return nil, formatErrorf(fn, name, loc, "invalid JSON before any log_history row was read: %v", cause)
	}
	run.addIssue(IssueTruncated, loc, "invalid JSON after log_history[%d] (%v); %d rows were read and the rest of the file was not", rows-1, cause, rows)
	return finishTrainerState(run, b, fn, name, rows)
}

func finishTrainerState(run *Run, b *builder, fn, name string, rows int) (*Run, error) {
	if rows == 0 {
		return nil, formatErrorf(fn, name, "", "log_history is empty: no training or evaluation row was logged")
	}
	b.finish()
	if len(run.Series) == 0 {
		return nil, formatErrorf(fn, name, "", "log_history has %d rows but none with a numeric metric and a step%s", rows, firstIssue(run))
	}
	evalSteps, global := run.Meta["eval_steps"], run.Meta["global_step"]
	if len(run.EvalSets()) == 0 && evalSteps > 0 && global >= evalSteps {
		run.addIssue(IssueEvalMissing, "", "eval_steps is %g and training ran to step %g, but no log_history row has an eval_ metric: evaluation was configured but never logged", evalSteps, global)
	}
	return run, nil
}

// jsonFloat converts a decoded JSON number to float64. It also accepts the sentinels
// that pythonJSONToStrict produces and the strings "NaN", "Infinity" and "-Infinity",
// which gradlab run records use for non-finite numbers.
func jsonFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		switch x {
		case nanToken, "NaN":
			return math.NaN(), true
		case posInfToken, "Infinity":
			return math.Inf(1), true
		case negInfToken, "-Infinity":
			return math.Inf(-1), true
		}
	}
	return 0, false
}

// Sentinels that stand for Python's NaN, Infinity and -Infinity after conversion to strict JSON.
const (
	nanToken    = "\x00NaN"
	posInfToken = "\x00Infinity"
	negInfToken = "\x00-Infinity"
)

// pythonJSONToStrict rewrites the bare tokens NaN, Infinity and -Infinity that Python's
// json module writes (outside strings) into JSON strings holding sentinels, so that
// encoding/json accepts the file. Newlines are untouched, so line numbers stay valid.
func pythonJSONToStrict(data []byte) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	var out bytes.Buffer
	out.Grow(len(data) + 64)
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		replaced := false
		for _, tok := range [...][2]string{{"-Infinity", negInfToken}, {"Infinity", posInfToken}, {"NaN", nanToken}} {
			if bytes.HasPrefix(data[i:], []byte(tok[0])) {
				out.WriteString(`"\u0000` + strings.TrimPrefix(tok[1], "\x00") + `"`)
				i += len(tok[0]) - 1
				replaced = true
				break
			}
		}
		if !replaced {
			if c == '"' {
				inString = true
			}
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

// lineCounter returns the 1-based lines of increasing byte offsets in data, counting
// each newline once, where lineAt would count from the start every time.
type lineCounter struct {
	data         []byte
	offset, line int // line is the line of offset
}

func (c *lineCounter) at(offset int) int {
	offset = min(max(offset, 0), len(c.data))
	if offset < c.offset {
		c.offset, c.line = 0, 1
	}
	c.line += bytes.Count(c.data[c.offset:offset], []byte("\n"))
	c.offset = offset
	return c.line
}

// lineAt returns the 1-based line of a byte offset.
func lineAt(data []byte, offset int) int {
	if offset > len(data) {
		offset = len(data)
	}
	if offset < 0 {
		offset = 0
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// skipSpace returns the offset of the first byte at or after offset that is not
// whitespace or a comma.
func skipSpace(data []byte, offset int) int {
	for offset < len(data) {
		switch data[offset] {
		case ' ', '\t', '\r', '\n', ',':
			offset++
		default:
			return offset
		}
	}
	return offset
}

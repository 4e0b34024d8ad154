package cost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ConfigError reports a config file that cannot be costed with certainty: a missing or
// invalid field, an unknown layout or an unsupported architecture.
type ConfigError struct {
	// Source is the file path or name given to ParseConfig.
	Source string
	// Field is the JSON key at fault, or "" when the problem is the whole file.
	Field string
	// Line is the 1-based line of Field's key in the file, or 0 when unknown (a missing
	// key, or a problem with the whole file).
	Line int
	// Problem describes what is wrong, with the value found.
	Problem string
	// Fix is the suggested change to the file, or "" when there is nothing to suggest.
	Fix string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("cost: ")
	b.WriteString(e.Source)
	b.WriteString(": ")
	switch {
	case e.Field != "" && e.Line > 0:
		fmt.Fprintf(&b, "field %q (line %d): ", e.Field, e.Line)
	case e.Field != "":
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("; ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// maxExactInt is 2^53, the largest range in which float64 holds every integer exactly.
const maxExactInt = 1 << 53

// fields reads typed values from the top-level object of a config file and turns every
// problem into a *ConfigError naming the file and the key.
type fields struct {
	source string
	raw    map[string]json.RawMessage
	lines  map[string]int // top-level key → line of the key
}

func newFields(source string, data []byte) (*fields, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &ConfigError{Source: source, Problem: "file is empty", Fix: "pass a model's config.json"}
	}
	if trimmed[0] != '{' {
		return nil, &ConfigError{Source: source, Problem: "not a JSON object (a config.json starts with '{')"}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &ConfigError{Source: source, Problem: "malformed JSON: " + describeJSONError(data, err)}
	}
	lines, err := keyLines(source, data)
	if err != nil {
		return nil, err
	}
	return &fields{source: source, raw: raw, lines: lines}, nil
}

// keyLines returns the line of each top-level key of a valid JSON object, and a
// *ConfigError for a key written twice: encoding/json keeps the last value silently, and a
// file that gives two values for one dimension cannot be costed with certainty.
func keyLines(source string, data []byte) (map[string]int, *ConfigError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.Token() // the opening brace, already checked by json.Unmarshal
	lines := map[string]int{}
	offsets := map[string]int64{}
	for dec.More() {
		token, err := dec.Token()
		if err != nil {
			break // unreachable for data json.Unmarshal accepted
		}
		key, _ := token.(string)
		offset := dec.InputOffset() // just after the key
		line := lineAt(data, offset)
		if first, dup := offsets[key]; dup {
			return nil, &ConfigError{Source: source, Field: key, Line: line,
				Problem: fmt.Sprintf("appears twice, ending at byte %d (line %d) and at byte %d (line %d)", first, lines[key], offset, line),
				Fix:     "keep one value"}
		}
		lines[key], offsets[key] = line, offset
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			break
		}
	}
	return lines, nil
}

// lineAt returns the 1-based line of byte offset in data.
func lineAt(data []byte, offset int64) int {
	return bytes.Count(data[:min(int(offset), len(data))], []byte("\n")) + 1
}

// describeJSONError adds the line and column of the offending byte to a syntax error.
// encoding/json reports the error after reading Offset bytes, so that byte is the last one
// read.
func describeJSONError(data []byte, err error) string {
	syntaxErr, ok := err.(*json.SyntaxError)
	if !ok {
		return err.Error()
	}
	line, column := 1, 1
	for _, c := range data[:max(0, min(int(syntaxErr.Offset)-1, len(data)))] {
		if c == '\n' {
			line++
			column = 1
		} else {
			column++
		}
	}
	return fmt.Sprintf("%v at line %d, column %d", err, line, column)
}

func (f *fields) errorf(field, fix, format string, args ...any) *ConfigError {
	return &ConfigError{Source: f.source, Field: field, Line: f.lines[field], Problem: fmt.Sprintf(format, args...), Fix: fix}
}

// has reports whether key is present with a non-null value.
func (f *fields) has(key string) bool {
	value, ok := f.raw[key]
	return ok && string(bytes.TrimSpace(value)) != "null"
}

// integer returns the value of key as an int64. present is false when the key is absent or
// null. Integral numbers written as floats (768.0, 7.68e2) are accepted; fractions, strings,
// and values beyond ±2^53 are errors.
func (f *fields) integer(key string) (value int64, present bool, err error) {
	if !f.has(key) {
		return 0, false, nil
	}
	text := string(bytes.TrimSpace(f.raw[key]))
	if v, parseErr := strconv.ParseInt(text, 10, 64); parseErr == nil {
		if v > maxExactInt || v < -maxExactInt {
			return 0, true, f.errorf(key, "", "value %s is too large to be a model dimension (maximum 2^53)", text)
		}
		return v, true, nil
	}
	v, parseErr := strconv.ParseFloat(text, 64)
	if parseErr != nil || math.IsInf(v, 0) {
		if text != "" && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9')) {
			return 0, true, f.errorf(key, "", "value %s overflows int64", text)
		}
		return 0, true, f.errorf(key, "", "want an integer (got %s)", text)
	}
	if v != math.Trunc(v) {
		return 0, true, f.errorf(key, "", "want an integer (got %s)", text)
	}
	if math.Abs(v) > maxExactInt {
		return 0, true, f.errorf(key, "", "value %s is too large to be a model dimension (maximum 2^53)", text)
	}
	return int64(v), true, nil
}

// positive returns key as a positive integer; present is false when it is absent or null.
func (f *fields) positive(key string) (value int64, present bool, err error) {
	value, present, err = f.integer(key)
	if err != nil || !present {
		return value, present, err
	}
	if value <= 0 {
		return 0, true, f.errorf(key, "", "want a positive integer (got %d)", value)
	}
	return value, true, nil
}

// require returns the first present key among names as a positive integer, or an error
// naming the first name when none is present.
func (f *fields) require(fix string, names ...string) (int64, error) {
	for _, name := range names {
		value, present, err := f.positive(name)
		if err != nil {
			return 0, err
		}
		if present {
			return value, nil
		}
	}
	if fix == "" {
		fix = fmt.Sprintf("add %q with the model's value", names[0])
	}
	return 0, f.errorf(names[0], fix, "missing")
}

// optional returns key as a positive integer, or def when it is absent or null.
func (f *fields) optional(key string, def int64) (int64, bool, error) {
	value, present, err := f.positive(key)
	if err != nil {
		return 0, true, err
	}
	if !present {
		return def, false, nil
	}
	return value, true, nil
}

// boolean returns key as a bool, or def when absent or null.
func (f *fields) boolean(key string, def bool) (value bool, present bool, err error) {
	if !f.has(key) {
		return def, false, nil
	}
	if err := json.Unmarshal(f.raw[key], &value); err != nil {
		return false, true, f.errorf(key, "", "want true or false (got %s)", bytes.TrimSpace(f.raw[key]))
	}
	return value, true, nil
}

// text returns key as a string, or "" when absent or null.
func (f *fields) text(key string) (string, error) {
	if !f.has(key) {
		return "", nil
	}
	var value string
	if err := json.Unmarshal(f.raw[key], &value); err != nil {
		return "", f.errorf(key, "", "want a string (got %s)", bytes.TrimSpace(f.raw[key]))
	}
	return value, nil
}

// intList returns key as a list of non-negative integers, or nil when absent or null.
func (f *fields) intList(key string) ([]int64, error) {
	if !f.has(key) {
		return nil, nil
	}
	var values []int64
	if err := json.Unmarshal(f.raw[key], &values); err != nil {
		return nil, f.errorf(key, "", "want a list of integers (got %s)", bytes.TrimSpace(f.raw[key]))
	}
	for _, v := range values {
		if v < 0 {
			return nil, f.errorf(key, "", "want non-negative layer indices (got %d)", v)
		}
	}
	return values, nil
}

// firstArchitecture returns the first entry of "architectures", or "".
func (f *fields) firstArchitecture() (string, error) {
	if !f.has("architectures") {
		return "", nil
	}
	var names []string
	if err := json.Unmarshal(f.raw["architectures"], &names); err != nil {
		return "", f.errorf("architectures", "", "want a list of class names (got %s)", bytes.TrimSpace(f.raw["architectures"]))
	}
	if len(names) == 0 {
		return "", nil
	}
	return names[0], nil
}

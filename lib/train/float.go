package train

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// Float is a float64 that JSON stores as a number, or as the strings "NaN", "Infinity"
// and "-Infinity" when it is not finite.
type Float float64

// MarshalJSON writes the number, or a string for NaN and ±Inf.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, null (NaN) or one of the strings MarshalJSON writes.
func (f *Float) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`, "null":
		*f = Float(math.NaN())
	case `"Infinity"`:
		*f = Float(math.Inf(1))
	case `"-Infinity"`:
		*f = Float(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			// encoding/json adds the field path to an *UnmarshalTypeError.
			return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeOf(f).Elem()}
		}
		*f = Float(v)
	}
	return nil
}

// jsonValueKind names the kind of a raw JSON value for messages: "string \"abc\"",
// "object", "array", "bool".
func jsonValueKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "empty value"
	}
	switch b[0] {
	case '"':
		if len(b) > 40 {
			b = append(b[:37:37], "..."...)
		}
		return "string " + string(b)
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "value " + string(b)
}

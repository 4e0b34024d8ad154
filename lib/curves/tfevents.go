package curves

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strings"
)

// TFRecord framing, as TensorBoard's event writers use it: each record is
//
//	uint64 length (little-endian)
//	uint32 masked CRC-32C of the 8 length bytes
//	length bytes of data (a serialized tensorflow.Event protocol buffer)
//	uint32 masked CRC-32C of the data
//
// with masked(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8.
// Reference: tensorflow/core/lib/io/record_writer.h and tensorflow/core/lib/hash/crc32c.h.
const (
	recordHeaderLen = 12
	recordFooterLen = 4
	crcMaskDelta    = 0xa282ead8
	// maxRecordLen rejects absurd lengths before allocating; event records are small.
	maxRecordLen = 256 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return ((c >> 15) | (c << 17)) + crcMaskDelta
}

// looksLikeTFRecord reports whether data starts with a record whose length CRC is valid.
func looksLikeTFRecord(data []byte) bool {
	if len(data) < recordHeaderLen {
		return false
	}
	return binary.LittleEndian.Uint32(data[8:12]) == maskedCRC(data[:8])
}

// ReadTFEvents reads the scalar summaries of a TensorBoard events.out.tfevents.* file.
//
// Scalars written as simple_value (tensorboardX, PyTorch's SummaryWriter, TF1) and as
// scalar tensors (TF2 summary ops, plugin "scalars") are read; each tag becomes a series
// with the event's step and wall time. Hugging Face's run summary tags
// (train/train_runtime, train/train_loss, ...) go to Run.Summary. A record whose length
// checksum fails ends the reading, because the framing after it cannot be trusted; a record
// whose data checksum fails, or whose protocol buffer is malformed, is skipped. Both are
// reported with the record number and byte offset.
//
// name is used in messages only.
func ReadTFEvents(name string, data []byte) (*Run, error) {
	const fn = "ReadTFEvents"
	if len(data) == 0 {
		return nil, formatErrorf(fn, name, "", "file is empty (want a TensorBoard event file)")
	}
	if !looksLikeTFRecord(data) {
		return nil, formatErrorf(fn, name, "record 1 (byte 0)", "not a TFRecord file: the length checksum of the first record does not match (want a TensorBoard events.out.tfevents file)")
	}
	run := &Run{Source: name, Format: FormatTBEvents, Summary: map[string]float64{}, Meta: map[string]float64{}}
	offsets := []int{}
	b := newBuilder(run, func(record int) string {
		if record >= 1 && record <= len(offsets) {
			return fmt.Sprintf("record %d (byte %d)", record, offsets[record-1])
		}
		return fmt.Sprintf("record %d", record)
	})
	skipped := map[string]int{}

	complete := 0 // records whose framing was whole
	for off, record := 0, 1; off < len(data); record++ {
		offsets = append(offsets, off)
		loc := fmt.Sprintf("record %d (byte %d)", record, off)
		if len(data)-off < recordHeaderLen {
			run.addIssue(IssueTruncated, loc, "file ends inside a record header (%d bytes left, want %d); %d records were read", len(data)-off, recordHeaderLen, record-1)
			break
		}
		if binary.LittleEndian.Uint32(data[off+8:off+12]) != maskedCRC(data[off:off+8]) {
			run.addIssue(IssueTruncated, loc, "length checksum mismatch, so the record framing is lost; %d records were read and the last %d bytes were not", record-1, len(data)-off)
			break
		}
		length := binary.LittleEndian.Uint64(data[off : off+8])
		remaining := len(data) - off - recordHeaderLen - recordFooterLen
		if length > maxRecordLen || remaining < 0 || uint64(remaining) < length {
			run.addIssue(IssueTruncated, loc, "record of %d bytes does not fit in the %d bytes left; %d records were read", length, len(data)-off-recordHeaderLen, record-1)
			break
		}
		start, end := off+recordHeaderLen, off+recordHeaderLen+int(length)
		payload := data[start:end]
		off = end + recordFooterLen
		complete++
		if binary.LittleEndian.Uint32(data[end:end+4]) != maskedCRC(payload) {
			run.addIssue(IssueMalformedRow, loc, "data checksum mismatch; record skipped")
			continue
		}
		if err := addEvent(run, b, payload, record, skipped); err != nil {
			run.addIssue(IssueMalformedRow, loc, "malformed Event protocol buffer (%v); record skipped", err)
		}
	}
	if len(skipped) > 0 {
		var parts []string
		for _, kind := range []string{"histogram", "image", "audio", "text", "tensor", "other"} {
			if n := skipped[kind]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, kind))
			}
		}
		run.addIssue(IssueSkippedData, "", "summaries that are not scalars were skipped: %s", strings.Join(parts, ", "))
	}
	b.finish()
	if len(run.Series) == 0 {
		return nil, formatErrorf(fn, name, "", "no scalar summary in %d complete records%s", complete, firstIssue(run))
	}
	return run, nil
}

// addEvent decodes one tensorflow.Event and adds its scalar summary values.
//
//	Event:   wall_time=1 (double), step=2 (int64), file_version=3, summary=5
//	Summary: value=1 (repeated Summary.Value)
//	Value:   tag=1, simple_value=2 (float), histo=5, image=4, audio=6, tensor=8, metadata=9
func addEvent(run *Run, b *builder, payload []byte, record int, skipped map[string]int) error {
	var wall float64
	var step int64
	var summaries [][]byte
	err := walkProto(payload, func(field int, wire int, v uint64, bytesVal []byte) error {
		switch {
		case field == 1 && wire == wireFixed64:
			wall = math.Float64frombits(v)
		case field == 2 && wire == wireVarint:
			step = int64(v)
		case field == 5 && wire == wireBytes:
			summaries = append(summaries, bytesVal)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, summary := range summaries {
		err := walkProto(summary, func(field, wire int, _ uint64, value []byte) error {
			if field != 1 || wire != wireBytes {
				return nil
			}
			tag, val, kind, err := decodeSummaryValue(value)
			if err != nil {
				return err
			}
			if kind != "" {
				skipped[kind]++
				return nil
			}
			if rest, ok := strings.CutPrefix(tag, "train/"); ok && trainerSummaryKeys[rest] {
				run.Summary[rest] = val
				return nil
			}
			b.add(tag, Point{Step: step, Value: val, WallTime: wall, Row: record})
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeSummaryValue returns the tag and scalar of a Summary.Value, or a non-empty kind
// ("histogram", "text", ...) when the value is not a scalar.
func decodeSummaryValue(msg []byte) (tag string, val float64, kind string, err error) {
	var simple *float64
	var tensor, metadata []byte
	kind = "other"
	err = walkProto(msg, func(field, wire int, v uint64, bytesVal []byte) error {
		switch {
		case field == 1 && wire == wireBytes:
			tag = string(bytesVal)
		case field == 2 && wire == wireFixed32:
			f := float64(math.Float32frombits(uint32(v)))
			simple = &f
		case field == 4:
			kind = "image"
		case field == 5:
			kind = "histogram"
		case field == 6:
			kind = "audio"
		case field == 8 && wire == wireBytes:
			tensor = bytesVal
		case field == 9 && wire == wireBytes:
			metadata = bytesVal
		}
		return nil
	})
	if err != nil {
		return "", 0, "", err
	}
	if simple != nil {
		return tag, *simple, "", nil
	}
	if tensor != nil {
		plugin := pluginName(metadata)
		if plugin != "" && plugin != "scalars" {
			if plugin == "text" {
				return tag, 0, "text", nil
			}
			return tag, 0, "tensor", nil
		}
		v, ok := scalarTensor(tensor)
		if !ok {
			return tag, 0, "tensor", nil
		}
		return tag, v, "", nil
	}
	return tag, 0, kind, nil
}

// pluginName returns SummaryMetadata.plugin_data.plugin_name (fields 1 and 1), or "".
func pluginName(metadata []byte) string {
	var name string
	_ = walkProto(metadata, func(field, wire int, _ uint64, pluginData []byte) error {
		if field == 1 && wire == wireBytes {
			_ = walkProto(pluginData, func(f, w int, _ uint64, s []byte) error {
				if f == 1 && w == wireBytes {
					name = string(s)
				}
				return nil
			})
		}
		return nil
	})
	return name
}

// TensorProto dtypes read as scalars (tensorflow/core/framework/types.proto).
const (
	dtFloat  = 1
	dtDouble = 2
	dtInt32  = 3
	dtInt64  = 9
)

// scalarTensor reads a TensorProto holding one number:
//
//	dtype=1, tensor_content=4 (raw little-endian), float_val=5, double_val=6,
//	int_val=7, int64_val=10
func scalarTensor(msg []byte) (float64, bool) {
	var dtype uint64
	var content []byte
	var vals []float64
	err := walkProto(msg, func(field, wire int, v uint64, b []byte) error {
		switch field {
		case 1:
			dtype = v
		case 4:
			content = b
		case 5:
			vals = append(vals, decodeRepeated(wire, v, b, 4, func(u uint64) float64 { return float64(math.Float32frombits(uint32(u))) })...)
		case 6:
			vals = append(vals, decodeRepeated(wire, v, b, 8, math.Float64frombits)...)
		case 7, 10:
			vals = append(vals, decodeRepeated(wire, v, b, 0, func(u uint64) float64 { return float64(int64(u)) })...)
		}
		return nil
	})
	if err != nil {
		return 0, false
	}
	if len(vals) == 1 {
		return vals[0], true
	}
	switch {
	case dtype == dtFloat && len(content) == 4:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(content))), true
	case dtype == dtDouble && len(content) == 8:
		return math.Float64frombits(binary.LittleEndian.Uint64(content)), true
	case dtype == dtInt32 && len(content) == 4:
		return float64(int32(binary.LittleEndian.Uint32(content))), true
	case dtype == dtInt64 && len(content) == 8:
		return float64(int64(binary.LittleEndian.Uint64(content))), true
	}
	return 0, false
}

// decodeRepeated reads one field occurrence of a repeated numeric field, packed (wire
// type 2) or not. size is 4 or 8 for fixed-width fields and 0 for varints.
func decodeRepeated(wire int, v uint64, b []byte, size int, conv func(uint64) float64) []float64 {
	if wire != wireBytes {
		return []float64{conv(v)}
	}
	var out []float64
	for len(b) > 0 {
		switch size {
		case 4:
			if len(b) < 4 {
				return out
			}
			out, b = append(out, conv(uint64(binary.LittleEndian.Uint32(b)))), b[4:]
		case 8:
			if len(b) < 8 {
				return out
			}
			out, b = append(out, conv(binary.LittleEndian.Uint64(b))), b[8:]
		default:
			u, n := binary.Uvarint(b)
			if n <= 0 {
				return out
			}
			out, b = append(out, conv(u)), b[n:]
		}
	}
	return out
}

// Protocol buffer wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

var errProto = errors.New("invalid protocol buffer encoding")

// walkProto calls visit for each field of a serialized protocol buffer message. For
// varint and fixed fields v holds the value; for length-delimited fields b holds the bytes.
func walkProto(msg []byte, visit func(field, wire int, v uint64, b []byte) error) error {
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return errProto
		}
		msg = msg[n:]
		field, wire := int(key>>3), int(key&7)
		if field <= 0 {
			return fmt.Errorf("%w: field number %d", errProto, field)
		}
		var v uint64
		var b []byte
		switch wire {
		case wireVarint:
			v, n = binary.Uvarint(msg)
			if n <= 0 {
				return errProto
			}
			msg = msg[n:]
		case wireFixed64:
			if len(msg) < 8 {
				return fmt.Errorf("%w: fixed64 field %d cut short", errProto, field)
			}
			v, msg = binary.LittleEndian.Uint64(msg), msg[8:]
		case wireFixed32:
			if len(msg) < 4 {
				return fmt.Errorf("%w: fixed32 field %d cut short", errProto, field)
			}
			v, msg = uint64(binary.LittleEndian.Uint32(msg)), msg[4:]
		case wireBytes:
			length, n := binary.Uvarint(msg)
			if n <= 0 || length > uint64(len(msg)-n) {
				return fmt.Errorf("%w: field %d of %d bytes overruns the message", errProto, field, length)
			}
			b, msg = msg[n:n+int(length)], msg[n+int(length):]
		default:
			return fmt.Errorf("%w: wire type %d of field %d", errProto, wire, field)
		}
		if err := visit(field, wire, v, b); err != nil {
			return err
		}
	}
	return nil
}

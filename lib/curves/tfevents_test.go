package curves

import (
	"encoding/binary"
	"math"
	"testing"
)

// Hand-encoded protocol buffers, following the field numbers of tensorflow's event.proto,
// summary.proto and tensor.proto.
func pbBytes(field int, b []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(field<<3|wireBytes))
	out = binary.AppendUvarint(out, uint64(len(b)))
	return append(out, b...)
}

func pbVarint(field int, v uint64) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(nil, uint64(field<<3|wireVarint)), v)
}

func pbFloat32(field int, v float32) []byte {
	out := binary.AppendUvarint(nil, uint64(field<<3|wireFixed32))
	return binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestTFEventsScalarEncodings(t *testing.T) {
	simple := cat(pbVarint(2, 7), pbBytes(5, pbBytes(1, cat(pbBytes(1, []byte("eval/loss")), pbFloat32(2, 0.5)))))
	content := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.25))
	tensor := cat(pbVarint(1, dtFloat), pbBytes(4, content))
	metadata := pbBytes(1, pbBytes(1, []byte("scalars")))
	tf2 := cat(pbVarint(2, 3), pbBytes(5, pbBytes(1, cat(pbBytes(1, []byte("train/loss")), pbBytes(9, metadata), pbBytes(8, tensor)))))
	packed := cat(pbVarint(1, dtDouble), pbBytes(6, binary.LittleEndian.AppendUint64(nil, math.Float64bits(2.5))))
	tf2double := cat(pbVarint(2, 4), pbBytes(5, pbBytes(1, cat(pbBytes(1, []byte("train/loss")), pbBytes(8, packed)))))
	text := cat(pbVarint(2, 4), pbBytes(5, pbBytes(1, cat(pbBytes(1, []byte("args")), pbBytes(9, pbBytes(1, pbBytes(1, []byte("text")))), pbBytes(8, pbVarint(1, 7))))))

	data := cat(frameRecord([]byte("\x1a\x0dbrain.Event:2")), frameRecord(simple), frameRecord(tf2), frameRecord(tf2double), frameRecord(text))
	run, err := ReadTFEvents("hand.tfevents", data)
	if err != nil {
		t.Fatal(err)
	}
	checkPoints(t, run.Find("eval/loss"), [][2]float64{{7, 0.5}})
	checkPoints(t, run.Find("train/loss"), [][2]float64{{3, 1.25}, {4, 2.5}})
	if len(run.IssuesOf(IssueSkippedData)) != 1 {
		t.Errorf("issues %v, want the text summary reported as skipped", run.Issues)
	}
}

func TestMaskedCRC(t *testing.T) {
	// CRC-32C("123456789") = 0xe3069283 (the standard check value of CRC-32C, RFC 3720
	// appendix B.4); masked = ((c >> 15) | (c << 17)) + 0xa282ead8.
	c := uint32(0xe3069283)
	want := ((c >> 15) | (c << 17)) + 0xa282ead8
	if got := maskedCRC([]byte("123456789")); got != want {
		t.Errorf("maskedCRC(123456789) = %#x, want %#x", got, want)
	}
}

package curves

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds every example and test file, cut to at most 8 KiB so that mutations stay fast.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	more, _ := filepath.Glob("examples/tb-bert-cyberbullying/*")
	for _, path := range append(files, more...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(path), data[:min(len(data), 8192)])
	}
	f.Add("x.csv", []byte("step,loss\n1,NaN\n1,2\n0,3\n"))
	f.Add("x.json", []byte(`{"log_history":[{"step":1,"loss":-Infinity}]}`))
}

// checkRun asserts the invariants every successful read must keep.
func checkRun(t *testing.T, run *Run, err error) {
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("error %v (%T), want *FormatError", err, err)
		}
		return
	}
	if run == nil || len(run.Series) == 0 {
		t.Fatalf("Read returned no error and no series")
	}
	for _, s := range run.Series {
		for i := 1; i < len(s.Points); i++ {
			if s.Points[i].Step <= s.Points[i-1].Step {
				t.Fatalf("series %s not strictly increasing at %d: %d then %d", s.Key, i, s.Points[i-1].Step, s.Points[i].Step)
			}
		}
	}
}

func FuzzRead(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		run, err := Read(name, data)
		checkRun(t, run, err)
	})
}

func FuzzReadTFEvents(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		run, err := ReadTFEvents(name, data)
		checkRun(t, run, err)
	})
}

func FuzzReadTrainerState(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		run, err := ReadTrainerState(name, data)
		checkRun(t, run, err)
	})
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, read := range []func(string, []byte) (*Run, error){ReadTBCSV, ReadStepTable, ReadWandbCSV} {
			run, err := read(name, data)
			checkRun(t, run, err)
		}
	})
}

// frameRecord wraps payload in TFRecord framing with valid checksums, so that fuzzing
// reaches the protocol buffer decoder instead of stopping at the checksum.
func frameRecord(payload []byte) []byte {
	out := make([]byte, 12, 16+len(payload))
	binary.LittleEndian.PutUint64(out, uint64(len(payload)))
	binary.LittleEndian.PutUint32(out[8:], maskedCRC(out[:8]))
	out = append(out, payload...)
	return binary.LittleEndian.AppendUint32(out, maskedCRC(payload))
}

func FuzzTFEventPayload(f *testing.F) {
	// Event{step: 7, summary: {value: {tag: "eval/loss", simple_value: 0.5}}}
	f.Add([]byte("\x10\x07\x2a\x12\x0a\x10\x0a\x09eval/loss\x15\x00\x00\x00\x3f"))
	f.Add([]byte("\x09\x00\x00\x00\x00\x00\x00\xf0\x3f\x1a\x0dbrain.Event:2"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		data := append(frameRecord([]byte("\x1a\x0dbrain.Event:2")), frameRecord(payload)...)
		run, err := ReadTFEvents("fuzz.tfevents", data)
		checkRun(t, run, err)
	})
}

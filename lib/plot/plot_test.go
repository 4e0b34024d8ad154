package plot

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFigureSVG(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5}
	f := New("loss", "step", "loss").
		Line("train", xs, []float64{5, 4, 3, 2.5, 2}).
		Band("train", xs, []float64{4.5, 3.5, 2.5, 2, 1.5}, []float64{5.5, 4.5, 3.5, 3, 2.5}).
		Dashed("formula", xs, []float64{5, 4.1, 3.2, 2.4, 1.9}).
		Scatter("eval", []float64{2, 4}, []float64{4.2, 2.9}).
		VLine("best step", 4)
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(svg), []byte("<?xml")) || !bytes.Contains(svg, []byte("<svg")) {
		t.Fatalf("SVG() does not start an SVG document: %.80q", svg)
	}
	if !strings.Contains(string(svg), "'Liberation Serif','Times New Roman',Times,serif") {
		t.Error("SVG names no fallback for Liberation Serif")
	}
	for _, want := range []string{"train", "formula", "eval", "best step", "step"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("SVG lacks the text %q", want)
		}
	}
}

func TestFigureDropsNonFinite(t *testing.T) {
	f := New("diverged", "step", "loss")
	f.LogY = true
	f.Line("run", []float64{1, 2, 3, 4}, []float64{1, math.NaN(), math.Inf(1), 0})
	f.Line("ok", []float64{1, 2}, []float64{1, 0.5})
	if _, err := f.SVG(); err != nil {
		t.Fatal(err)
	}
	if got := f.Dropped(); got != 3 {
		t.Errorf("Dropped() = %d, want 3 (NaN, +Inf, and 0 on a log axis)", got)
	}
}

func TestFigureLengthMismatch(t *testing.T) {
	_, err := New("t", "x", "y").Line("bad", []float64{1, 2}, []float64{1}).SVG()
	if err == nil || !strings.Contains(err.Error(), `"bad"`) || !strings.Contains(err.Error(), "len(xs)=2") {
		t.Errorf("SVG() error = %v, want one naming the series and both lengths", err)
	}
}

func TestBarsAndHeatmap(t *testing.T) {
	b := NewBars("P@10 by slice", "P@10", []string{"short", "long", "other language"}).
		AddWithError("cosine", []float64{0.5, 0.6, 0.3}, []float64{0.4, 0.5, 0.2}, []float64{0.6, 0.7, 0.4}).
		Add("dot", []float64{0.4, 0.65, 0.2})
	h := NewHeatmap("val loss", "lr", "weight decay", []string{"1e-3", "1e-2"}, []string{"0", "0.1"},
		[][]float64{{0.3, math.NaN()}, {0.25, 0.4}})
	for _, c := range []Chart{b, h} {
		svg, err := c.SVG()
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		if !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("%s: no <svg> element", c.Name())
		}
	}
	if _, err := NewBars("x", "y", []string{"a"}).Add("s", []float64{1, 2}).SVG(); err == nil {
		t.Error("bars with 2 values for 1 category rendered without error")
	}
	if _, err := NewHeatmap("x", "", "", []string{"a"}, []string{"b"}, [][]float64{{1, 2}}).SVG(); err == nil {
		t.Error("heatmap with mismatched labels rendered without error")
	}
}

func TestSaveSVGAndPNG(t *testing.T) {
	dir := t.TempDir()
	f := New("t", "x", "y").Line("a", []float64{0, 1}, []float64{0, 1})
	for _, name := range []string{"sub/a.svg", "b.png"} {
		path := filepath.Join(dir, name)
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil || len(data) == 0 {
			t.Fatalf("Save(%s) wrote nothing: %v", name, err)
		}
	}
	if err := f.Save(filepath.Join(dir, "c.gif")); err == nil {
		t.Error("Save to .gif succeeded, want an error naming the extension")
	}
}

func TestLogTickLabels(t *testing.T) {
	for _, tick := range (logTicks{}).Ticks(1e-5, 1e-2) {
		if strings.Contains(tick.Label, "9999") {
			t.Errorf("log tick at %g labeled %q", tick.Value, tick.Label)
		}
	}
	labels := map[string]bool{}
	for _, tick := range (logTicks{}).Ticks(1e-5, 1e-2) {
		labels[tick.Label] = true
	}
	for _, want := range []string{"1e-05", "0.0001", "0.001", "0.01"} {
		if !labels[want] {
			t.Errorf("log ticks over [1e-5, 1e-2] lack the label %q (got %v)", want, labels)
		}
	}
}

func TestLogTicksShortRange(t *testing.T) {
	labels := map[string]bool{}
	for _, tick := range (logTicks{}).Ticks(128, 4096) {
		if tick.Label != "" {
			labels[tick.Label] = true
		}
	}
	for _, want := range []string{"200", "500", "1e+03", "2e+03"} {
		if !labels[want] {
			t.Errorf("log ticks over [128, 4096] lack the label %q (got %v)", want, labels)
		}
	}
}

func TestPlainTickLabels(t *testing.T) {
	for _, tick := range (plainTicks{}).Ticks(0, 5000) {
		if strings.HasSuffix(tick.Label, ".00") {
			t.Errorf("tick at %g labeled %q", tick.Value, tick.Label)
		}
	}
}

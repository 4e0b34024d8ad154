package display

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/plot"
)

func TestTextTable(t *testing.T) {
	got := TextTable([]string{"slice", "P@10"}, [][]string{{"short", "0.41"}, {"other language", "0.2"}})
	want := "slice           P@10\nshort           0.41\nother language  0.2\n"
	if got != want {
		t.Errorf("TextTable() =\n%q\nwant\n%q", got, want)
	}
}

func TestChartOutsideNotebook(t *testing.T) {
	var buf bytes.Buffer
	old := Terminal
	Terminal = &buf
	defer func() { Terminal = old }()
	fig := plot.New("loss", "step", "loss").Line("train", []float64{0, 1}, []float64{1, 0.5})
	if err := Chart(fig); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "[figure: loss") {
		t.Errorf("Chart() printed %q, want a placeholder naming the figure", buf.String())
	}
	bad := plot.New("bad", "x", "y").Line("s", []float64{0}, nil)
	if err := Chart(bad); err == nil {
		t.Error("Chart() of a figure with mismatched series returned no error")
	}
}

func TestSVGImgTag(t *testing.T) {
	got := svgImgTag([]byte("<svg/>"), `loss "train"`)
	want := `<img alt="loss &#34;train&#34;" src="data:image/svg+xml;base64,PHN2Zy8+">`
	if got != want {
		t.Errorf("svgImgTag() = %q, want %q", got, want)
	}
}

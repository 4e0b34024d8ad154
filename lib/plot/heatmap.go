package plot

import (
	"fmt"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Heatmap is a grid of colored cells, for example validation loss over learning rate ×
// weight decay. Values[r][c] is the cell in row r (YTicks[r], drawn bottom to top) and
// column c (XTicks[c]). NaN cells, such as diverged runs, are left blank. Grids of at most
// 12×12 cells carry their value as text.
type Heatmap struct {
	Title, XLabel, YLabel string
	XTicks, YTicks        []string
	Values                [][]float64
	Width, Height         float64
	// Format is the fmt verb for cell labels; "%.3g" when empty.
	Format string
}

// NewHeatmap returns a heatmap of values with labeled rows and columns.
func NewHeatmap(title, xLabel, yLabel string, xTicks, yTicks []string, values [][]float64) *Heatmap {
	return &Heatmap{Title: title, XLabel: xLabel, YLabel: yLabel, XTicks: xTicks, YTicks: yTicks, Values: values}
}

// Name returns the chart's title.
func (h *Heatmap) Name() string { return h.Title }

// SVG renders the heatmap as an SVG document.
func (h *Heatmap) SVG() ([]byte, error) { return render(h, "svg") }

// PNG renders the heatmap as a PNG image.
func (h *Heatmap) PNG() ([]byte, error) { return render(h, "png") }

// Save writes the heatmap to path; see the package function Save.
func (h *Heatmap) Save(path string) error { return Save(h, path) }

func (h *Heatmap) size() (vg.Length, vg.Length) {
	return (&Figure{Width: h.Width, Height: h.Height}).size()
}

type grid struct{ v [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.v[0]), len(g.v) }
func (g grid) Z(c, r int) float64 { return g.v[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

func (h *Heatmap) build() (*gplot.Plot, error) {
	rows := len(h.Values)
	if rows == 0 || len(h.Values[0]) == 0 {
		return nil, fmt.Errorf("plot: heatmap %q: no values", h.Title)
	}
	cols := len(h.Values[0])
	if len(h.YTicks) != rows || len(h.XTicks) != cols {
		return nil, fmt.Errorf("plot: heatmap %q: %d×%d values but %d row and %d column labels",
			h.Title, rows, cols, len(h.YTicks), len(h.XTicks))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for r, row := range h.Values {
		if len(row) != cols {
			return nil, fmt.Errorf("plot: heatmap %q: row %d has %d values, want %d", h.Title, r, len(row), cols)
		}
		for _, v := range row {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	p := newBasePlot(h.Title, h.XLabel, h.YLabel)
	if !finite(lo) {
		lo, hi = 0, 1
	}
	if lo == hi {
		hi = lo + 1
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(hi)
	hm := plotter.NewHeatMap(grid{h.Values}, pal.Palette(64))
	hm.Min, hm.Max = lo, hi
	hm.NaN = nil
	p.Add(hm)
	p.X.Tick.Marker = labelTicks(h.XTicks)
	p.Y.Tick.Marker = labelTicks(h.YTicks)
	if rows <= 12 && cols <= 12 {
		format := h.Format
		if format == "" {
			format = "%.3g"
		}
		var xys plotter.XYs
		var labels []string
		for r, row := range h.Values {
			for c, v := range row {
				xys = append(xys, plotter.XY{X: float64(c), Y: float64(r)})
				if finite(v) {
					labels = append(labels, fmt.Sprintf(format, v))
				} else {
					labels = append(labels, "—")
				}
			}
		}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err == nil {
			for i := range lb.TextStyle {
				lb.TextStyle[i].XAlign, lb.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
				lb.TextStyle[i].Font.Size = vg.Points(8)
			}
			p.Add(lb)
		}
	}
	p.Legend = gplot.NewLegend()
	return p, nil
}

type labelTicks []string

func (l labelTicks) Ticks(min, max float64) []gplot.Tick {
	var ticks []gplot.Tick
	for i, s := range l {
		if s != "" {
			ticks = append(ticks, gplot.Tick{Value: float64(i), Label: s})
		}
	}
	return ticks
}

package plot

import (
	"fmt"
	"image/color"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Bars is a grouped bar chart: one group of bars per category, one bar per series in each
// group, with optional error bars (for example bootstrap confidence intervals).
type Bars struct {
	// XLabel names the categories' axis; empty by default because the category labels
	// often say enough.
	Title, XLabel, YLabel string
	Categories            []string
	Width, Height         float64

	groups []barGroup
}

type barGroup struct {
	name           string
	values, lo, hi []float64
}

// NewBars returns an empty bar chart over the given categories (the x-axis labels).
func NewBars(title, yLabel string, categories []string) *Bars {
	return &Bars{Title: title, YLabel: yLabel, Categories: categories}
}

// Name returns the chart's title.
func (b *Bars) Name() string { return b.Title }

// Add adds one series: values[i] is the bar height for Categories[i].
func (b *Bars) Add(name string, values []float64) *Bars {
	b.groups = append(b.groups, barGroup{name: name, values: values})
	return b
}

// AddWithError adds one series with an error bar from lo[i] to hi[i] on each bar.
func (b *Bars) AddWithError(name string, values, lo, hi []float64) *Bars {
	b.groups = append(b.groups, barGroup{name: name, values: values, lo: lo, hi: hi})
	return b
}

// SVG renders the chart as an SVG document.
func (b *Bars) SVG() ([]byte, error) { return render(b, "svg") }

// PNG renders the chart as a PNG image.
func (b *Bars) PNG() ([]byte, error) { return render(b, "png") }

// Save writes the chart to path; see the package function Save.
func (b *Bars) Save(path string) error { return Save(b, path) }

func (b *Bars) size() (vg.Length, vg.Length) {
	return (&Figure{Width: b.Width, Height: b.Height}).size()
}

func (b *Bars) build() (*gplot.Plot, error) {
	if len(b.Categories) == 0 {
		return nil, fmt.Errorf("plot: bars %q: no categories", b.Title)
	}
	p := newBasePlot(b.Title, b.XLabel, b.YLabel)
	n := len(b.groups)
	width := vg.Points(float64(min(40, 300/max(1, n*len(b.Categories)))))
	for gi, g := range b.groups {
		if len(g.values) != len(b.Categories) {
			return nil, fmt.Errorf("plot: bars %q: series %q has %d values for %d categories",
				b.Title, g.name, len(g.values), len(b.Categories))
		}
		values := make(plotter.Values, len(g.values))
		for i, v := range g.values {
			if finite(v) {
				values[i] = v
			}
		}
		bc, err := plotter.NewBarChart(values, width)
		if err != nil {
			return nil, fmt.Errorf("plot: bars %q: series %q: %w", b.Title, g.name, err)
		}
		c := Palette[gi%len(Palette)]
		bc.Color = c
		bc.LineStyle.Width = 0
		bc.Offset = vg.Length(float64(gi)-float64(n-1)/2) * width
		p.Add(bc)
		p.Legend.Add(g.name, bc)
		if g.lo != nil {
			if err := addErrorBars(p, g, gi, n, width, bc); err != nil {
				return nil, fmt.Errorf("plot: bars %q: series %q: %w", b.Title, g.name, err)
			}
		}
	}
	p.NominalX(b.Categories...)
	// Leave half a category of room on each side so the outer bars and labels fit.
	p.X.Min, p.X.Max = -0.5-float64(n)*0.02, float64(len(b.Categories))-0.5+float64(n)*0.02
	p.Legend.Top = true
	return p, nil
}

func addErrorBars(p *gplot.Plot, g barGroup, gi, n int, width vg.Length, bc *plotter.BarChart) error {
	if len(g.lo) != len(g.values) || len(g.hi) != len(g.values) {
		return fmt.Errorf("len(lo)=%d, len(hi)=%d, want %d", len(g.lo), len(g.hi), len(g.values))
	}
	eb := &barErrors{offset: bc.Offset}
	for i := range g.values {
		if finite(g.lo[i]) && finite(g.hi[i]) {
			eb.xs = append(eb.xs, float64(i))
			eb.lo = append(eb.lo, g.lo[i])
			eb.hi = append(eb.hi, g.hi[i])
		}
	}
	eb.color = color.RGBA{40, 40, 40, 255}
	p.Add(eb)
	return nil
}

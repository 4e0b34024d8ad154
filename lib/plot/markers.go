package plot

import (
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// vLine is a vertical line across the whole plot area at x. It widens the x range to
// include x and leaves the y range alone.
type vLine struct {
	x     float64
	style func(*plotter.Line)
}

func (v *vLine) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, _ := plt.Transforms(&c)
	x := trX(v.x)
	l := &plotter.Line{}
	v.style(l)
	c.StrokeLines(l.LineStyle, []vg.Point{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}})
}

// DataRange returns +Inf/-Inf for y so math.Min and math.Max leave the y range unchanged.
func (v *vLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return v.x, v.x, math.Inf(1), math.Inf(-1)
}

// hLine is a horizontal line across the whole plot area at y.
type hLine struct {
	y     float64
	style func(*plotter.Line)
}

func (h *hLine) Plot(c draw.Canvas, plt *gplot.Plot) {
	_, trY := plt.Transforms(&c)
	y := trY(h.y)
	l := &plotter.Line{}
	h.style(l)
	c.StrokeLines(l.LineStyle, []vg.Point{{X: c.Min.X, Y: y}, {X: c.Max.X, Y: y}})
}

func (h *hLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.y, h.y
}

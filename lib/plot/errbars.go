package plot

import (
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// barErrors draws vertical error bars centred on bars shifted by offset.
type barErrors struct {
	xs, lo, hi []float64
	offset     vg.Length
	color      color.Color
}

func (e *barErrors) Plot(c draw.Canvas, plt *gplot.Plot) {
	trX, trY := plt.Transforms(&c)
	style := draw.LineStyle{Color: e.color, Width: vg.Points(1)}
	capWidth := vg.Points(3)
	for i := range e.xs {
		x := trX(e.xs[i]) + e.offset
		ylo, yhi := trY(e.lo[i]), trY(e.hi[i])
		c.StrokeLines(style, []vg.Point{{X: x, Y: ylo}, {X: x, Y: yhi}})
		c.StrokeLines(style, []vg.Point{{X: x - capWidth, Y: ylo}, {X: x + capWidth, Y: ylo}})
		c.StrokeLines(style, []vg.Point{{X: x - capWidth, Y: yhi}, {X: x + capWidth, Y: yhi}})
	}
}

func (e *barErrors) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := range e.xs {
		ymin = math.Min(ymin, e.lo[i])
		ymax = math.Max(ymax, e.hi[i])
	}
	return xmin, xmax, ymin, ymax
}

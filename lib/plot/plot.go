// Package plot draws the figures of gradlab's chapters and command line: line plots with
// several series and shaded bands, scatter plots, grouped bars with error bars, and
// heatmaps. Figures render to SVG (or PNG), so they survive notebook HTML export and GitHub
// rendering; no figure needs JavaScript.
//
// The methods that add series only record them and return no error. Problems such as
// series of unequal length are reported by SVG, PNG and Save. Points that are NaN or ±Inf,
// and points that are not positive on a logarithmic axis, are left out of the drawing (a
// diverged run simply stops), and the number left out is available from Figure.Dropped.
//
// Error policy: rendering returns errors; nothing panics on user data.
//
// Used by every chapter through package display, and by cmd/gradlab for --out folders.
package plot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is anything that renders to an image: *Figure, *Bars and *Heatmap.
type Chart interface {
	// SVG renders the chart as an SVG document.
	SVG() ([]byte, error)
	// PNG renders the chart as a PNG image at 144 dots per inch.
	PNG() ([]byte, error)
	// Name returns the chart's title, used as alt text.
	Name() string
}

// Default size of a chart in inches (rendered at 72 points per inch in SVG).
const (
	DefaultWidth  = 6.4
	DefaultHeight = 4.0
)

// Palette is the series color cycle (Tableau 10).
var Palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

type seriesKind int

const (
	kindLine seriesKind = iota
	kindDashed
	kindScatter
	kindBand
)

type series struct {
	kind   seriesKind
	name   string
	xs, ys []float64
	hi     []float64 // upper edge of a band; ys is the lower edge
}

// Figure is a 2-D plot with line, scatter and band series sharing two axes.
type Figure struct {
	Title, XLabel, YLabel string
	// LogX and LogY switch an axis to a base-10 logarithmic scale.
	LogX, LogY bool
	// Width and Height in inches; zero means DefaultWidth and DefaultHeight.
	Width, Height float64

	series  []series
	vlines  []marker
	hlines  []marker
	dropped int
}

type marker struct {
	name  string
	value float64
}

// New returns an empty figure with a title and axis labels.
func New(title, xLabel, yLabel string) *Figure {
	return &Figure{Title: title, XLabel: xLabel, YLabel: yLabel}
}

// Name returns the figure's title.
func (f *Figure) Name() string { return f.Title }

// Line adds a solid line through the points (xs[i], ys[i]). Series with the same name
// share a color: a Band named like a Line is drawn in that line's color.
func (f *Figure) Line(name string, xs, ys []float64) *Figure {
	f.series = append(f.series, series{kind: kindLine, name: name, xs: xs, ys: ys})
	return f
}

// Dashed adds a dashed line, for references such as a formula drawn beside measurements.
func (f *Figure) Dashed(name string, xs, ys []float64) *Figure {
	f.series = append(f.series, series{kind: kindDashed, name: name, xs: xs, ys: ys})
	return f
}

// Scatter adds unconnected points.
func (f *Figure) Scatter(name string, xs, ys []float64) *Figure {
	f.series = append(f.series, series{kind: kindScatter, name: name, xs: xs, ys: ys})
	return f
}

// Band adds a shaded region between lo[i] and hi[i] at xs[i], for confidence intervals.
func (f *Figure) Band(name string, xs, lo, hi []float64) *Figure {
	f.series = append(f.series, series{kind: kindBand, name: name, xs: xs, ys: lo, hi: hi})
	return f
}

// VLine adds a vertical dotted marker at x, for example the best step.
func (f *Figure) VLine(name string, x float64) *Figure {
	f.vlines = append(f.vlines, marker{name, x})
	return f
}

// HLine adds a horizontal dotted marker at y, for example a target value.
func (f *Figure) HLine(name string, y float64) *Figure {
	f.hlines = append(f.hlines, marker{name, y})
	return f
}

// Dropped returns how many points the last rendering left out because they were NaN,
// ±Inf, or not positive on a logarithmic axis.
func (f *Figure) Dropped() int { return f.dropped }

// SVG renders the figure as an SVG document.
func (f *Figure) SVG() ([]byte, error) { return render(f, "svg") }

// PNG renders the figure as a PNG image.
func (f *Figure) PNG() ([]byte, error) { return render(f, "png") }

func (f *Figure) size() (vg.Length, vg.Length) {
	w, h := f.Width, f.Height
	if w <= 0 {
		w = DefaultWidth
	}
	if h <= 0 {
		h = DefaultHeight
	}
	return vg.Length(w) * vg.Inch, vg.Length(h) * vg.Inch
}

// build converts the figure into a gonum plot.
func (f *Figure) build() (*gplot.Plot, error) {
	p := newBasePlot(f.Title, f.XLabel, f.YLabel)
	if f.LogX {
		p.X.Scale, p.X.Tick.Marker = gplot.LogScale{}, logTicks{}
	}
	if f.LogY {
		p.Y.Scale, p.Y.Tick.Marker = gplot.LogScale{}, logTicks{}
	}
	f.dropped = 0
	colors := map[string]color.RGBA{}
	colorOf := func(name string) color.RGBA {
		c, ok := colors[name]
		if !ok {
			c = Palette[len(colors)%len(Palette)]
			colors[name] = c
		}
		return c
	}
	// Colors follow the order in which names were added, whatever kind of series they are.
	for _, s := range f.series {
		colorOf(s.name)
	}
	// Bands go first so lines are drawn over them.
	for _, s := range f.series {
		if s.kind != kindBand {
			continue
		}
		if err := f.addBand(p, s, colorOf(s.name)); err != nil {
			return nil, err
		}
	}
	for _, s := range f.series {
		if s.kind == kindBand {
			continue
		}
		if err := f.addSeries(p, s, colorOf(s.name)); err != nil {
			return nil, err
		}
	}
	f.addMarkers(p)
	return p, nil
}

func (f *Figure) keep(x, y float64) bool {
	ok := finite(x) && finite(y) && (!f.LogX || x > 0) && (!f.LogY || y > 0)
	if !ok {
		f.dropped++
	}
	return ok
}

func (f *Figure) addSeries(p *gplot.Plot, s series, c color.RGBA) error {
	if len(s.xs) != len(s.ys) {
		return fmt.Errorf("plot: series %q: len(xs)=%d != len(ys)=%d", s.name, len(s.xs), len(s.ys))
	}
	// A non-finite point breaks a line into segments instead of joining across the gap.
	var segments []plotter.XYs
	var cur plotter.XYs
	for i := range s.xs {
		if !f.keep(s.xs[i], s.ys[i]) {
			if len(cur) > 0 {
				segments = append(segments, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: s.xs[i], Y: s.ys[i]})
	}
	if len(cur) > 0 {
		segments = append(segments, cur)
	}
	for i, seg := range segments {
		var thumb gplot.Thumbnailer
		switch s.kind {
		case kindScatter:
			sc, err := plotter.NewScatter(seg)
			if err != nil {
				return fmt.Errorf("plot: series %q: %w", s.name, err)
			}
			sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = c, vg.Points(2.5), draw.CircleGlyph{}
			p.Add(sc)
			thumb = sc
		default:
			l, err := plotter.NewLine(seg)
			if err != nil {
				return fmt.Errorf("plot: series %q: %w", s.name, err)
			}
			l.LineStyle.Color, l.LineStyle.Width = c, vg.Points(1.6)
			if s.kind == kindDashed {
				l.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			if len(seg) == 1 {
				// A single point has no line; show it as a dot.
				sc, _ := plotter.NewScatter(seg)
				sc.GlyphStyle.Color, sc.GlyphStyle.Shape = c, draw.CircleGlyph{}
				p.Add(sc)
			}
			p.Add(l)
			thumb = l
		}
		if i == 0 && s.name != "" {
			p.Legend.Add(s.name, thumb)
		}
	}
	return nil
}

func (f *Figure) addBand(p *gplot.Plot, s series, c color.RGBA) error {
	if len(s.xs) != len(s.ys) || len(s.xs) != len(s.hi) {
		return fmt.Errorf("plot: band %q: len(xs)=%d, len(lo)=%d, len(hi)=%d differ",
			s.name, len(s.xs), len(s.ys), len(s.hi))
	}
	var upper, lower plotter.XYs
	for i := range s.xs {
		if !f.keep(s.xs[i], s.ys[i]) || !f.keep(s.xs[i], s.hi[i]) {
			continue
		}
		upper = append(upper, plotter.XY{X: s.xs[i], Y: s.hi[i]})
		lower = append(lower, plotter.XY{X: s.xs[i], Y: s.ys[i]})
	}
	if len(upper) < 2 {
		return nil
	}
	ring := make(plotter.XYs, 0, 2*len(upper))
	ring = append(ring, upper...)
	for i := len(lower) - 1; i >= 0; i-- {
		ring = append(ring, lower[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return fmt.Errorf("plot: band %q: %w", s.name, err)
	}
	// color.RGBA is alpha-premultiplied; NRGBA takes the plain color and an opacity.
	poly.Color = color.NRGBA{c.R, c.G, c.B, 64}
	poly.LineStyle.Width = 0
	p.Add(poly)
	return nil
}

func (f *Figure) addMarkers(p *gplot.Plot) {
	style := func(l *plotter.Line) {
		l.LineStyle.Color = color.RGBA{90, 90, 90, 255}
		l.LineStyle.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
		l.LineStyle.Width = vg.Points(1.2)
	}
	for _, m := range f.vlines {
		if !finite(m.value) {
			continue
		}
		p.Add(&vLine{x: m.value, style: style})
		if m.name != "" {
			ref := &plotter.Line{}
			style(ref)
			p.Legend.Add(m.name, ref)
		}
	}
	for _, m := range f.hlines {
		if !finite(m.value) {
			continue
		}
		p.Add(&hLine{y: m.value, style: style})
		if m.name != "" {
			ref := &plotter.Line{}
			style(ref)
			p.Legend.Add(m.name, ref)
		}
	}
}

// plainTicks places ticks like gplot.DefaultTicks and labels them without padding zeros, so
// 2500 does not read 2500.00.
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []gplot.Tick {
	ticks := gplot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 6, 64)
		}
	}
	return ticks
}

// logTicks places ticks at powers of ten like gplot.LogTicks and labels them with at most
// three significant digits, so 1e-4 does not read 9.999999999999999e-05.
type logTicks struct{}

// On a range spanning less than two powers of ten, the 2× and 5× ticks are labeled too,
// so the axis carries more than one number.
func (logTicks) Ticks(min, max float64) []gplot.Tick {
	ticks := gplot.LogTicks{Prec: -1}.Ticks(min, max)
	labeled := 0
	for _, t := range ticks {
		if t.Label != "" && t.Value >= min && t.Value <= max {
			labeled++
		}
	}
	for i := range ticks {
		mantissa := ticks[i].Value / math.Pow(10, math.Floor(math.Log10(ticks[i].Value)+1e-9))
		oneTwoFive := math.Abs(mantissa-2) < 1e-6 || math.Abs(mantissa-5) < 1e-6
		if ticks[i].Label != "" || (labeled < 2 && oneTwoFive) {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64)
		}
	}
	return ticks
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func newBasePlot(title, xLabel, yLabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.Padding = vg.Points(2)
	p.X.Tick.Marker = plainTicks{}
	p.Y.Tick.Marker = plainTicks{}
	p.Add(plotter.NewGrid())
	return p
}

type builder interface {
	build() (*gplot.Plot, error)
	size() (vg.Length, vg.Length)
}

func render(b builder, format string) ([]byte, error) {
	p, err := b.build()
	if err != nil {
		return nil, err
	}
	w, h := b.size()
	// The legend goes in a column right of the axes, so it never covers data; the image
	// widens by that column.
	legend := p.Legend
	legendWidth := legend.Rectangle(draw.Canvas{}).Size().X
	if legendWidth > 0 {
		// gonum measures text with its embedded fonts; viewers may substitute wider ones.
		legendWidth = legendWidth*1.2 + legendGap
		w += legendWidth
		p.Legend = gplot.NewLegend()
	}
	var canvas vg.CanvasWriterTo
	switch format {
	case "svg":
		canvas = vgsvg.New(w, h)
	case "png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(144))}
	default:
		return nil, fmt.Errorf("plot: unknown format %q (want svg or png)", format)
	}
	if err := safeDraw(p, canvas, &legend, legendWidth); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: writing %s: %w", format, err)
	}
	if format == "svg" {
		return withFontFallback(buf.Bytes()), nil
	}
	return buf.Bytes(), nil
}

// withFontFallback lets a viewer without Liberation Serif (the font gonum/plot lays text out
// with) use Times New Roman or Times, which have the same metrics, so labels keep the width
// they were placed for instead of being clipped.
func withFontFallback(svg []byte) []byte {
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Serif;"),
		[]byte("font-family:'Liberation Serif','Times New Roman',Times,serif;"))
}

// legendGap is the space between the axes and the legend column.
const legendGap = vg.Length(8)

// safeDraw draws p on the left of canvas and legend in a column of legendWidth on the
// right, turning a gonum/plot panic (for example an empty range on a log axis) into an
// error.
func safeDraw(p *gplot.Plot, canvas vg.CanvasWriterTo, legend *gplot.Legend, legendWidth vg.Length) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: drawing %q failed: %v", p.Title.Text, r)
		}
	}()
	dc := draw.New(canvas)
	if legendWidth == 0 {
		p.Draw(dc)
		return nil
	}
	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	column := dc
	column.Min.X = dc.Max.X - legendWidth + legendGap
	// Start the legend level with the top of the axes, below the title.
	column.Max.Y -= p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding
	legend.Left, legend.Top = true, true
	legend.Draw(column)
	return nil
}

// Save writes the chart to path, as SVG or PNG by the file's extension. It creates the
// folder when missing and replaces the file atomically.
func Save(c Chart, path string) error {
	var data []byte
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		data, err = c.SVG()
	case ".png":
		data, err = c.PNG()
	default:
		return fmt.Errorf("plot: Save: unsupported extension in %q (want .svg or .png)", path)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("plot: Save: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plot-*")
	if err != nil {
		return fmt.Errorf("plot: Save: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("plot: Save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("plot: Save %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("plot: Save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("plot: Save %s: %w", path, err)
	}
	return nil
}

// Save writes the figure to path; see the package function Save.
func (f *Figure) Save(path string) error { return Save(f, path) }

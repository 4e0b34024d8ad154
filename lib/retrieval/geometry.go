package retrieval

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/plot"
)

// Example2D is chapter 1's picture of direction versus magnitude: a query and two documents
// in the plane, one pointing almost the way the query does but short, one longer but off
// to the side. Dot product prefers the long one, cosine similarity the well-aligned one.
type Example2D struct {
	Query, Aligned, Long [2]float32
	// Dot and Cosine hold the scores of Aligned and Long, in that order, computed with a
	// Searcher on the GoMLX backend.
	Dot, Cosine [2]float32
}

// NewExample2D computes the scores of the chapter's three vectors with s.
func NewExample2D(s *Searcher) (*Example2D, error) {
	e := &Example2D{Query: [2]float32{1, 0.25}, Aligned: [2]float32{0.8, 0.3}, Long: [2]float32{1.9, 1.9}}
	q := Matrix{Rows: 1, Cols: 2, Data: e.Query[:]}
	docs := Matrix{Rows: 2, Cols: 2, Data: []float32{e.Aligned[0], e.Aligned[1], e.Long[0], e.Long[1]}}
	for _, sim := range []Similarity{Dot, Cosine} {
		scores, err := s.ScoreMatrix(q, docs, sim)
		if err != nil {
			return nil, err
		}
		target := &e.Dot
		if sim == Cosine {
			target = &e.Cosine
		}
		copy(target[:], scores.Data)
	}
	return e, nil
}

// Figure draws the three vectors from the origin, the unit circle, and each vector scaled
// to unit length: the points that cosine similarity compares.
func (e *Example2D) Figure() *plot.Figure {
	fig := plot.New("direction versus magnitude", "x₁", "x₂")
	circleX, circleY := make([]float64, 0, 91), make([]float64, 0, 91)
	for i := 0; i <= 90; i++ {
		angle := float64(i) / 90 * math.Pi / 2
		circleX, circleY = append(circleX, math.Cos(angle)), append(circleY, math.Sin(angle))
	}
	fig.Dashed("unit circle", circleX, circleY)
	var unitX, unitY []float64
	for _, v := range []struct {
		name string
		vec  [2]float32
	}{{"query", e.Query}, {"aligned document", e.Aligned}, {"long document", e.Long}} {
		x, y := float64(v.vec[0]), float64(v.vec[1])
		fig.Line(fmt.Sprintf("%s (‖v‖ = %.2f)", v.name, math.Hypot(x, y)), []float64{0, x}, []float64{0, y})
		n := math.Hypot(x, y)
		unitX, unitY = append(unitX, x/n), append(unitY, y/n)
	}
	fig.Scatter("directions on the unit circle", unitX, unitY)
	// A square canvas keeps the two axes, which span the same range, at one scale, so the
	// circle looks round and angles are true. The legend widens the image beside it.
	fig.Width, fig.Height = 5.5, 5.5
	return fig
}

// Winner returns which document sim ranks first: "aligned" or "long" ("aligned" on a tie).
func (e *Example2D) Winner(sim Similarity) string {
	scores := e.Dot
	if sim == Cosine {
		scores = e.Cosine
	}
	if scores[1] > scores[0] {
		return "long"
	}
	return "aligned"
}

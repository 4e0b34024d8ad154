package data

import (
	"fmt"
	"math"

	"github.com/gradlab/gradlab/lib/plot"
)

// ExampleGrid returns a heatmap of the first example of each class of an image table whose
// D features form a square image (digits: 8×8), side by side with a blank column between
// classes. offset skips that many examples of each class, to show others.
func ExampleGrid(t *Table, offset int) (*plot.Heatmap, error) {
	side := 0
	for side*side < t.D {
		side++
	}
	if side*side != t.D {
		return nil, fmt.Errorf("data: ExampleGrid: %s has %d features, not a square image", t.Name, t.D)
	}
	classes := t.NumClasses()
	width := classes*(side+1) - 1
	values := make([][]float64, side)
	for r := range values {
		values[r] = make([]float64, width)
		for c := range values[r] {
			values[r][c] = nan
		}
	}
	xTicks := make([]string, width)
	for class := 0; class < classes; class++ {
		i := nthOfClass(t, int32(class), offset)
		if i < 0 {
			continue
		}
		xTicks[class*(side+1)+side/2] = t.ClassNames[class]
		for r := 0; r < side; r++ {
			for c := 0; c < side; c++ {
				// Heatmap rows are drawn bottom to top; image rows go top to bottom.
				values[side-1-r][class*(side+1)+c] = float64(t.Row(i)[r*side+c])
			}
		}
	}
	yTicks := make([]string, side)
	h := plot.NewHeatmap(fmt.Sprintf("%s: one example per class", t.Name), "class", "", xTicks, yTicks, values)
	h.Height = 1.9
	h.Width = 7.5
	return h, nil
}

var nan = math.NaN()

func nthOfClass(t *Table, class int32, n int) int {
	for i, y := range t.Y {
		if y == class {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return -1
}

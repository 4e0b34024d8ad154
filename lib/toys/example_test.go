package toys_test

import (
	"fmt"

	"github.com/gradlab/gradlab/lib/toys"
)

func ExampleStabilityLimit() {
	q, _ := toys.IllConditioned(1, 10, 0)
	limit := toys.StabilityLimit(q, [2]float64{})
	below, _ := toys.GradientDescent(q, [2]float64{1, 1}, 0.99*limit, 500)
	above, _ := toys.GradientDescent(q, [2]float64{1, 1}, 1.01*limit, 5000)
	fmt.Printf("limit %.2f: below converges %v, above diverges %v\n", limit, below.Final() < 1e-6, above.Diverged)
	// Output: limit 0.20: below converges true, above diverges true
}

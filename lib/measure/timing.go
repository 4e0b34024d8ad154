package measure

import (
	"fmt"
	"slices"
	"time"
)

// Timing is the result of timing one call repeatedly.
type Timing struct {
	// Calls is the number of timed calls (warm-up calls excluded).
	Calls int
	// Min, Median and Max are wall times per call. Rates use Min.
	Min, Median, Max time.Duration
}

// timeCalls runs fn once to warm up (compilation, first transfer), then repeatedly until
// minTime has passed and at least minCalls calls were timed.
func timeCalls(fn func() error, minTime time.Duration, minCalls int) (Timing, error) {
	if minTime <= 0 {
		return Timing{}, fmt.Errorf("minimum time must be positive (got %v)", minTime)
	}
	if err := fn(); err != nil {
		return Timing{}, err
	}

	var durations []time.Duration
	start := time.Now()
	for len(durations) < minCalls || time.Since(start) < minTime {
		callStart := time.Now()
		if err := fn(); err != nil {
			return Timing{}, err
		}
		durations = append(durations, time.Since(callStart))
	}

	slices.Sort(durations)
	return Timing{
		Calls:  len(durations),
		Median: durations[len(durations)/2],
		Min:    durations[0],
		Max:    durations[len(durations)-1],
	}, nil
}

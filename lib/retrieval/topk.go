package retrieval

import "sort"

// topK keeps the k best (score, index) pairs seen so far in a binary min-heap whose root is
// the worst kept pair. "Better" means a higher score, and for equal scores a lower index.
type topK struct {
	k      int
	scores []float32
	index  []int
}

func newTopK(k int) topK {
	return topK{k: k, scores: make([]float32, 0, k), index: make([]int, 0, k)}
}

// worse reports whether pair i of the heap is worse than pair j.
func (h *topK) worse(i, j int) bool {
	if h.scores[i] != h.scores[j] {
		return h.scores[i] < h.scores[j]
	}
	return h.index[i] > h.index[j]
}

// pushRow offers row[c] with index offset+c for every c. Rows must be pushed in increasing
// index order: a later pair with a score equal to the worst kept one then has a higher
// index and is rejected, which keeps the lower index as promised.
func (h *topK) pushRow(row []float32, offset int) {
	for c, s := range row {
		if len(h.scores) < h.k {
			h.scores = append(h.scores, s)
			h.index = append(h.index, offset+c)
			h.up(len(h.scores) - 1)
			continue
		}
		if s <= h.scores[0] {
			continue
		}
		h.scores[0], h.index[0] = s, offset+c
		h.down(0)
	}
}

func (h *topK) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.worse(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h *topK) down(i int) {
	n := len(h.scores)
	for {
		worst := i
		left, right := 2*i+1, 2*i+2
		if left < n && h.worse(left, worst) {
			worst = left
		}
		if right < n && h.worse(right, worst) {
			worst = right
		}
		if worst == i {
			return
		}
		h.swap(i, worst)
		i = worst
	}
}

func (h *topK) swap(i, j int) {
	h.scores[i], h.scores[j] = h.scores[j], h.scores[i]
	h.index[i], h.index[j] = h.index[j], h.index[i]
}

// sorted returns the kept pairs best first.
func (h *topK) sorted() ([]int, []float32) {
	order := make([]int, len(h.scores))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return h.worse(order[b], order[a]) })
	index, scores := make([]int, len(order)), make([]float32, len(order))
	for i, o := range order {
		index[i], scores[i] = h.index[o], h.scores[o]
	}
	return index, scores
}

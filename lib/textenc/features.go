package textenc

import (
	"hash/fnv"
	"sort"
	"strings"
	"unicode"
)

// Featurizer turns text into hashed character n-gram counts, the sparse input of the
// encoder.
//
// Text is lowercased and split into words at every rune that is not a letter, digit or
// combining mark. Each word w contributes its character n-grams for n in [MinN, MaxN] over
// "<" + w + ">" (the brackets mark word boundaries, as in fastText), plus the whole word
// once. A script without spaces (Chinese, Japanese) makes one long word of a phrase, which
// the n-grams still cover. Each string is hashed with 64-bit FNV-1a and reduced modulo
// Buckets; distinct n-grams that land in one bucket add up (hash collisions).
type Featurizer struct {
	Buckets    int // number of hash buckets, the rows of the projection
	MinN, MaxN int // n-gram lengths in runes, inclusive
}

// Features returns the distinct buckets of text in increasing order and how often each
// occurs. Empty text, or text with no letter or digit, has no features.
func (f Featurizer) Features(text string) (ids []int32, counts []float32) {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	bag := map[int32]float32{}
	for _, w := range words {
		bag[f.bucket("w:"+w)]++
		runes := []rune("<" + w + ">")
		for n := f.MinN; n <= f.MaxN; n++ {
			for i := 0; i+n <= len(runes); i++ {
				bag[f.bucket(string(runes[i:i+n]))]++
			}
		}
	}
	ids = make([]int32, 0, len(bag))
	for id := range bag {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	counts = make([]float32, len(ids))
	for i, id := range ids {
		counts[i] = bag[id]
	}
	return ids, counts
}

func (f Featurizer) bucket(s string) int32 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return int32(h.Sum64() % uint64(f.Buckets))
}

// batchFeatures packs the features of texts into two [len(texts), width] matrices, ids and
// weights, padded with id 0 and weight 0. width is the longest feature list rounded up to a
// power of two (at least 16), so batches reuse a few compiled graph shapes.
func (f Featurizer) batchFeatures(texts []string) (ids []int32, weights []float32, width int) {
	all := make([][]int32, len(texts))
	allCounts := make([][]float32, len(texts))
	longest := 0
	for i, t := range texts {
		all[i], allCounts[i] = f.Features(t)
		longest = max(longest, len(all[i]))
	}
	width = powerOfTwoAtLeast(longest)
	ids = make([]int32, len(texts)*width)
	weights = make([]float32, len(texts)*width)
	for i := range texts {
		copy(ids[i*width:], all[i])
		copy(weights[i*width:], allCounts[i])
	}
	return ids, weights, width
}

package cldr

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gradlab/gradlab/lib/retrieval"
	"github.com/gradlab/gradlab/lib/textenc"
)

// Query slices of the benchmark.
const (
	// SliceKeyword holds one-word English keyword queries ("pizza", "face"). A query's
	// relevant documents are every held-out character annotated with that keyword.
	SliceKeyword = "keyword"
	// SliceSentence holds longer English requests: the English name wrapped in a sentence
	// template ("is there an emoji with grinning face that I could send to a friend").
	SliceSentence = "sentence"
	// SliceLatin holds the character's name in a Latin-script language (de, fr, es, pt, sw).
	SliceLatin = "lang-latin"
	// SliceOtherScript holds the character's name in ru, ja, zh, hi or ar.
	SliceOtherScript = "lang-other"
)

// SliceOrder lists the slices from shortest to longest English-like query, then the other
// languages: the order of tables and figures.
var SliceOrder = []string{SliceKeyword, SliceSentence, SliceLatin, SliceOtherScript}

// The sentence templates are synthetic: CLDR has names and keywords but no sentences. Test
// queries use templates that training never uses, so the sentence slice measures whether
// the encoder copes with unseen filler words, not whether it memorized them.
var (
	trainTemplates = []string{
		"I am looking for the emoji that shows %s, can you help me find it",
		"what symbol can I put in a message when I want to show %s",
		"please find me the little picture of %s for my text",
		"which character would I type to get %s in a document",
		"my friend sent me something that looked like %s, what was it",
	}
	testTemplates = []string{
		"is there an emoji with %s that I could send to a friend",
		"show me the icon that people use for %s in their chats",
		"I need the small symbol of %s for a slide I am making today",
	}
)

// BuildConfig configures Build.
type BuildConfig struct {
	// TestFraction is the share of characters held out for evaluation; 0 means 0.2.
	TestFraction float64
	// Seed seeds the split and every sampled query.
	Seed uint64
}

// Benchmark is a multilingual retrieval benchmark built from the annotations. Documents
// are the English descriptions of the held-out characters, and queries come in four slices
// (see the Slice constants). A document is relevant to a query when it describes the
// query's character, or, for keyword queries, any character carrying the keyword.
// Training pairs come only from the other characters, so evaluation measures how the
// encoder generalizes to characters it never saw.
type Benchmark struct {
	TrainChars, TestChars []string
	// DocIDs (code points, see CodePoints) and DocTexts describe the test characters:
	// "grinning face: cheerful, cheery, face, grin, …" (English name, then keywords).
	DocIDs, DocTexts []string
	// QueryIDs and QueryTexts are the queries; Slices maps each query id to its slice.
	QueryIDs, QueryTexts []string
	Slices               map[string]string
	// Qrels judge every relevant document with relevance 1; unjudged means not relevant.
	Qrels retrieval.Qrels
	// Train holds the training pairs, grouped by character.
	Train []textenc.Example
}

// Build splits the characters that have an English name and keywords into training and
// test characters and builds the queries, documents and training pairs. For each test
// character it makes one query of each slice: a sentence from a test template, its name in
// one randomly chosen Latin-script language, and its name in another script. It also makes
// one English keyword query from a keyword that no earlier keyword query used, or none
// when all its keywords are taken.
// Each training character gets four English keyword pairs, four sentence pairs from the
// training templates, and a name pair and a keyword pair in each other language, so every
// slice's kind of query is represented. The result depends only on the seed.
func Build(a *Annotations, cfg BuildConfig) (*Benchmark, error) {
	if cfg.TestFraction == 0 {
		cfg.TestFraction = 0.2
	}
	if cfg.TestFraction <= 0 || cfg.TestFraction >= 1 {
		return nil, fmt.Errorf("cldr: Build: TestFraction %v is not in (0, 1)", cfg.TestFraction)
	}
	var eligible []string
	for _, c := range a.Chars {
		if en, ok := a.Get(c, "en"); ok && len(en.Keywords) > 0 {
			eligible = append(eligible, c)
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xc1d7))
	perm := rng.Perm(len(eligible))
	numTest := int(float64(len(eligible)) * cfg.TestFraction)
	b := &Benchmark{Slices: map[string]string{}, Qrels: retrieval.Qrels{}}
	for i, p := range perm {
		if i < numTest {
			b.TestChars = append(b.TestChars, eligible[p])
		} else {
			b.TrainChars = append(b.TrainChars, eligible[p])
		}
	}
	slices.Sort(b.TestChars)
	slices.Sort(b.TrainChars)

	for _, c := range b.TestChars {
		b.DocIDs = append(b.DocIDs, CodePoints(c))
		b.DocTexts = append(b.DocTexts, a.Description(c))
	}
	b.addTestQueries(a, rng)
	b.Train = trainExamples(a, b.TrainChars, rng)
	return b, nil
}

// DocWords returns the number of words (strings.Fields) of each document text, in
// DocIDs order: the length that the document norms are compared with.
func (b *Benchmark) DocWords() []float64 {
	words := make([]float64, len(b.DocTexts))
	for i, text := range b.DocTexts {
		words[i] = float64(len(strings.Fields(text)))
	}
	return words
}

// Description returns the English document text of char: "name: keyword, keyword, …".
func (a *Annotations) Description(char string) string {
	en, _ := a.Get(char, "en")
	return en.Name + ": " + strings.Join(en.Keywords, ", ")
}

func (b *Benchmark) addQuery(id, text, slice string, relevant ...string) {
	b.QueryIDs = append(b.QueryIDs, id)
	b.QueryTexts = append(b.QueryTexts, text)
	b.Slices[id] = slice
	b.Qrels[id] = map[string]int{}
	for _, docID := range relevant {
		b.Qrels[id][docID] = 1
	}
}

func (b *Benchmark) addTestQueries(a *Annotations, rng *rand.Rand) {
	// Keyword → test characters carrying it, for keyword-query relevance.
	carriers := map[string][]string{}
	for _, c := range b.TestChars {
		en, _ := a.Get(c, "en")
		for _, k := range en.Keywords {
			carriers[strings.ToLower(k)] = append(carriers[strings.ToLower(k)], CodePoints(c))
		}
	}
	used := map[string]bool{}
	others := otherScript()
	for _, c := range b.TestChars {
		id := CodePoints(c)
		en, _ := a.Get(c, "en")
		b.addQuery("sentence-"+id, fmt.Sprintf(testTemplates[rng.IntN(len(testTemplates))], en.Name), SliceSentence, id)
		if lang, name, ok := pickName(a, c, LatinScript, rng); ok {
			b.addQuery(lang+"-"+id, name, SliceLatin, id)
		}
		if lang, name, ok := pickName(a, c, others, rng); ok {
			b.addQuery(lang+"-"+id, name, SliceOtherScript, id)
		}
		var fresh []string
		for _, k := range en.Keywords {
			if !used[strings.ToLower(k)] {
				fresh = append(fresh, strings.ToLower(k))
			}
		}
		if len(fresh) > 0 {
			k := fresh[rng.IntN(len(fresh))]
			used[k] = true
			b.addQuery("keyword-"+id, k, SliceKeyword, carriers[k]...)
		}
	}
}

// pickName returns the name of char in a random language of langs that annotates it.
func pickName(a *Annotations, char string, langs []string, rng *rand.Rand) (lang, name string, ok bool) {
	var have []string
	for _, l := range langs {
		if _, ok := a.Get(char, l); ok {
			have = append(have, l)
		}
	}
	if len(have) == 0 {
		return "", "", false
	}
	lang = have[rng.IntN(len(have))]
	ann, _ := a.Get(char, lang)
	return lang, ann.Name, true
}

func otherScript() []string {
	var out []string
	for _, l := range Languages[1:] {
		if !slices.Contains(LatinScript, l) {
			out = append(out, l)
		}
	}
	return out
}

func trainExamples(a *Annotations, chars []string, rng *rand.Rand) []textenc.Example {
	var out []textenc.Example
	for _, c := range chars {
		doc := a.Description(c)
		en, _ := a.Get(c, "en")
		add := func(query string) { out = append(out, textenc.Example{Query: query, Doc: doc, Group: c}) }
		for range 4 {
			add(en.Keywords[rng.IntN(len(en.Keywords))])
			add(fmt.Sprintf(trainTemplates[rng.IntN(len(trainTemplates))], en.Name))
		}
		for _, lang := range Languages[1:] {
			ann, ok := a.Get(c, lang)
			if !ok {
				continue
			}
			add(ann.Name)
			if len(ann.Keywords) > 0 {
				add(ann.Keywords[rng.IntN(len(ann.Keywords))])
			}
		}
	}
	return out
}

// SliceTable returns one row per slice: the number of queries, the mean number of relevant
// documents per query, and the first query as an example.
func (b *Benchmark) SliceTable() (header []string, rows [][]string) {
	header = []string{"slice", "queries", "relevant per query", "example query"}
	for _, slice := range SliceOrder {
		n, relevant, example := 0, 0, ""
		for i, qid := range b.QueryIDs {
			if b.Slices[qid] != slice {
				continue
			}
			if n == 0 {
				example = b.QueryTexts[i]
			}
			n++
			relevant += len(b.Qrels[qid])
		}
		rows = append(rows, []string{slice, fmt.Sprint(n), fmt.Sprintf("%.2f", float64(relevant)/float64(max(n, 1))), example})
	}
	return header, rows
}

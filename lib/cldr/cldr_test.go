package cldr

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gradlab/gradlab/lib/retrieval"
)

func TestLoad(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	// CLDR 48.2 annotates 1,966 characters in English (counted in en/annotations.json).
	english := 0
	for _, c := range a.Chars {
		if _, ok := a.Get(c, "en"); ok {
			english++
		}
	}
	if english != 1966 {
		t.Errorf("English annotations = %d, want 1966", english)
	}
	ann, ok := a.Get("😀", "en")
	if !ok || ann.Name != "grinning face" || !slices.Contains(ann.Keywords, "grin") {
		t.Errorf("Get(😀, en) = %+v, %v; want name \"grinning face\" with keyword \"grin\"", ann, ok)
	}
	if ann, _ := a.Get("😀", "de"); ann.Name != "grinsendes Gesicht" {
		t.Errorf("Get(😀, de).Name = %q, want \"grinsendes Gesicht\"", ann.Name)
	}
	if _, ok := a.Get("😀", "xx"); ok {
		t.Errorf("Get with unknown language: ok = true")
	}
	if !strings.Contains(License, "UNICODE LICENSE V3") {
		t.Errorf("License does not hold the Unicode License v3 text")
	}
}

func TestCodePoints(t *testing.T) {
	for in, want := range map[string]string{"😀": "U+1F600", "👍🏻": "U+1F44D-U+1F3FB", "{": "U+007B"} {
		if got := CodePoints(in); got != want {
			t.Errorf("CodePoints(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuild(t *testing.T) {
	a := MustLoad()
	b, err := Build(a, BuildConfig{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	test := map[string]bool{}
	for _, c := range b.TestChars {
		test[c] = true
	}
	total := len(b.TestChars) + len(b.TrainChars)
	if got := float64(len(b.TestChars)) / float64(total); got < 0.19 || got > 0.21 {
		t.Errorf("test share = %v, want 0.2", got)
	}
	for _, ex := range b.Train {
		if test[ex.Group] {
			t.Fatalf("training pair %+v uses held-out character %q", ex, ex.Group)
		}
	}

	docKeywords := map[string][]string{} // document id → lowercased English keywords
	for _, c := range b.TestChars {
		en, _ := a.Get(c, "en")
		for _, k := range en.Keywords {
			docKeywords[CodePoints(c)] = append(docKeywords[CodePoints(c)], strings.ToLower(k))
		}
	}
	counts := map[string]int{}
	for i, qid := range b.QueryIDs {
		slice := b.Slices[qid]
		counts[slice]++
		if len(b.Qrels[qid]) == 0 {
			t.Errorf("query %s (%s) has no relevant document", qid, slice)
		}
		if slice == SliceKeyword {
			// Relevant exactly when the document's keyword list holds the query word.
			keyword := b.QueryTexts[i]
			for id, keywords := range docKeywords {
				has := slices.Contains(keywords, keyword)
				if has != (b.Qrels[qid][id] == 1) {
					t.Errorf("keyword %q: document %s relevant = %v, want %v", keyword, id, !has, has)
				}
			}
		}
	}
	for _, slice := range SliceOrder {
		if counts[slice] < len(b.TestChars)*9/10 {
			t.Errorf("slice %s has %d queries, want about one per test character (%d)", slice, counts[slice], len(b.TestChars))
		}
	}

	again, _ := Build(a, BuildConfig{Seed: 3})
	if !reflect.DeepEqual(b.QueryTexts, again.QueryTexts) || !reflect.DeepEqual(b.Train, again.Train) {
		t.Errorf("Build is not deterministic for one seed")
	}
	other, _ := Build(a, BuildConfig{Seed: 4})
	if reflect.DeepEqual(b.TestChars, other.TestChars) {
		t.Errorf("seeds 3 and 4 give the same split")
	}
	if _, err := Build(a, BuildConfig{TestFraction: 1.5}); err == nil {
		t.Errorf("Build with TestFraction 1.5: error = nil")
	}
}

func TestRunExperimentCaches(t *testing.T) {
	cfg := DefaultExperiment()
	cfg.Train.Steps = 3
	cfg.Encoder.Buckets = 1 << 12
	cfg.Objectives = []retrieval.Similarity{retrieval.Cosine}
	cfg.CacheDir = t.TempDir()
	first, err := RunExperiment(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.FromCache || first.CachePath == "" || len(first.Models) != 1 || len(first.Models[0].Losses) != 3 {
		t.Fatalf("first run: FromCache %v, path %q, %d models; want a trained model written to the cache",
			first.FromCache, first.CachePath, len(first.Models))
	}
	second, err := RunExperiment(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !second.FromCache || !reflect.DeepEqual(first.Models, second.Models) {
		t.Errorf("second run: FromCache %v, models equal %v; want the cached models", second.FromCache, reflect.DeepEqual(first.Models, second.Models))
	}
	ev, err := second.Evaluate(second.Models[0], retrieval.Dot)
	if err != nil || len(ev.PerQuery) != len(second.Bench.QueryIDs) {
		t.Errorf("Evaluate(dot) = %v queries, %v; want every query", len(ev.PerQuery), err)
	}
	if _, err := second.Evaluate(second.Models[0], retrieval.L2); err == nil {
		t.Errorf("Evaluate(l2) without an l2 run: error = nil")
	}
}

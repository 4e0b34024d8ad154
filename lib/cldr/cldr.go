package cldr

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed annotations.tsv.gz
var annotationsGz []byte

// License is the Unicode License v3 under which the CLDR annotations are distributed; it
// must accompany any copy of the data.
//
//go:embed LICENSE
var License string

// Attribution names the data's source, for figures and tables that show it.
const Attribution = "Unicode CLDR 48.2 annotations (cldr-annotations-full 48.2.0), © Unicode, Inc., Unicode License v3"

// Languages are the languages shipped, as CLDR locale codes, English first.
var Languages = []string{"en", "de", "fr", "es", "pt", "ru", "ja", "zh", "hi", "ar", "sw"}

// LatinScript lists the shipped languages other than English that are written in the Latin
// script. The others (ru, ja, zh, hi, ar) use Cyrillic, Japanese, Chinese, Devanagari and
// Arabic script.
var LatinScript = []string{"de", "fr", "es", "pt", "sw"}

// Annotation is one character's annotation in one language: CLDR's short name (its "tts"
// entry, for text-to-speech) and its search keywords (its "default" list).
type Annotation struct {
	Name     string
	Keywords []string
}

// Annotations holds the shipped annotations. It is read-only after Load.
type Annotations struct {
	// Chars lists every annotated character in byte order of its UTF-8 encoding.
	Chars  []string
	byLang map[string]map[string]Annotation
}

var (
	loadOnce sync.Once
	loaded   *Annotations
	loadErr  error
)

// Load parses the embedded annotations on the first call and returns the same value on
// later calls. An error means the embedded file is corrupt, which a test guards against.
func Load() (*Annotations, error) {
	loadOnce.Do(func() { loaded, loadErr = parse(annotationsGz) })
	return loaded, loadErr
}

// MustLoad is Load for notebook cells; it panics on error.
func MustLoad() *Annotations {
	a, err := Load()
	if err != nil {
		panic(err)
	}
	return a
}

func parse(gz []byte) (*Annotations, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("cldr: Load: embedded annotations: %w", err)
	}
	a := &Annotations{byLang: map[string]map[string]Annotation{}}
	for _, lang := range Languages {
		a.byLang[lang] = map[string]Annotation{}
	}
	chars := map[string]bool{}
	sc := bufio.NewScanner(zr)
	lineNum := 0
	for sc.Scan() {
		lineNum++
		line := sc.Text()
		if lineNum == 1 && strings.HasPrefix(line, "# ") {
			continue // the source line; later lines may annotate the character "#"
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 || a.byLang[fields[1]] == nil {
			return nil, fmt.Errorf("cldr: Load: embedded annotations line %d: got %q, want char, known language, name, keywords", lineNum, line)
		}
		var keywords []string
		if fields[3] != "" {
			keywords = strings.Split(fields[3], "|")
		}
		a.byLang[fields[1]][fields[0]] = Annotation{Name: fields[2], Keywords: keywords}
		chars[fields[0]] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cldr: Load: embedded annotations: %w", err)
	}
	for c := range chars {
		a.Chars = append(a.Chars, c)
	}
	sort.Strings(a.Chars)
	return a, nil
}

// Get returns the annotation of char in lang, and false when CLDR has none.
func (a *Annotations) Get(char, lang string) (Annotation, bool) {
	ann, ok := a.byLang[lang][char]
	return ann, ok
}

// CodePoints returns char as its code points, "U+1F600" or "U+1F44D-U+1F3FB": an ASCII id
// for run files and tables.
func CodePoints(char string) string {
	parts := make([]string, 0, 2)
	for _, r := range char {
		parts = append(parts, fmt.Sprintf("U+%04X", r))
	}
	return strings.Join(parts, "-")
}

// Command gen rebuilds lib/cldr/annotations.tsv.gz, the compact form of the Unicode CLDR
// character annotations that package cldr embeds.
//
// Input: a folder holding <lang>/annotations.json for each language of cldr.Languages, as
// in the npm package cldr-annotations-full (`npm pack cldr-annotations-full@48.2.0`, then
// unpack package/annotations/). Output: gzip-compressed UTF-8 lines
//
//	CHAR<TAB>LANG<TAB>NAME<TAB>KEYWORD|KEYWORD|...
//
// sorted by character then language, after one "#" line naming the source. NAME is CLDR's
// "tts" entry and the keywords its "default" list, both unchanged. The output is
// byte-for-byte reproducible (no gzip timestamp).
//
// Usage, from the repository root:
//
//	go run ./lib/cldr/gen -src /path/to/annotations -out lib/cldr/annotations.tsv.gz
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// languages must match cldr.Languages; gen does not import the package it generates for.
var languages = []string{"en", "de", "fr", "es", "pt", "ru", "ja", "zh", "hi", "ar", "sw"}

// source is the first line of the output.
const source = "# Unicode CLDR 48.2 annotations (cldr-annotations-full 48.2.0), Unicode License v3; columns: char, lang, tts name, default keywords joined by |"

type annotationsFile struct {
	Annotations struct {
		Annotations map[string]struct {
			Default []string `json:"default"`
			TTS     []string `json:"tts"`
		} `json:"annotations"`
	} `json:"annotations"`
}

func main() {
	src := flag.String("src", "", "folder with <lang>/annotations.json")
	out := flag.String("out", "lib/cldr/annotations.tsv.gz", "output file")
	flag.Parse()
	if *src == "" {
		fmt.Fprintln(os.Stderr, "gen: -src is required (a folder with <lang>/annotations.json)")
		os.Exit(2)
	}
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	var lines []string
	for _, lang := range languages {
		path := filepath.Join(src, lang, "annotations.json")
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var f annotationsFile
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for char, a := range f.Annotations.Annotations {
			if len(a.TTS) != 1 {
				return fmt.Errorf("%s: character %q has %d tts names, want 1", path, char, len(a.TTS))
			}
			for _, s := range append([]string{char, a.TTS[0]}, a.Default...) {
				if strings.ContainsAny(s, "\t\n") {
					return fmt.Errorf("%s: character %q: %q contains a tab or newline", path, char, s)
				}
			}
			for _, k := range a.Default {
				if strings.Contains(k, "|") {
					return fmt.Errorf("%s: character %q: keyword %q contains '|', the keyword separator", path, char, k)
				}
			}
			lines = append(lines, char+"\t"+lang+"\t"+a.TTS[0]+"\t"+strings.Join(a.Default, "|"))
		}
	}
	order := map[string]int{}
	for i, l := range languages {
		order[l] = i
	}
	sort.Slice(lines, func(i, j int) bool {
		ci, li, _ := strings.Cut(lines[i], "\t")
		cj, lj, _ := strings.Cut(lines[j], "\t")
		if ci != cj {
			return ci < cj
		}
		return order[li[:strings.IndexByte(li, '\t')]] < order[lj[:strings.IndexByte(lj, '\t')]]
	})

	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	fmt.Fprintln(zw, source)
	for _, l := range lines {
		fmt.Fprintln(zw, l)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("gen: wrote %d annotations in %d languages to %s (%d bytes)\n", len(lines), len(languages), out, buf.Len())
	return nil
}

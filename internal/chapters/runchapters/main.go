// Command runchapters executes gradlab's chapter notebooks headless and prints one line per
// chapter: name, code cells, seconds, plots. It exits 1 naming the chapter and cell when a
// cell fails or a plot is missing. Used by `make run` and `make test`.
//
// Usage: go run ./internal/chapters/runchapters [-out build/chapters] [NOTEBOOK.ipynb ...]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gradlab/gradlab/internal/chapters"
)

func main() {
	out := flag.String("out", "build/chapters", "folder for the executed notebooks and their HTML")
	timeout := flag.Duration("cell-timeout", 15*time.Minute, "maximum time for one cell")
	flag.Parse()
	paths := flag.Args()
	if len(paths) == 0 {
		var err error
		if paths, err = chapters.List("notebooks"); err != nil {
			fmt.Fprintln(os.Stderr, "runchapters:", err)
			os.Exit(1)
		}
	}
	failed := 0
	total := time.Now()
	for _, p := range paths {
		res, err := chapters.Execute(p, *out, *timeout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "runchapters:", err)
			os.Exit(1)
		}
		fmt.Println(res)
		for _, prob := range res.Problems {
			fmt.Fprintf(os.Stderr, "  %s: %s\n", p, prob)
		}
		if len(res.Problems) > 0 {
			failed++
		}
	}
	fmt.Printf("%d chapters in %.0f s, executed notebooks and HTML in %s\n", len(paths), time.Since(total).Seconds(), *out)
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "runchapters: %d of %d chapters failed; open the executed notebook in %s to see the cell\n", failed, len(paths), *out)
		os.Exit(1)
	}
}

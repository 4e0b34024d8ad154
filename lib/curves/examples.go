package curves

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed examples/*.json examples/*.csv examples/tb-bert-cyberbullying
var examplesFS embed.FS

// Examples returns the names of the real training logs shipped with the package, such as
// "tinyllama-lora-sft-earlystop-plateau.json" and "tb-bert-cyberbullying" (a directory of
// TensorBoard CSV exports, read as one run). examples/README.md says what each shows.
func Examples() []string {
	entries, err := fs.ReadDir(examplesFS, "examples")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// Example reads one shipped example by name. A directory name reads its TensorBoard CSV
// exports merged into one run, and a name inside it ("tb-bert-cyberbullying/events.out...")
// reads that file alone. Sources are reported as "examples/NAME", and Run.Name is set to
// name.
func Example(name string) (*Run, error) {
	p := path.Join("examples", name)
	info, err := fs.Stat(examplesFS, p)
	if err != nil {
		return nil, fmt.Errorf("curves: Example: no example named %q (have %s)", name, strings.Join(Examples(), ", "))
	}
	if !info.IsDir() {
		data, err := examplesFS.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("curves: Example: %w", err)
		}
		run, err := Read(p, data)
		if err != nil {
			return nil, err
		}
		run.Name = name
		return run, nil
	}
	files, err := fs.Glob(examplesFS, p+"/*.csv")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("curves: Example: %s holds no CSV export", name)
	}
	var merged *Run
	for _, f := range files {
		data, err := examplesFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("curves: Example: %w", err)
		}
		run, err := Read(f, data)
		if err != nil {
			return nil, err
		}
		if merged == nil {
			merged = run
		} else {
			mergeInto(merged, run)
		}
	}
	merged.Name = name
	return merged, nil
}

package retrieval

import "embed"

//go:embed *.go
var sources embed.FS

// Sources returns this package's Go source files, so that a cache of runs computed with
// the package (see lib/cldr) can key on the code that computed them.
func Sources() embed.FS { return sources }

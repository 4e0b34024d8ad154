package textenc

import "embed"

//go:embed *.go
var sources embed.FS

// Sources returns this package's Go source files, so that a cache of embeddings or runs
// computed with the encoder (see lib/cldr) can key on the code that computed them: a
// changed encoder or training loop then misses the cache instead of reusing old results.
func Sources() embed.FS { return sources }

// Package czlib stands in for github.com/datadog/czlib, which inflates
// through cgo with the system's C zlib. citdesk's go.mod replaces that
// module with this one, so that github.com/paulmach/osm's PBF reader
// (the module's only user here, and only of NewReader) inflates with Go's
// compress/zlib in every build: a build with cgo on (the race detector's)
// then needs no zlib headers, and one binary behaves the same either way.
// It is citdesk's own code, not a copy of czlib.
package czlib

import (
	"compress/zlib"
	"io"
)

// NewReader returns a reader that inflates the zlib stream r.
func NewReader(r io.Reader) (io.ReadCloser, error) { return zlib.NewReader(r) }

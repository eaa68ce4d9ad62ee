package importer

import (
	"bufio"
	"io"
)

// crReader turns a lone carriage return, the line ending of files saved on
// an old Mac (and by some spreadsheet exports), into a newline, so
// encoding/csv, which splits lines on newlines only, reads such a file row
// by row instead of as one long header. CRLF is left as it is (csv reads it
// as a newline), so line numbers stay right for every kind of file.
type crReader struct {
	br *bufio.Reader
}

func newCRReader(r io.Reader) *crReader { return &crReader{br: bufio.NewReader(r)} }

// Read reads from the underlying reader and rewrites each lone CR.
func (c *crReader) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	for i := 0; i < n; i++ {
		if p[i] != '\r' {
			continue
		}
		if i+1 < n {
			if p[i+1] != '\n' {
				p[i] = '\n'
			}
			continue
		}
		// The CR ends this read: look at what follows without taking it.
		if next, perr := c.br.Peek(1); perr != nil || next[0] != '\n' {
			p[i] = '\n'
		}
	}
	return n, err
}

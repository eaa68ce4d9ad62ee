package backup

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// The encrypted file is a header and a run of chunks. The header is the
// magic, the ID of the key and a random salt; the file's own AES-256 key
// is derived from the backup key and the salt (HKDF-SHA256), so no two
// files share a key and nonces never repeat. Each chunk is chunkSize bytes
// of plaintext (the last one fewer, perhaps none) sealed with AES-256-GCM;
// its nonce is the chunk's number and a flag set only on the last chunk,
// and the header is its additional data. So a reordered, altered or
// dropped chunk fails to open, and so does a file cut short, even at a
// chunk boundary: its last chunk was not sealed as the last.

const (
	magic     = "CITDBK\x00\x01"
	headerLen = len(magic) + 8 + 32
	chunkSize = 64 << 10
	chunkData = chunkSize - 4 // the data one chunk carries, after its length
	tagSize   = 16
)

// Errors a backup file is refused with.
var (
	// ErrWrongKey: the file was encrypted with another backup key.
	ErrWrongKey = errors.New("wrong backup key")
	// ErrDamaged: a byte of the file was altered, or it is not a backup.
	ErrDamaged = errors.New("the backup file is damaged or was altered")
	// ErrTruncated: the file ends before its last chunk.
	ErrTruncated = errors.New("the backup file is truncated")
)

func fileCipher(k *Key, header []byte) (cipher.AEAD, error) {
	salt := header[len(magic)+8:]
	fk, err := hkdf.Key(sha256.New, k.secret, salt, "citdesk backup file v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(fk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func nonce(n uint64, last bool) []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint64(b[3:11], n)
	if last {
		b[11] = 1
	}
	return b
}

// encryptWriter seals what is written to it in chunks; Close seals the
// last chunk and must be called.
type encryptWriter struct {
	w      io.Writer
	aead   cipher.AEAD
	header []byte
	buf    []byte
	n      uint64
	closed bool
}

func newEncryptWriter(w io.Writer, k *Key) (*encryptWriter, error) {
	header := make([]byte, headerLen)
	copy(header, magic)
	id, err := hex.DecodeString(k.id)
	if err != nil {
		return nil, err
	}
	copy(header[len(magic):], id)
	if _, err := rand.Read(header[len(magic)+8:]); err != nil {
		return nil, err
	}
	aead, err := fileCipher(k, header)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(header); err != nil {
		return nil, err
	}
	return &encryptWriter{w: w, aead: aead, header: header, buf: make([]byte, 0, chunkData)}, nil
}

func (e *encryptWriter) Write(p []byte) (int, error) {
	if e.closed {
		return 0, errors.New("write after close")
	}
	written := 0
	for len(p) > 0 {
		// A full chunk is sealed only once more data follows: the last
		// chunk must carry the last flag.
		if len(e.buf) == chunkData {
			if err := e.seal(false); err != nil {
				return written, err
			}
		}
		n := copy(e.buf[len(e.buf):chunkData], p)
		e.buf = e.buf[:len(e.buf)+n]
		p = p[n:]
		written += n
	}
	return written, nil
}

func (e *encryptWriter) seal(last bool) error {
	plain := make([]byte, chunkSize)
	binary.BigEndian.PutUint32(plain, uint32(len(e.buf)))
	copy(plain[4:], e.buf)
	out := e.aead.Seal(nil, nonce(e.n, last), plain, e.header)
	e.n++
	e.buf = e.buf[:0]
	_, err := e.w.Write(out)
	return err
}

func (e *encryptWriter) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	return e.seal(true)
}

// decryptReader opens chunks as they are read. It returns only plaintext
// that has been authenticated, and io.EOF only after the last chunk.
type decryptReader struct {
	r      *bufio.Reader
	aead   cipher.AEAD
	header []byte
	n      uint64
	plain  []byte
	done   bool
	ct     []byte
}

// readHeader reads the file's header and checks the magic and the key.
func readHeader(r io.Reader, k *Key) ([]byte, error) {
	header := make([]byte, headerLen)
	if _, err := io.ReadFull(r, header); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: it is shorter than a backup's header", ErrTruncated)
		}
		return nil, err
	}
	if string(header[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: it is not a citdesk backup (or is of a format this citdesk does not read)", ErrDamaged)
	}
	if id := hex.EncodeToString(header[len(magic) : len(magic)+8]); id != k.id {
		return nil, fmt.Errorf("%w: the file was encrypted with backup key %s, and the key given is %s; give the backup key it was made with", ErrWrongKey, id, k.id)
	}
	return header, nil
}

func newDecryptReader(r io.Reader, k *Key) (*decryptReader, error) {
	header, err := readHeader(r, k)
	if err != nil {
		return nil, err
	}
	aead, err := fileCipher(k, header)
	if err != nil {
		return nil, err
	}
	return &decryptReader{r: bufio.NewReaderSize(r, chunkSize+tagSize), aead: aead, header: header, ct: make([]byte, chunkSize+tagSize)}, nil
}

func (d *decryptReader) Read(p []byte) (int, error) {
	for len(d.plain) == 0 {
		if d.done {
			return 0, io.EOF
		}
		if err := d.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, d.plain)
	d.plain = d.plain[n:]
	return n, nil
}

func (d *decryptReader) next() error {
	_, err := io.ReadFull(d.r, d.ct)
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: it ends after chunk %d, which is not its last", ErrTruncated, d.n)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: it ends inside chunk %d", ErrTruncated, d.n)
	case err != nil:
		return err
	}
	// A chunk is the last one when nothing follows it.
	last := false
	if _, perr := d.r.Peek(1); errors.Is(perr, io.EOF) {
		last = true
	} else if perr != nil {
		return perr
	}
	plain, oerr := d.aead.Open(nil, nonce(d.n, last), d.ct, d.header)
	if oerr != nil {
		if _, e := d.aead.Open(nil, nonce(d.n, !last), d.ct, d.header); e == nil {
			if last {
				return fmt.Errorf("%w: it ends after chunk %d, which is not its last", ErrTruncated, d.n)
			}
			return fmt.Errorf("%w: data follows its last chunk (%d)", ErrDamaged, d.n)
		}
		return fmt.Errorf("%w: chunk %d does not authenticate", ErrDamaged, d.n)
	}
	size := binary.BigEndian.Uint32(plain)
	if size > chunkData || (!last && size != chunkData) {
		return fmt.Errorf("%w: chunk %d has a bad length", ErrDamaged, d.n)
	}
	d.n++
	d.plain, d.done = plain[4:4+size], last
	return nil
}

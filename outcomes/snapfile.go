package outcomes

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A snapshot file holds one agency's Columns between runs, so a restart
// reads a file of about 70 MB for a million encounters instead of reading
// a million rows again (tens of seconds). Layout, little-endian:
//
//	magic "CITDOUTC", format (uint32: snapFormat), agency id (int64),
//	when the records were last read whole from the rows (Unix µs),
//	the change stamp (since, in Unix µs; then rows and versions for each
//	table; then its removals), the number of encounters, referrals and reasons (uint64),
//	the CRC-32C of everything after the header (uint32);
//	then each column in turn (a time column starts with a byte saying
//	narrow or wide), the reasons table (length-prefixed strings).
//
// A file that is short, from another format version or another agency,
// or whose checksum does not match is not used: the snapshot is read from
// the rows again, and the file written anew.
const (
	snapMagic = "CITDOUTC"
	// snapVersion 2: files of version 1 may hold partners' reports that
	// the borrowing agency no longer reads (county mutual aid counts a
	// lent officer's report in the lender's figures only), so they are
	// refused and read again from the rows.
	//
	// snapVersion 3: the change stamp holds removals (ChangeStamp), so a
	// file written before an erasure or a purge is known as such.
	snapVersion = 3
	// snapHeaderSize is the header's length in bytes.
	snapHeaderSize = 8 + 4 + 8 + 8 + 8 + len(ChangeStamp{}.Changed)*16 + 8 + 4*8 + 4
)

// snapFormat is what a file's version field holds: snapVersion and the
// fields the columns carry, hashed, so a file written before a field was
// added (encounterFields, referralFields, complaintFields) is refused without anyone
// remembering to raise snapVersion. Raise it when a column's encoding
// changes.
var snapFormat = crc32.ChecksumIEEE(fmt.Appendf(nil, "%d %q %q %q", snapVersion, encounterFields, referralFields, complaintFields))

// errSnapFile is a snapshot file that cannot be used.
var errSnapFile = errors.New("outcomes snapshot file unusable")

// snapFileHeader is what a snapshot file says about its columns.
type snapFileHeader struct {
	agencyID int64
	readAt   time.Time   // when the records were last read whole from the rows
	stamp    ChangeStamp // what the columns are current as of
}

// snapFileName returns the file agency's snapshot is kept in, in dir.
func snapFileName(dir string, agencyID int64) string {
	return filepath.Join(dir, fmt.Sprintf("outcomes-%d.snap", agencyID))
}

// SnapshotFileName returns the file in dir that NewCachedServiceWith keeps
// the agency's snapshot in, for the store to remove it when records are
// erased.
func SnapshotFileName(dir string, agencyID int64) string { return snapFileName(dir, agencyID) }

// removeSnapTemps removes from dir the temporary files of snapshot writes
// that never finished: their process stopped mid-write. Each may hold a
// whole snapshot, records since erased or purged included, and nothing
// else would ever remove it. A temporary file is named for the process
// that writes it (snapTempPattern); this process's own are being written
// and stay, as does another's younger than snapTempGrace (a process on its
// way out, or beside this one, may still be writing it). A service calls
// it when it starts and after each file it writes, so a file left by a
// crash just before a restart goes at the first write after the grace.
func removeSnapTemps(dir string, log *slog.Logger) {
	temps, err := filepath.Glob(filepath.Join(dir, "outcomes-*.snap.*.tmp"))
	if err != nil {
		return
	}
	for _, name := range temps {
		if strings.Contains(filepath.Base(name), "."+processToken+".") {
			continue
		}
		if st, err := os.Stat(name); err != nil || time.Since(st.ModTime()) < snapTempGrace {
			continue
		}
		switch err := os.Remove(name); {
		case err == nil:
			log.Info("removed an unfinished outcomes snapshot file", "file", filepath.Base(name))
		case !errors.Is(err, os.ErrNotExist):
			log.Error("unfinished outcomes snapshot file not removed", "file", filepath.Base(name), "err", err)
		}
	}
}

// snapTempGrace is how long another process's temporary file is taken to
// be a write under way: a snapshot of a million encounters is written in
// seconds.
const snapTempGrace = 2 * time.Minute

// processToken names this process's temporary files: random, so a process
// after a crash (with the same process id, as in a container) does not
// take the crashed one's files for its own.
var processToken = rand.Text()

// snapTempPattern is the name of a snapshot's temporary file, for
// os.CreateTemp: the snapshot's name, this process's token, and a random
// part.
func snapTempPattern(name string) string {
	return filepath.Base(name) + "." + processToken + ".*.tmp"
}

// writeSnapFile writes c and h to agency's file in dir, atomically: a
// temporary file beside it, synced, then renamed over it, so a crash
// leaves the old file or the new, never half of one.
func writeSnapFile(dir string, c *Columns, h snapFileHeader) (err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("outcomes snapshot: %w", err)
	}
	name := snapFileName(dir, h.agencyID)
	f, err := os.CreateTemp(dir, snapTempPattern(name))
	if err != nil {
		return fmt.Errorf("outcomes snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(make([]byte, snapHeaderSize)); err != nil {
		return fmt.Errorf("outcomes snapshot: %w", err)
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	w := &colWriter{w: bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<16)}
	c.encode(w)
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if w.err != nil {
		return fmt.Errorf("outcomes snapshot: %w", w.err)
	}
	if _, err := f.WriteAt(h.encode(c, crc.Sum32()), 0); err != nil {
		return fmt.Errorf("outcomes snapshot: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("outcomes snapshot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("outcomes snapshot: %w", err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("outcomes snapshot: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself survives a crash
		d.Close()
	}
	return nil
}

// encode returns the header of a file holding c, whose body has checksum sum.
func (h snapFileHeader) encode(c *Columns, sum uint32) []byte {
	b := make([]byte, 0, snapHeaderSize)
	b = append(b, snapMagic...)
	b = binary.LittleEndian.AppendUint32(b, snapFormat)
	b = binary.LittleEndian.AppendUint64(b, uint64(h.agencyID))
	b = binary.LittleEndian.AppendUint64(b, uint64(timeOf(h.readAt)))
	b = binary.LittleEndian.AppendUint64(b, uint64(timeOf(h.stamp.Since)))
	for _, ch := range h.stamp.Changed {
		b = binary.LittleEndian.AppendUint64(b, uint64(ch.Rows))
		b = binary.LittleEndian.AppendUint64(b, uint64(ch.Versions))
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(h.stamp.Removals))
	b = binary.LittleEndian.AppendUint64(b, uint64(c.Encounters()))
	b = binary.LittleEndian.AppendUint64(b, uint64(c.Referrals()))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(c.reasons)))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(c.complaints)))
	return binary.LittleEndian.AppendUint32(b, sum)
}

// readSnapFile reads agency's snapshot from dir. It returns errSnapFile
// (wrapped) when the file is missing or unusable.
func readSnapFile(dir string, agencyID int64) (*Columns, snapFileHeader, error) {
	var h snapFileHeader
	f, err := os.Open(snapFileName(dir, agencyID))
	if err != nil {
		return nil, h, fmt.Errorf("%w: %w", errSnapFile, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, h, fmt.Errorf("%w: %w", errSnapFile, err)
	}
	hb := make([]byte, snapHeaderSize)
	if _, err := io.ReadFull(f, hb); err != nil {
		return nil, h, fmt.Errorf("%w: header: %w", errSnapFile, err)
	}
	if string(hb[:8]) != snapMagic {
		return nil, h, fmt.Errorf("%w: not a snapshot file", errSnapFile)
	}
	le := binary.LittleEndian
	if v := le.Uint32(hb[8:]); v != snapFormat {
		return nil, h, fmt.Errorf("%w: format %08x, want %08x", errSnapFile, v, snapFormat)
	}
	at := 12
	next := func() int64 { v := int64(le.Uint64(hb[at:])); at += 8; return v }
	if h.agencyID = next(); h.agencyID != agencyID {
		return nil, h, fmt.Errorf("%w: agency %d, want %d", errSnapFile, h.agencyID, agencyID)
	}
	h.readAt, h.stamp.Since = timeAt(next()), timeAt(next())
	for i := range h.stamp.Changed {
		h.stamp.Changed[i].Rows, h.stamp.Changed[i].Versions = next(), next()
	}
	h.stamp.Removals = next()
	nEnc, nRef, nReasons, nComps := next(), next(), next(), next()
	sum := le.Uint32(hb[at:])
	// The counts must fit the file before anything is allocated for them.
	body := st.Size() - int64(snapHeaderSize)
	if nEnc < 0 || nRef < 0 || nReasons < 1 || nComps < 0 || nEnc > body/encBytesMin || nRef > body/refBytesMin || nReasons > body/4 || nComps > body/compBytes {
		return nil, h, fmt.Errorf("%w: counts do not fit the file", errSnapFile)
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	r := &colReader{r: bufio.NewReaderSize(io.TeeReader(f, crc), 1<<16)}
	c := decodeColumns(r, int(nEnc), int(nRef), int(nReasons), int(nComps))
	if r.err != nil {
		return nil, h, fmt.Errorf("%w: %w", errSnapFile, r.err)
	}
	if n, _ := r.r.Read(make([]byte, 1)); n != 0 {
		return nil, h, fmt.Errorf("%w: trailing bytes", errSnapFile)
	}
	if crc.Sum32() != sum {
		return nil, h, fmt.Errorf("%w: checksum mismatch", errSnapFile)
	}
	return c, h, nil
}

// maxReasonBytes bounds a no-CIT reason read from a file.
const maxReasonBytes = 1 << 20

// encBytesMin and refBytesMin are the fewest bytes an encounter and a
// referral take in a file, to check a header's counts against its size.
const (
	encBytesMin = 8 + 8 + 7*4 + 11 + 2*2 + 4 + 4
	refBytesMin = 8 + 2*8 + 1 + 3
	compBytes   = 8 + 1 + 1 + 8 + 8 + 1 + 1
)

// encode writes c's columns, in the order decodeColumns reads them.
func (c *Columns) encode(w *colWriter) {
	x := &c.enc
	w.int64s(x.id)
	w.int64s(x.person)
	for _, col := range x.times() {
		w.seconds(col)
	}
	for _, col := range x.bytes() {
		w.bytes(*col)
	}
	w.uint16s(x.dispositions)
	w.uint16s(x.dispositionsKnown)
	w.uint32s(x.noCITReason)
	w.int32s(x.handover)
	for _, b := range x.bits() {
		w.bits(*b, len(x.id))
	}
	y := &c.ref
	w.int64s(y.id)
	w.int64s(y.created)
	w.int64s(y.firstContact)
	w.bytes(y.officerCIT)
	for _, col := range [...][]int8{y.surveyRespect, y.surveySafety, y.surveyHelp} {
		for _, v := range col {
			w.byte(byte(v))
		}
	}
	w.bits(y.connected, len(y.id))
	w.bits(y.hasSurvey, len(y.id))
	for _, s := range c.reasons {
		w.uint32(uint32(len(s)))
		w.str(s)
	}
	for _, k := range c.complaints {
		w.int64s([]int64{timeOf(k.Received)})
		w.byte(b8(k.Commendation))
		w.byte(b8(k.Sustained))
		w.int64s([]int64{k.Encounter, timeOf(k.Occurred)})
		w.byte(byte(k.Precision))
		w.byte(byte(k.OfficerCIT))
	}
}

func b8(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decodeColumns reads what encode wrote; r's error says what went wrong.
func decodeColumns(r *colReader, nEnc, nRef, nReasons, nComps int) *Columns {
	c := NewColumns()
	x := &c.enc
	x.id = r.int64s(nEnc)
	x.person = r.int64s(nEnc)
	for _, col := range x.times() {
		r.seconds(col, nEnc)
	}
	for _, col := range x.bytes() {
		*col = r.bytes(nEnc)
	}
	x.dispositions = r.uint16s(nEnc)
	x.dispositionsKnown = r.uint16s(nEnc)
	x.noCITReason = r.uint32s(nEnc)
	x.handover = r.int32s(nEnc)
	for _, b := range x.bits() {
		*b = r.bits(nEnc)
	}
	y := &c.ref
	y.id = r.int64s(nRef)
	y.created = r.int64s(nRef)
	y.firstContact = r.int64s(nRef)
	y.officerCIT = r.bytes(nRef)
	for _, col := range [...]*[]int8{&y.surveyRespect, &y.surveySafety, &y.surveyHelp} {
		b := r.bytes(nRef)
		*col = make([]int8, len(b))
		for i, v := range b {
			(*col)[i] = int8(v)
		}
	}
	y.connected = r.bits(nRef)
	y.hasSurvey = r.bits(nRef)
	c.reasons = c.reasons[:0]
	for range nReasons {
		n := r.uint32()
		if r.err != nil || n > maxReasonBytes {
			r.fail("reason too long")
			return c
		}
		c.reasons = append(c.reasons, string(r.bytes(int(n))))
	}
	if r.err != nil {
		return c
	}
	if c.reasons[0] != "" {
		r.fail("reason 0 is not empty")
	}
	for i, s := range c.reasons {
		c.reasonAt[s] = uint32(i)
	}
	for _, v := range x.noCITReason {
		if int(v) >= len(c.reasons) {
			r.fail("reason index out of range")
			break
		}
	}
	c.complaints = make([]Complaint, 0, nComps)
	for range nComps {
		b := r.bytes(compBytes)
		if r.err != nil {
			return c
		}
		le := binary.LittleEndian
		c.complaints = append(c.complaints, Complaint{Received: timeAt(int64(le.Uint64(b))), Commendation: b[8] == 1, Sustained: b[9] == 1,
			Encounter: int64(le.Uint64(b[10:])), Occurred: timeAt(int64(le.Uint64(b[18:]))), Precision: Precision(b[26]), OfficerCIT: Tri(b[27])})
	}
	return c
}

// colWriter writes columns, keeping the first error.
type colWriter struct {
	w   *bufio.Writer
	err error
	buf [8]byte
}

func (w *colWriter) put(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}
func (w *colWriter) byte(b byte) {
	if w.err == nil {
		w.err = w.w.WriteByte(b)
	}
}
func (w *colWriter) str(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}
func (w *colWriter) uint32(v uint32) {
	binary.LittleEndian.PutUint32(w.buf[:], v)
	w.put(w.buf[:4])
}
func (w *colWriter) int64s(xs []int64) {
	for _, v := range xs {
		binary.LittleEndian.PutUint64(w.buf[:], uint64(v))
		w.put(w.buf[:8])
	}
}
func (w *colWriter) int32s(xs []int32) {
	for _, v := range xs {
		w.uint32(uint32(v))
	}
}
func (w *colWriter) uint32s(xs []uint32) {
	for _, v := range xs {
		w.uint32(v)
	}
}
func (w *colWriter) uint16s(xs []uint16) {
	for _, v := range xs {
		binary.LittleEndian.PutUint16(w.buf[:], v)
		w.put(w.buf[:2])
	}
}
func (w *colWriter) bytes(xs []byte) { w.put(xs) }
func (w *colWriter) bits(b bitset, n int) {
	words := (n + 63) / 64
	for i := range words {
		var v uint64
		if i < len(b) {
			v = b[i]
		}
		binary.LittleEndian.PutUint64(w.buf[:], v)
		w.put(w.buf[:8])
	}
}

// seconds writes a time column: 0 and the narrow values, or 1 and the
// wide ones.
func (w *colWriter) seconds(c *secondColumn) {
	if c.wide != nil {
		w.byte(1)
		w.int64s(c.wide)
		return
	}
	w.byte(0)
	w.int32s(c.narrow)
}

// colReader reads columns, keeping the first error.
type colReader struct {
	r   *bufio.Reader
	err error
}

func (r *colReader) fail(what string) {
	if r.err == nil {
		r.err = errors.New(what)
	}
}

// bytes reads n bytes.
func (r *colReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.r, b); err != nil {
		r.err = err
		return nil
	}
	return b
}

// fixed reads n values of size bytes each, a chunk at a time, decoding
// each chunk with dec (one loop per type, so the decoding inlines: a
// million encounters' columns are read in a few tens of milliseconds).
func fixed[T any](r *colReader, n, size int, dec func(out []T, b []byte)) []T {
	if r.err != nil {
		return nil
	}
	out := make([]T, n)
	chunk := make([]byte, min(n*size, 1<<16)/size*size+size)
	for i := 0; i < n; {
		k := min(n-i, len(chunk)/size)
		b := chunk[:k*size]
		if _, err := io.ReadFull(r.r, b); err != nil {
			r.err = err
			return nil
		}
		dec(out[i:i+k], b)
		i += k
	}
	return out
}

func (r *colReader) int64s(n int) []int64 {
	return fixed(r, n, 8, func(out []int64, b []byte) {
		for j := range out {
			out[j] = int64(binary.LittleEndian.Uint64(b[8*j:]))
		}
	})
}
func (r *colReader) uint64s(n int) []uint64 {
	return fixed(r, n, 8, func(out []uint64, b []byte) {
		for j := range out {
			out[j] = binary.LittleEndian.Uint64(b[8*j:])
		}
	})
}
func (r *colReader) int32s(n int) []int32 {
	return fixed(r, n, 4, func(out []int32, b []byte) {
		for j := range out {
			out[j] = int32(binary.LittleEndian.Uint32(b[4*j:]))
		}
	})
}
func (r *colReader) uint32s(n int) []uint32 {
	return fixed(r, n, 4, func(out []uint32, b []byte) {
		for j := range out {
			out[j] = binary.LittleEndian.Uint32(b[4*j:])
		}
	})
}
func (r *colReader) uint16s(n int) []uint16 {
	return fixed(r, n, 2, func(out []uint16, b []byte) {
		for j := range out {
			out[j] = binary.LittleEndian.Uint16(b[2*j:])
		}
	})
}
func (r *colReader) uint32() uint32 {
	if v := r.uint32s(1); len(v) == 1 {
		return v[0]
	}
	return 0
}
func (r *colReader) bits(n int) bitset {
	return r.uint64s((n + 63) / 64)
}
func (r *colReader) seconds(c *secondColumn, n int) {
	kind := r.bytes(1)
	switch {
	case r.err != nil:
	case kind[0] == 0:
		c.narrow, c.wide = r.int32s(n), nil
		if c.narrow == nil {
			c.narrow = []int32{}
		}
	case kind[0] == 1:
		c.narrow, c.wide = nil, r.int64s(n)
		if c.wide == nil && r.err == nil {
			c.wide = []int64{}
		}
	default:
		r.fail("bad time column kind")
	}
}

// ReadSnapshotFile reads agency's snapshot file in dir as the cache would,
// for tests and tools that check what the file holds.
func ReadSnapshotFile(dir string, agencyID int64) (*Columns, error) {
	c, _, err := readSnapFile(dir, agencyID)
	return c, err
}

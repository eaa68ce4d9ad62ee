package geo

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"citdesk"
)

// Map is what one OpenStreetMap import gives an agency: the road graph
// for travel times and the addresses, streets and places for lookup.
type Map struct {
	Roads *Roads
	// Addresses are house numbers on streets, and streets without any
	// (HouseNumber blank, at the street's middle).
	Addresses []citdesk.Address
	// Places are named cities, towns, villages, suburbs and localities.
	Places []Place
	// Basemap is what tiles are drawn from; nil in a map file written
	// before citdesk drew its own tiles (format 1), until it is imported
	// again.
	Basemap    *Basemap
	Source     string    // the file imported, without its directory
	ImportedAt time.Time // when, UTC
}

// Place is a named city, town or locality.
type Place struct {
	Name     string
	Lat, Lon float64
}

// The map file: a magic line, then little-endian sections, then a CRC-32C
// of everything before it, so a truncated or damaged file is refused
// whole. Coordinates are 1e-7 degrees as int32. Format 2 added the
// basemap's ways after the places; a format 1 file still loads, without
// them.
const (
	mapMagic   = "citdesk map 2\n"
	mapMagicV1 = "citdesk map 1\n"
	maxMapText = 1 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteMap writes m to w in the map file format.
func WriteMap(w io.Writer, m *Map) error {
	h := crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 1<<16)
	e := &encoder{w: bw}
	e.bytes([]byte(mapMagic))
	e.str(m.Source)
	e.u64(uint64(m.ImportedAt.Unix()))
	r := m.Roads
	e.i32s(r.lat)
	e.i32s(r.lon)
	e.u32(uint32(len(r.segs)))
	for _, s := range r.segs {
		e.u32(uint32(s.A))
		e.u32(uint32(s.B))
		e.u32(s.AB)
		e.u32(s.BA)
		e.u32(s.Dm)
	}
	e.i32s(r.rank)
	e.i32s(r.upStart)
	e.arcs(r.upEdges)
	e.i32s(r.downStart)
	e.arcs(r.downEdges)
	e.u32(uint32(len(m.Addresses)))
	for _, a := range m.Addresses {
		e.str(a.HouseNumber)
		e.str(a.Street)
		e.str(a.Place)
		e.u32(uint32(toE7(a.Lat)))
		e.u32(uint32(toE7(a.Lon)))
	}
	e.u32(uint32(len(m.Places)))
	for _, p := range m.Places {
		e.str(p.Name)
		e.u32(uint32(toE7(p.Lat)))
		e.u32(uint32(toE7(p.Lon)))
	}
	bm := m.Basemap
	if bm == nil {
		bm = &Basemap{}
	}
	e.u32(uint32(len(bm.class)))
	for i, c := range bm.class {
		e.bytes([]byte{byte(c)})
		e.i32s(bm.lat[bm.start[i]:bm.start[i+1]])
		e.i32s(bm.lon[bm.start[i]:bm.start[i+1]])
	}
	if e.err != nil {
		return e.err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], h.Sum32())
	_, err := w.Write(sum[:])
	return err
}

func toE7(deg float64) int32 { return int32(math.Round(deg * 1e7)) }

type encoder struct {
	w   *bufio.Writer
	buf [8]byte
	err error
}

func (e *encoder) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.bytes(e.buf[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], v)
	e.bytes(e.buf[:8])
}

func (e *encoder) str(s string) {
	if len(s) > maxMapText {
		s = s[:maxMapText]
	}
	e.u32(uint32(len(s)))
	e.bytes([]byte(s))
}

func (e *encoder) i32s(v []int32) {
	e.u32(uint32(len(v)))
	for _, x := range v {
		e.u32(uint32(x))
	}
}

func (e *encoder) arcs(v []arc) {
	e.u32(uint32(len(v)))
	for _, a := range v {
		e.u32(uint32(a.to))
		e.u32(a.ms)
		e.u32(a.dm)
	}
}

// ErrBadMap is wrapped by every error ReadMap returns for a file that is
// not a whole citdesk map.
var ErrBadMap = errors.New("not a whole citdesk map file")

// ReadMap reads a map written by WriteMap, checking its checksum and that
// every index in it is in range before anything uses it.
func ReadMap(data []byte) (*Map, error) {
	if len(data) < len(mapMagic)+4 {
		return nil, fmt.Errorf("%w: it does not start as one (import the map again)", ErrBadMap)
	}
	v1 := string(data[:len(mapMagicV1)]) == mapMagicV1
	if !v1 && string(data[:len(mapMagic)]) != mapMagic {
		return nil, fmt.Errorf("%w: it does not start as one (import the map again)", ErrBadMap)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: it is truncated or damaged (checksum mismatch; import the map again)", ErrBadMap)
	}
	d := &decoder{b: body[len(mapMagic):]}
	m := &Map{Roads: &Roads{}}
	m.Source = d.str()
	m.ImportedAt = time.Unix(int64(d.u64()), 0).UTC()
	r := m.Roads
	r.lat, r.lon = d.i32s(), d.i32s()
	n := len(r.lat)
	if len(r.lon) != n {
		d.fail("node coordinates")
	}
	ns := d.count(20)
	r.segs = make([]Segment, 0, ns)
	for range ns {
		s := Segment{A: int32(d.u32()), B: int32(d.u32()), AB: d.u32(), BA: d.u32(), Dm: d.u32()}
		if s.A < 0 || int(s.A) >= n || s.B < 0 || int(s.B) >= n {
			d.fail("segment ends")
		}
		r.segs = append(r.segs, s)
	}
	r.rank = d.i32s()
	r.upStart, r.upEdges = d.i32s(), d.arcs(n)
	r.downStart, r.downEdges = d.i32s(), d.arcs(n)
	if d.err == nil && (len(r.rank) != n || !validCSR(r.upStart, n, len(r.upEdges)) || !validCSR(r.downStart, n, len(r.downEdges))) {
		d.fail("hierarchy")
	}
	na := d.count(20)
	m.Addresses = make([]citdesk.Address, 0, na)
	for range na {
		a := citdesk.Address{HouseNumber: d.str(), Street: d.str(), Place: d.str()}
		a.Lat, a.Lon = float64(int32(d.u32()))*1e-7, float64(int32(d.u32()))*1e-7
		m.Addresses = append(m.Addresses, a)
	}
	np := d.count(12)
	m.Places = make([]Place, 0, np)
	for range np {
		p := Place{Name: d.str()}
		p.Lat, p.Lon = float64(int32(d.u32()))*1e-7, float64(int32(d.u32()))*1e-7
		m.Places = append(m.Places, p)
	}
	if !v1 {
		m.Basemap = d.basemap()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	r.buildOut()
	r.finish()
	if m.Basemap != nil {
		m.Basemap.finish()
	}
	return m, nil
}

// basemap reads the basemap's ways: each a class, then its points'
// latitudes and longitudes, at least two.
func (d *decoder) basemap() *Basemap {
	n := d.count(9)
	bm := &Basemap{start: make([]int32, 1, n+1)}
	for range n {
		c := DrawClass(d.take(1)[0])
		lat, lon := d.i32s(), d.i32s()
		if c == 0 || c >= drawClasses || len(lat) < 2 || len(lat) != len(lon) {
			d.fail("basemap ways")
			return nil
		}
		bm.add(c, lat, lon)
	}
	return bm
}

func validCSR(start []int32, n, edges int) bool {
	if len(start) != n+1 || start[0] != 0 || int(start[n]) != edges {
		return false
	}
	for i := 1; i <= n; i++ {
		if start[i] < start[i-1] {
			return false
		}
	}
	return true
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: its %s are inconsistent (import the map again)", ErrBadMap, what)
	}
	d.b = nil
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.fail("lengths")
		return make([]byte, max(n, 0))
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u32() uint32 {
	if d.err != nil || len(d.b) < 4 {
		d.fail("lengths")
		return 0
	}
	return binary.LittleEndian.Uint32(d.take(4))
}

func (d *decoder) u64() uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.fail("lengths")
		return 0
	}
	return binary.LittleEndian.Uint64(d.take(8))
}

// count reads a count of items of at least size bytes each, refusing one
// the rest of the file cannot hold.
func (d *decoder) count(size int) int {
	n := int(d.u32())
	if d.err != nil || n > len(d.b)/size {
		d.fail("lengths")
		return 0
	}
	return n
}

func (d *decoder) str() string {
	n := int(d.u32())
	if n > maxMapText {
		d.fail("texts")
		return ""
	}
	return string(d.take(n))
}

func (d *decoder) i32s() []int32 {
	n := d.count(4)
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(d.b[4*i:]))
	}
	d.take(4 * n)
	return out
}

func (d *decoder) arcs(nodes int) []arc {
	n := d.count(12)
	out := make([]arc, n)
	for i := range out {
		b := d.b[12*i:]
		out[i] = arc{int32(binary.LittleEndian.Uint32(b)), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])}
		if out[i].to < 0 || int(out[i].to) >= nodes {
			d.fail("arcs")
			return nil
		}
	}
	d.take(12 * n)
	return out
}

// WriteMapFile writes m to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, so a reader sees the old
// map or the new one and never part of either.
func WriteMapFile(path string, m *Map) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a rename, there is nothing to remove
	if err := WriteMap(f, m); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself survives a power cut
		d.Close()
	}
	return nil
}

// ReadMapFile reads the map at path. A missing file gives an error
// wrapping fs.ErrNotExist.
func ReadMapFile(path string) (*Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ReadMap(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

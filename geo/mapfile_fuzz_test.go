package geo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
)

// FuzzReadMap: a map file of any content is read whole or refused with
// ErrBadMap, never a panic, and what is read answers a trip and draws a
// tile.
func FuzzReadMap(f *testing.F) {
	lat := []int32{0, 0, 10000}
	lon := []int32{0, 10000, 10000}
	m := &Map{Roads: BuildRoads(lat, lon, []Segment{{A: 0, B: 1, AB: 1000, BA: 1000, Dm: 1112}, {A: 1, B: 2, AB: 1000, BA: NoWay, Dm: 1112}}),
		Places: []Place{{Name: "Nowhere", Lat: 0.0005, Lon: 0.0005}}, Basemap: &Basemap{}}
	m.Basemap.add(DrawMinor, lat, lon)
	m.Basemap.add(DrawPark, []int32{0, 0, 10000, 0}, []int32{0, 10000, 10000, 0})
	m.Basemap.finish()
	var buf bytes.Buffer
	if err := WriteMap(&buf, m); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	f.Add([]byte(mapMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		read(t, data)
		// The same bytes with a checksum that fits, so the fuzzer reaches
		// the decoder's own checks of every length and index.
		if len(data) >= 4 {
			body := data[:len(data)-4]
			fixed := binary.LittleEndian.AppendUint32(bytes.Clone(body), crc32.Checksum(body, castagnoli))
			read(t, fixed)
		}
	})
}

func read(t *testing.T, data []byte) {
	got, err := ReadMap(data)
	if err != nil {
		if !errors.Is(err, ErrBadMap) {
			t.Fatalf("error %v does not wrap ErrBadMap", err)
		}
		return
	}
	target := got.Roads.Toward(0, 0.0005)
	target.From(0.0005, 0.001)
	target.Close()
	if got.Basemap != nil {
		for _, z := range []int{0, 12, 19} {
			x, y := TileAt(0.0005, 0.0005, z)
			EncodeTile(got.Basemap.DrawTile(z, x, y))
		}
	}
}

package citdesk

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"
)

// FuzzParseDate: a date that parses prints back as the same text, reads
// back from its JSON, and the event-date check decides on it without
// panicking; coverage dates parse or are refused as invalid input.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-03-01", "0001-01-02", "1900-01-01", "9999-12-31", "2024-02-29", "2025-02-29", "2025-3-1", "", "2025-03-01T00:00:00Z", "+2025-03-01"} {
		f.Add(s, "2025-03-31")
	}
	today := NewDate(2025, time.March, 1)
	f.Fuzz(func(t *testing.T, s, to string) {
		d, err := ParseDate(s)
		if err == nil {
			if d.String() != s {
				t.Fatalf("ParseDate(%q) prints as %q", s, d.String())
			}
			b, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			var back Date
			if err := json.Unmarshal(b, &back); err != nil || back != d {
				t.Fatalf("JSON round trip of %s: %v, %v", d, back, err)
			}
			if err := CheckEventDate("completed", d, today); err != nil && (ErrorField(err) != "completed" || !d.Before(EarliestDate) && !d.After(today.AddDate(0, 0, 1))) {
				t.Fatalf("CheckEventDate(%s): %v", d, err)
			}
		}
		var j Date
		if err := json.Unmarshal([]byte(s), &j); err == nil && !j.IsZero() && j.String() == "" {
			t.Fatalf("UnmarshalJSON(%q) gave a date that prints empty", s)
		}
		if _, _, err := ParseCoverageDates(s, to); err != nil && ErrorCode(err) != EINVALID {
			t.Fatalf("ParseCoverageDates(%q, %q): %v", s, to, err)
		}
	})
}

// FuzzNormalizePlanPhoto feeds arbitrary bytes to the crisis-plan photo
// check: it never panics, refuses with an error naming photo, and what it
// accepts is a JPEG of the same size as the image it was given, with no
// bytes of the upload's metadata carried over.
func FuzzNormalizePlanPhoto(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := range 8 {
		img.Set(x, x%6, color.RGBA{R: uint8(30 * x), G: 100, B: 200, A: 255})
	}
	var pngBuf, jpgBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		f.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, img, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(pngBuf.Bytes())
	f.Add(jpgBuf.Bytes())
	// A JPEG with an APP1 (EXIF) segment after its start marker.
	exif := append([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10}, []byte("Exif\x00\x00GPS-HOME")...)
	f.Add(append(exif, jpgBuf.Bytes()[2:]...))
	f.Add([]byte("GIF89a"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := NormalizePlanPhoto(data)
		if err != nil {
			if ErrorField(err) != "photo" {
				t.Fatalf("refusal %v: want one naming photo", err)
			}
			return
		}
		in, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("accepted an image that does not decode: %v", err)
		}
		got, format, err := image.DecodeConfig(bytes.NewReader(out))
		if err != nil || format != "jpeg" || got.Width != in.Width || got.Height != in.Height {
			t.Fatalf("output %s %dx%d (%v), input %dx%d", format, got.Width, got.Height, err, in.Width, in.Height)
		}
		if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte("GPS-HOME")) {
			t.Fatalf("metadata carried over")
		}
	})
}

package citdesk_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"citdesk"
)

// testJPEGWithExif makes a small JPEG carrying an APP1 "Exif" segment with a
// GPS-looking string, as a phone photo would.
func testJPEGWithExif(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		img.Set(x, 10, color.RGBA{200, 30, 30, 255})
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	b := plain.Bytes()
	payload := []byte("Exif\x00\x00GPSLatitude 38.1395 N GPSLongitude 90.5551 W")
	seg := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func TestNormalizePlanPhoto(t *testing.T) {
	withExif := testJPEGWithExif(t)
	if !bytes.Contains(withExif, []byte("GPSLatitude")) {
		t.Fatal("fixture lacks its EXIF")
	}
	out, err := citdesk.NormalizePlanPhoto(withExif)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("GPS")) || bytes.Contains(out, []byte("Exif")) {
		t.Fatal("metadata survived re-encoding")
	}
	if _, format, err := image.Decode(bytes.NewReader(out)); err != nil || format != "jpeg" {
		t.Fatalf("output is not a JPEG: %v %s", err, format)
	}

	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 8, 8)))
	if _, err := citdesk.NormalizePlanPhoto(pngBuf.Bytes()); err != nil {
		t.Fatalf("PNG refused: %v", err)
	}

	// A PNG header claiming a huge image is refused before decoding.
	var huge bytes.Buffer
	png.Encode(&huge, image.NewGray(image.Rect(0, 0, 7000, 1)))
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not an image", []byte("%PDF-1.4 not a photo")},
		{"too many pixels", huge.Bytes()},
		{"too many bytes", make([]byte, citdesk.MaxPlanPhotoBytes+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := citdesk.NormalizePlanPhoto(tc.data)
			if citdesk.ErrorCode(err) != citdesk.EINVALID || citdesk.ErrorField(err) != "photo" {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

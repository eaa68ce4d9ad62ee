package citdesk

import (
	"bytes"
	"image"
	"image/jpeg"
	_ "image/png" // a family may bring a PNG
)

// MaxPlanPhotoBytes limits an uploaded crisis-plan photo.
const MaxPlanPhotoBytes = 5 << 20

// maxPlanPhotoSide limits the decoded size, so a small file cannot unpack
// into a huge image.
const maxPlanPhotoSide = 6000

// NormalizePlanPhoto checks that data is a JPEG or PNG photo of sensible
// size and returns it re-encoded as JPEG. Re-encoding drops all metadata:
// a phone photo's EXIF can carry the GPS position of the family's home.
func NormalizePlanPhoto(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, FieldErrorf("photo", "Choose a photo to upload.")
	}
	if len(data) > MaxPlanPhotoBytes {
		return nil, FieldErrorf("photo", "The photo is larger than %d MB.", MaxPlanPhotoBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "jpeg" && format != "png") {
		return nil, FieldErrorf("photo", "The photo must be a JPEG or PNG image.")
	}
	if cfg.Width > maxPlanPhotoSide || cfg.Height > maxPlanPhotoSide {
		return nil, FieldErrorf("photo", "The photo is too large (at most %d pixels a side).", maxPlanPhotoSide)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, FieldErrorf("photo", "The photo could not be read.")
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

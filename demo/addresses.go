package demo

import (
	"fmt"
	"math"

	"citdesk"
)

// demoStreet is a street of the invented address list: where its first
// block starts, which way it runs (degrees per block of 100 numbers), its
// blocks, and which side has the odd numbers.
type demoStreet struct {
	name                  string
	lat0, lon0            float64 // offsets from the centre
	dlat, dlon            float64 // one block
	firstBlock, lastBlock int
}

// Blocks are about 145 m (475 ft): 0.0013° of latitude, or 0.0016° of
// longitude at De Soto's latitude.
const blockLat, blockLon = 0.0013, 0.0016

// demoStreets are the invented streets: Main Street north and south of
// the centre, numbered streets east of it, cross streets, and Vineland
// Road running south-east. The names are common ones; the layout is made
// up.
var demoStreets = []demoStreet{
	{"N Main St", 0, 0, blockLat, 0, 0, 9},
	{"S Main St", 0, 0, -blockLat, 0, 0, 7},
	{"N 2nd St", 0, 0.0025, blockLat, 0, 0, 6},
	{"S 2nd St", 0, 0.0025, -blockLat, 0, 0, 4},
	{"N 3rd St", 0, 0.005, blockLat, 0, 0, 5},
	{"Mill St", 0, -0.0025, blockLat, 0, 0, 5},
	{"Church St", 0, -0.005, -blockLat, 0, 0, 5},
	{"E Boyd St", 0.0026, 0, 0, blockLon, 0, 6},
	{"W Boyd St", 0.0026, 0, 0, -blockLon, 0, 4},
	{"E Miller St", 0.0052, 0, 0, blockLon, 0, 5},
	{"Clement St", -0.0026, 0, 0, blockLon, 0, 5},
	{"Pratt St", -0.0052, 0, 0, -blockLon, 0, 5},
	{"Jefferson Ave", 0.0078, 0, 0, blockLon, 0, 8},
	{"Easton St", 0.0104, 0, 0, -blockLon, 0, 5},
	{"Oak Ridge Dr", -0.0104, 0, 0, blockLon, 2, 6},
	{"Vineland Rd", -0.0078, 0.004, -0.0008, 0.0012, 8, 14},
}

// Addresses is the demo agency's invented address list: about 2,000
// addresses on 16 streets around the centre of De Soto, eight houses a
// side to a block, even numbers on one side and odd on the other, so a
// dispatcher can type "12 main st" or "1200 vineland rd".
func Addresses() []citdesk.Address {
	var out []citdesk.Address
	for _, s := range demoStreets {
		for b := s.firstBlock; b <= s.lastBlock; b++ {
			for i := 0; i < 8; i++ {
				along := float64(b-s.firstBlock) + (float64(i)+0.5)/8
				number := b*100 + 2*i
				if b == 0 {
					number += 2 // the first block starts at 2 and 3
				}
				lat := centreLat + s.lat0 + s.dlat*along
				lon := centreLon + s.lon0 + s.dlon*along
				// The two sides of the street, about 15 m from its middle.
				for side, off := range []float64{-1, 1} {
					plat, plon := lat, lon
					if s.dlat != 0 && s.dlon == 0 {
						plon += off * 0.00017
					} else {
						plat += off * 0.00013
					}
					out = append(out, citdesk.Address{HouseNumber: fmt.Sprint(number + side), Street: s.name, Place: "De Soto", Lat: round6(plat), Lon: round6(plon)})
				}
			}
		}
	}
	return out
}

// round6 rounds to six decimals (about 10 cm), as a surveyed list would be.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

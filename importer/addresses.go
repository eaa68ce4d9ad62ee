package importer

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/geo"
)

// Limits on an address list. A county has a few hundred thousand
// addresses; a large state's list is for the OpenStreetMap import (issue
// 13), not this file.
const (
	MaxAddressRows  = 1_000_000
	MaxAddressBytes = 256 << 20 // 256 MiB
)

// addressHeaders maps a header name, normalised by headerKey, to its
// column: the plain names, the OpenStreetMap addr:* keys and common GIS
// export names.
var addressHeaders = map[string]string{
	"housenumber": "house_number", "number": "house_number", "houseno": "house_number", "housenum": "house_number",
	"addrhousenumber": "house_number", "addressnumber": "house_number", "addnum": "house_number", "no": "house_number",
	"street": "street", "streetname": "street", "addrstreet": "street", "road": "street", "fullstreetname": "street", "stname": "street",
	"place": "place", "city": "place", "town": "place", "locality": "place", "municipality": "place", "addrcity": "place", "addrplace": "place", "community": "place",
	"lat": "lat", "latitude": "lat", "y": "lat",
	"lon": "lon", "lng": "lon", "long": "lon", "longitude": "lon", "x": "lon",
}

var addressColumns = []string{"house_number", "street", "place", "lat", "lon"}

// ParseAddresses reads an agency's address list, as given to "citdesk
// import addresses": a CSV file whose first row names the columns
// house_number (number), street (street_name, addr:street), place (city,
// town, locality), lat (latitude) and lon (lng, longitude), matched
// ignoring case, spaces and punctuation; street, lat and lon are required,
// other columns are ignored. Coordinates are decimal degrees (WGS 84).
//
// The list is loaded all or nothing, so the caller saves it only when
// rowErrs is empty; every wrong row is reported with its line: a missing
// street or coordinate, a value that is not a number or out of range, text
// that is not UTF-8, or the same address (compared as lookup compares
// them) already on an earlier line. err is non-nil when the file as a
// whole cannot be used (empty, not CSV, a required column missing, larger
// than MaxAddressBytes or MaxAddressRows).
func ParseAddresses(r io.Reader) (list []citdesk.Address, rowErrs []RowError, err error) {
	return parseAddresses(r, MaxAddressRows, MaxAddressBytes)
}

func parseAddresses(r io.Reader, maxRows int, maxBytes int64) ([]citdesk.Address, []RowError, error) {
	tooBig := citdesk.Errorf(citdesk.ETOOLARGE, "The address file is larger than %s; split it by place.", byteSize(maxBytes))
	cr, capped, err := newCappedCSV(r, maxBytes, tooBig, "address list")
	if err != nil {
		return nil, nil, err
	}
	cr.TrimLeadingSpace = true
	header, err := readHeader(cr, capped, tooBig,
		citdesk.Errorf(citdesk.EINVALID, "The address file is empty; its first row must name the columns (house_number, street, place, lat, lon)."),
		"The address file", "address list")
	if err != nil {
		return nil, nil, err
	}
	index := map[string]int{}
	for i, h := range header {
		c, ok := addressHeaders[headerKey(h)]
		if !ok {
			continue
		}
		if j, dup := index[c]; dup {
			return nil, nil, citdesk.Errorf(citdesk.EINVALID, "The address file's columns %q and %q both mean %s; keep one.", strings.TrimSpace(header[j]), strings.TrimSpace(h), c)
		}
		index[c] = i
	}
	var missing []string
	for _, c := range []string{"street", "lat", "lon"} {
		if _, ok := index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("The address file's first row must name the columns street, lat and lon (and house_number, place); missing %s.", strings.Join(missing, ", "))
		if len(header) == 1 && strings.ContainsAny(header[0], ";\t") {
			msg += " The file seems to use semicolons or tabs; save it as comma-separated CSV."
		}
		return nil, nil, citdesk.Errorf(citdesk.EINVALID, "%s", msg)
	}

	var list []citdesk.Address
	var rowErrs []RowError
	seen := map[string]int{}
	tooMany := citdesk.Errorf(citdesk.ETOOLARGE, "The address file has more than %d rows; split it by place.", maxRows)
	err = eachRecord(cr, capped, maxRows, tooMany, tooBig, "address list", &rowErrs, func(line int, rec []string) error {
		fail := func(col, format string, args ...any) error {
			rowErrs = append(rowErrs, RowError{Line: line, Column: col, Reason: fmt.Sprintf(format, args...)})
			return nil
		}
		if len(rec) < len(header) {
			return fail("", "The row has %d fields but the header has %d.", len(rec), len(header))
		}
		f := map[string]string{}
		for _, c := range addressColumns {
			if i, ok := index[c]; ok {
				f[c] = strings.TrimSpace(rec[i])
			}
		}
		a := citdesk.Address{HouseNumber: f["house_number"], Street: f["street"], Place: f["place"]}
		for _, c := range []string{"lat", "lon"} {
			if f[c] == "" {
				return fail(c, "The %s is missing.", map[string]string{"lat": "latitude", "lon": "longitude"}[c])
			}
			v, err := strconv.ParseFloat(f[c], 64)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return fail(c, "%q is not a number of decimal degrees, such as 38.1395 or -90.5551.", f[c])
			}
			if c == "lat" {
				a.Lat = v
			} else {
				a.Lon = v
			}
		}
		if err := a.Validate(); err != nil {
			return fail(citdesk.ErrorField(err), "%s", citdesk.ErrorMessage(err))
		}
		key := strings.Join(geo.Tokens(a.HouseNumber+" "+a.Street+" , "+a.Place), " ")
		if first, dup := seen[key]; dup {
			return fail("", "%s is already on line %d.", a.Label(), first)
		}
		seen[key] = line
		list = append(list, a)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return list, rowErrs, nil
}

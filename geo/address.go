// Package geo is citdesk's map data as plain values: the address index
// behind address lookup (from the agency's own address list now, from an
// OpenStreetMap extract later). Pure code: it takes addresses and answers
// queries, and never touches the database or the network.
package geo

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"citdesk"
)

// AddressIndex answers address lookups over one agency's addresses. It is
// built once (NewAddressIndex) and then only read, so any number of
// goroutines may search it at once.
type AddressIndex struct {
	addrs   []citdesk.Address
	streets []*street
	places  []*place
	// byToken lists, for each folded word, the streets and places whose
	// name holds it, so a query looks only at candidates.
	streetsByToken map[string][]int32
	placesByToken  map[string][]int32
	tokens         []string // every distinct word, sorted, for prefix lookup
	grid           map[cell][]int32
}

// street is one street in one place, with its addresses.
type street struct {
	name, place string
	tokens      []string         // folded words of the street, then of the place
	alias       []string         // other words that may match: the place's words run together ("desoto")
	numbers     map[string]int32 // folded house number → address
	addrs       []int32          // its addresses, lowest house number first
	folded      []string         // the folded house number of each of addrs
	lat, lon    float64          // its middle: the address nearest the mean of its addresses
}

// place is one city, town or locality.
type place struct {
	name     string
	tokens   []string
	alias    []string
	lat, lon float64
}

// cell is a square of the reverse-lookup grid, about 1.1 km on a side.
type cell struct{ x, y int32 }

const cellDeg = 0.01

func cellOf(lat, lon float64) cell {
	return cell{int32(math.Floor(lon / cellDeg)), int32(math.Floor(lat / cellDeg))}
}

// NewAddressIndex indexes addrs (already valid: citdesk.Address.Validate).
func NewAddressIndex(addrs []citdesk.Address) *AddressIndex {
	return NewAddressIndexWithPlaces(addrs, nil)
}

// NewAddressIndexWithPlaces indexes addrs and named places (an
// OpenStreetMap import's cities, towns and localities). A named place
// that addresses name too is answered at its own position rather than at
// the middle of those addresses.
func NewAddressIndexWithPlaces(addrs []citdesk.Address, named []Place) *AddressIndex {
	ix := &AddressIndex{addrs: addrs, streetsByToken: map[string][]int32{}, placesByToken: map[string][]int32{}, grid: map[cell][]int32{}}
	streetKey, placeKey := map[string]int32{}, map[string]int32{}
	type sum struct {
		lat, lon float64
		n        int
	}
	placeSums := map[int32]*sum{}
	for i := range addrs {
		a := &addrs[i]
		pt := Tokens(a.Place)
		pk := strings.Join(pt, " ")
		st := append(Tokens(a.Street), pt...)
		sk := strings.Join(st, " ")
		si, ok := streetKey[sk]
		if !ok {
			si = int32(len(ix.streets))
			streetKey[sk] = si
			ix.streets = append(ix.streets, &street{name: a.Street, place: a.Place, tokens: st, alias: joined(pt), numbers: map[string]int32{}})
		}
		s := ix.streets[si]
		s.addrs = append(s.addrs, int32(i))
		if n := foldNumber(a.HouseNumber); n != "" {
			if _, dup := s.numbers[n]; !dup {
				s.numbers[n] = int32(i)
			}
		}
		if pk != "" {
			pi, ok := placeKey[pk]
			if !ok {
				pi = int32(len(ix.places))
				placeKey[pk] = pi
				ix.places = append(ix.places, &place{name: a.Place, tokens: pt, alias: joined(pt)})
				placeSums[pi] = &sum{}
			}
			ps := placeSums[pi]
			ps.lat, ps.lon, ps.n = ps.lat+a.Lat, ps.lon+a.Lon, ps.n+1
		}
		c := cellOf(a.Lat, a.Lon)
		ix.grid[c] = append(ix.grid[c], int32(i))
	}
	fixed := map[int32]bool{}
	for _, np := range named {
		pt := Tokens(np.Name)
		pk := strings.Join(pt, " ")
		if pk == "" {
			continue
		}
		pi, ok := placeKey[pk]
		if !ok {
			pi = int32(len(ix.places))
			placeKey[pk] = pi
			ix.places = append(ix.places, &place{name: np.Name, tokens: pt, alias: joined(pt)})
		}
		if !fixed[pi] {
			fixed[pi] = true
			placeSums[pi] = &sum{np.Lat, np.Lon, 1}
		}
	}
	seen := map[string]bool{}
	for si, s := range ix.streets {
		slices.SortStableFunc(s.addrs, func(a, b int32) int {
			return compareHouseNumbers(addrs[a].HouseNumber, addrs[b].HouseNumber)
		})
		s.folded = make([]string, len(s.addrs))
		for k, i := range s.addrs {
			s.folded[k] = foldNumber(addrs[i].HouseNumber)
		}
		var lat, lon float64
		for _, i := range s.addrs {
			lat, lon = lat+addrs[i].Lat, lon+addrs[i].Lon
		}
		lat, lon = lat/float64(len(s.addrs)), lon/float64(len(s.addrs))
		best, bestD := s.addrs[0], math.Inf(1)
		for _, i := range s.addrs {
			if d := planeDistance(lat, lon, addrs[i].Lat, addrs[i].Lon); d < bestD {
				best, bestD = i, d
			}
		}
		s.lat, s.lon = addrs[best].Lat, addrs[best].Lon
		for _, t := range uniq(append(s.tokens, s.alias...)) {
			ix.streetsByToken[t] = append(ix.streetsByToken[t], int32(si))
			if !seen[t] {
				seen[t] = true
				ix.tokens = append(ix.tokens, t)
			}
		}
	}
	for pi, p := range ix.places {
		ps := placeSums[int32(pi)]
		p.lat, p.lon = ps.lat/float64(ps.n), ps.lon/float64(ps.n)
		for _, t := range uniq(append(p.tokens, p.alias...)) {
			ix.placesByToken[t] = append(ix.placesByToken[t], int32(pi))
			if !seen[t] {
				seen[t] = true
				ix.tokens = append(ix.tokens, t)
			}
		}
	}
	slices.Sort(ix.tokens)
	return ix
}

// Len is the number of addresses indexed.
func (ix *AddressIndex) Len() int { return len(ix.addrs) }

// joined is a name of several words run together, which people also
// write ("De Soto" as "Desoto"); nil for a name of one word.
func joined(ts []string) []string {
	if len(ts) < 2 {
		return nil
	}
	return []string{strings.Join(ts, "")}
}

func uniq(ts []string) []string {
	out := slices.Clone(ts)
	slices.Sort(out)
	return slices.Compact(out)
}

// abbreviations maps a folded abbreviation to the word it stands for.
// Addresses and queries are folded alike, so "St" on the list meets
// "Street" in a query and "Saint" stays what the list says ("St Louis
// Ave" folds to "street louis avenue" on both sides).
var abbreviations = map[string]string{
	"st": "street", "str": "street", "ave": "avenue", "av": "avenue", "avn": "avenue", "rd": "road", "dr": "drive",
	"ln": "lane", "blvd": "boulevard", "bl": "boulevard", "ct": "court", "pl": "place", "hwy": "highway", "pkwy": "parkway",
	"cir": "circle", "ter": "terrace", "trl": "trail", "sq": "square", "hts": "heights", "xing": "crossing",
	"expy": "expressway", "fwy": "freeway", "aly": "alley", "ext": "extension", "cres": "crescent", "mt": "mount", "ft": "fort",
	"n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
	"co": "county", "rte": "route", "rt": "route", "tpke": "turnpike", "pt": "point", "cv": "cove", "holw": "hollow",
	// Catalan and Spanish, for the Monaco and Barcelona test extracts of issue 13.
	"avda": "avinguda", "avgda": "avinguda", "pg": "passeig",
	// French, for Monaco's streets (issue 13).
	"bd": "boulevard", "bld": "boulevard", "imp": "impasse", "che": "chemin",
}

// Tokens folds s into the words addresses are matched by: lower case,
// accents removed (é → e, ß → ss), every run of punctuation and spaces one
// break, abbreviations expanded ("N Main St." → north main street).
func Tokens(s string) []string {
	raw := rawTokens(s)
	for i, t := range raw {
		if full, ok := abbreviations[t]; ok {
			raw[i] = full
		}
	}
	return raw
}

// rawTokens is Tokens without expanding abbreviations.
func rawTokens(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent, split off by NFD
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø' || r == 'Ø':
			b.WriteByte('o')
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ł' || r == 'Ł':
			b.WriteByte('l')
		case r == '\'' || r == '’': // O'Fallon, Land's End: one word
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// foldNumber folds a house number for matching: "12 A", "12a" and "12-A"
// are one number.
func foldNumber(n string) string { return strings.Join(rawTokens(n), "") }

// compareHouseNumbers orders house numbers by their leading number, then
// as text: 2 before 12 before 12A before 120.
func compareHouseNumbers(a, b string) int {
	if c := cmp.Compare(leadingNumber(a), leadingNumber(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func leadingNumber(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1e8; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// isHouseNumber reports whether a query word is a house number: it starts
// with a digit ("12", "12a", "1200").
func isHouseNumber(t string) bool { return t != "" && t[0] >= '0' && t[0] <= '9' }

// queryWord is one word of a query: what was typed (folded) and what it
// stands for.
type queryWord struct {
	raw, full string
}

// candidate is a match being ranked.
type candidate struct {
	score float64
	m     citdesk.GeocodeMatch
}

// Search returns at most limit matches for q, best first. The first word
// is the house number when it starts with a digit. Every other word must
// match a word of the street and its place: in full, as an abbreviation,
// or — the word being typed, the last — as its beginning. Ranking: a
// house number the list holds, then a street of that name (its middle,
// kind street), streets whose words are all matched before those with
// more words, words in the order typed, then alphabetically.
func (ix *AddressIndex) Search(q string, limit int) []citdesk.GeocodeMatch {
	if limit <= 0 {
		return nil
	}
	raw := rawTokens(q)
	if len(raw) == 0 {
		return nil
	}
	house := ""
	if isHouseNumber(raw[0]) {
		house, raw = raw[0], raw[1:]
	}
	words := make([]queryWord, len(raw))
	for i, t := range raw {
		words[i] = queryWord{raw: t, full: cmp.Or(abbreviations[t], t)}
	}
	var out []candidate
	if len(words) == 0 {
		// Only a number so far: too little to say which street.
		return nil
	}
	for _, si := range ix.candidates(words, ix.streetsByToken, len(ix.streets)) {
		s := ix.streets[si]
		score, ok := matchWords(words, s.tokens, s.alias)
		if !ok {
			continue
		}
		if house == "" {
			out = append(out, candidate{score, citdesk.GeocodeMatch{Label: streetLabel(s), Lat: s.lat, Lon: s.lon, Kind: citdesk.GeocodeStreet}})
			continue
		}
		if i, ok := s.numbers[house]; ok {
			a := &ix.addrs[i]
			out = append(out, candidate{score + 100, citdesk.GeocodeMatch{Label: a.Label(), Lat: a.Lat, Lon: a.Lon, Kind: citdesk.GeocodeAddress}})
			continue
		}
		// The number typed so far begins some of the street's numbers
		// ("12" of 120, 124): offer the lowest few, below an exact one.
		n := 0
		for k, i := range s.addrs {
			a := &ix.addrs[i]
			if f := s.folded[k]; strings.HasPrefix(f, house) {
				out = append(out, candidate{score + 50 - float64(len(f)-len(house)), citdesk.GeocodeMatch{Label: a.Label(), Lat: a.Lat, Lon: a.Lon, Kind: citdesk.GeocodeAddress}})
				if n++; n == 3 {
					break
				}
			}
		}
		// The street itself, for a number the list lacks.
		out = append(out, candidate{score, citdesk.GeocodeMatch{Label: streetLabel(s), Lat: s.lat, Lon: s.lon, Kind: citdesk.GeocodeStreet}})
	}
	if house == "" {
		for _, pi := range ix.candidates(words, ix.placesByToken, len(ix.places)) {
			p := ix.places[pi]
			if score, ok := matchWords(words, p.tokens, p.alias); ok {
				out = append(out, candidate{score + 1, citdesk.GeocodeMatch{Label: p.name, Lat: p.lat, Lon: p.lon, Kind: citdesk.GeocodePlace}})
			}
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.m.Label, b.m.Label)
	})
	res := make([]citdesk.GeocodeMatch, 0, min(limit, len(out)))
	seen := map[string]bool{}
	for _, c := range out {
		if len(res) == limit {
			break
		}
		if seen[c.m.Label] {
			continue
		}
		seen[c.m.Label] = true
		res = append(res, c.m)
	}
	return res
}

// aliasWords is how many of name's last words the alias runs together
// (the place's words): matched through the alias, they cost nothing.
func aliasWords(alias, name []string) int {
	n, l := 0, 0
	for i := len(name) - 1; i >= 0 && l < len(alias[0]); i-- {
		l += len(name[i])
		n++
	}
	return n
}

func streetLabel(s *street) string {
	if s.place == "" {
		return s.name
	}
	return s.name + ", " + s.place
}

// candidates returns the streets (or places) that hold the query's rarest
// word: every match must hold each word, so the rarest is the shortest
// list to check. A word being typed (the last) stands for every indexed
// word it begins.
func (ix *AddressIndex) candidates(words []queryWord, byToken map[string][]int32, n int) []int32 {
	var best []int32
	found := false
	for i, w := range words {
		var list []int32
		if i == len(words)-1 {
			list = ix.prefixList(w, byToken)
		} else {
			list = byToken[w.full]
		}
		if !found || len(list) < len(best) {
			best, found = list, true
		}
		if len(best) == 0 {
			return nil
		}
	}
	return best
}

// prefixList is every street (or place) with a word that w begins, or
// that w abbreviates, without repeats.
func (ix *AddressIndex) prefixList(w queryWord, byToken map[string][]int32) []int32 {
	var out []int32
	start, _ := slices.BinarySearch(ix.tokens, w.raw)
	for _, t := range ix.tokens[start:] {
		if !strings.HasPrefix(t, w.raw) {
			break
		}
		out = append(out, byToken[t]...)
	}
	if w.full != w.raw && !strings.HasPrefix(w.full, w.raw) {
		out = append(out, byToken[w.full]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// matchWords scores how well the query words match a name's words; ok is
// false unless every query word matches. A full word scores 10, the word
// being typed matched by its beginning 6; each word of the name left
// unmatched costs 2; the first query word matching the name's first word
// earns 3, words in the typed order 1 each. A word of alias may match a
// query word too, and costs nothing when it does not.
func matchWords(words []queryWord, name, alias []string) (score float64, ok bool) {
	used := make([]bool, len(name)+len(alias))
	all := name
	if len(alias) > 0 {
		all = append(slices.Clip(name), alias...)
	}
	last := -1
	for i, w := range words {
		at, best := -1, 0.0
		for j, t := range all {
			var v float64
			switch {
			case t == w.full || t == w.raw:
				v = 10
			case i == len(words)-1 && strings.HasPrefix(t, w.raw):
				v = 6
			default:
				continue
			}
			if used[j] {
				v -= 0.5 // rather a word not matched yet
			}
			if v > best {
				at, best = j, v
			}
		}
		if at < 0 {
			return 0, false
		}
		if at > last {
			score++
		}
		if i == 0 && at == 0 {
			score += 3
		}
		last = at
		used[at] = true
		score += math.Ceil(best)
	}
	for j, u := range used[:len(name)] {
		if !u && !(len(alias) > 0 && used[len(name)] && j >= len(name)-aliasWords(alias, name)) {
			score -= 2
		}
	}
	return score, true
}

// Reverse returns the address nearest to (lat, lon) with its distance in
// meters; ok is false when the index is empty.
func (ix *AddressIndex) Reverse(lat, lon float64) (m citdesk.GeocodeMatch, ok bool) {
	if len(ix.addrs) == 0 {
		return m, false
	}
	best, bestD := int32(-1), math.Inf(1)
	c := cellOf(lat, lon)
	// Widen the square of cells until it holds an address and the nearest
	// found is nearer than any cell not yet searched could be.
	for r := int32(0); ; r++ {
		for x := c.x - r; x <= c.x+r; x++ {
			for y := c.y - r; y <= c.y+r; y++ {
				if r > 0 && x != c.x-r && x != c.x+r && y != c.y-r && y != c.y+r {
					continue // inside: searched at a smaller r
				}
				for _, i := range ix.grid[cell{x, y}] {
					if d := planeDistance(lat, lon, ix.addrs[i].Lat, ix.addrs[i].Lon); d < bestD {
						best, bestD = i, d
					}
				}
			}
		}
		// Every point outside the searched square is at least r cells away
		// in latitude or longitude (longitude cells shrink by cos(lat)).
		reach := float64(r) * cellDeg * metersPerDegree * math.Cos(math.Min(math.Abs(lat)+float64(r+1)*cellDeg, 89.9)*math.Pi/180)
		if best >= 0 && bestD <= reach {
			break
		}
		if r > 4000 { // the whole globe: the grid is empty where searched
			if best < 0 {
				return m, false
			}
			break
		}
		if best < 0 && r > 8 {
			// Far from every address: a plain scan is quicker than
			// widening cell by cell.
			for i := range ix.addrs {
				if d := planeDistance(lat, lon, ix.addrs[i].Lat, ix.addrs[i].Lon); d < bestD {
					best, bestD = int32(i), d
				}
			}
			break
		}
	}
	a := &ix.addrs[best]
	d := math.Round(Distance(lat, lon, a.Lat, a.Lon)*10) / 10
	kind := citdesk.GeocodeAddress
	if a.HouseNumber == "" { // a street without numbers (an OpenStreetMap import's)
		kind = citdesk.GeocodeStreet
	}
	return citdesk.GeocodeMatch{Label: a.Label(), Lat: a.Lat, Lon: a.Lon, Kind: kind, DistanceM: &d}, true
}

const (
	earthRadius     = 6371008.8 // meters, the mean radius
	metersPerDegree = earthRadius * math.Pi / 180
)

// planeDistance is the distance in meters on a local flat map
// (equirectangular): exact enough to compare nearby points, and cheap.
func planeDistance(lat1, lon1, lat2, lon2 float64) float64 {
	x := (lon2 - lon1) * math.Cos((lat1+lat2)/2*math.Pi/180)
	y := lat2 - lat1
	return math.Hypot(x, y) * metersPerDegree
}

// Distance is the great-circle distance in meters between two points
// (haversine).
func Distance(lat1, lon1, lat2, lon2 float64) float64 {
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

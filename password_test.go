package citdesk

import "testing"

func TestValidatePassword(t *testing.T) {
	agency := &Agency{Slug: "desoto", Name: "De Soto Police Department", City: "De Soto"}
	for _, tc := range []struct {
		password string
		ok       bool
	}{
		{"correct horse battery staple", true},
		{"a  spaced  out  phrase", true},
		{"short", false},
		{"        ", false},            // 8 spaces: accepted before
		{"\t\t\t\t\t\t\t\t", false},    // 8 tabs: accepted before
		{"aaaaaaaaa", false},           // one repeated character: accepted before
		{"ééééééééé", false},           // in any script
		{"good phrase\x00here", false}, // control characters
		{"good phrase\nsecond", false}, //
		{"De Soto Police Department", false},
		{"desoto12", false},
		{"DE SOTO!!", false},
		{"de soto 2026", false},
		{"desoto is lovely in spring", true},
		{"amy.smith", false}, // the username
		{"password", false},  // common
	} {
		err := ValidatePassword(tc.password, "amy.smith", agency)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok %v", tc.password, err, tc.ok)
		}
		if err != nil && ErrorField(err) != "password" {
			t.Errorf("ValidatePassword(%q) names field %q", tc.password, ErrorField(err))
		}
	}
	if err := ValidatePassword("desoto12", "", nil); err != nil {
		t.Errorf("without an agency: %v", err)
	}
}

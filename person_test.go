package citdesk_test

import (
	"strings"
	"testing"

	"citdesk"
)

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"José":          "jose",
		"O'Brien":       "obrien",
		"  Mary-Jane  ": "mary jane",
		"SMITH Jr.":     "smith",
		"Zoë Müller":    "zoe muller",
	} {
		if got := citdesk.NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJaroWinkler(t *testing.T) {
	if got := citdesk.JaroWinkler("martha", "marhta"); got < 0.96 || got > 0.962 {
		t.Errorf("martha/marhta = %.4f, want 0.961", got)
	}
	if got := citdesk.JaroWinkler("dwayne", "duane"); got < 0.83 || got > 0.85 {
		t.Errorf("dwayne/duane = %.4f, want 0.84", got)
	}
	if citdesk.JaroWinkler("abc", "abc") != 1 || citdesk.JaroWinkler("", "abc") != 0 || citdesk.JaroWinkler("abc", "xyz") != 0 {
		t.Error("edge cases")
	}
}

func TestMatchPerson(t *testing.T) {
	dob := citdesk.NewDate(1988, 4, 12)
	record := &citdesk.Person{ID: 1, FirstName: "Jonathan", LastName: "Kowalczyk", DOB: dob, Address: "1204 Boyd Street", Aliases: []string{"Johnny K"}}
	tests := []struct {
		name   string
		q      citdesk.PersonQuery
		match  bool
		reason string
	}{
		{"exact", citdesk.PersonQuery{FirstName: "Jonathan", LastName: "Kowalczyk", DOB: dob}, true, "same date of birth"},
		{"typo in last name", citdesk.PersonQuery{FirstName: "Jonathan", LastName: "Kowalcyzk", DOB: dob}, true, "similar name"},
		{"typo, case and accents", citdesk.PersonQuery{FirstName: "jonathán", LastName: "KOWALCZIK", DOB: dob}, true, "similar name"},
		{"swapped names", citdesk.PersonQuery{FirstName: "Kowalczyk", LastName: "Jonathan", DOB: dob}, true, "first and last names swapped"},
		{"same name, different date of birth", citdesk.PersonQuery{FirstName: "Jonathan", LastName: "Kowalczyk", DOB: citdesk.NewDate(1961, 9, 30)}, false, ""},
		{"date of birth a day out", citdesk.PersonQuery{FirstName: "Jonathan", LastName: "Kowalczyk", DOB: citdesk.NewDate(1988, 4, 13)}, true, "date of birth one day apart"},
		{"day and month swapped", citdesk.PersonQuery{FirstName: "Jonathan", LastName: "Kowalczyk", DOB: citdesk.NewDate(1988, 12, 4)}, true, "day and month of birth swapped"},
		{"no date of birth, same address", citdesk.PersonQuery{FirstName: "Jon", LastName: "Kowalczyk", Address: "1204 boyd st."}, true, "same address"},
		{"alias", citdesk.PersonQuery{FirstName: "Johnny", LastName: "K", DOB: dob}, true, "alias Johnny K matches"},
		{"different person", citdesk.PersonQuery{FirstName: "Maria", LastName: "Alvarez", DOB: dob}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			score, reasons, ok := citdesk.MatchPerson(tt.q, record)
			if ok != tt.match {
				t.Fatalf("match = %v (score %.2f, %v), want %v", ok, score, reasons, tt.match)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(reasons, "; "), tt.reason) {
				t.Errorf("reasons %v lack %q", reasons, tt.reason)
			}
		})
	}
}

func TestRankMatches(t *testing.T) {
	dob := citdesk.NewDate(1970, 1, 2)
	people := []*citdesk.Person{
		{ID: 1, FirstName: "Robert", LastName: "Smyth"},
		{ID: 2, FirstName: "Robert", LastName: "Smith", DOB: dob},
		{ID: 3, FirstName: "Robert", LastName: "Smith", DOB: citdesk.NewDate(2001, 5, 5)},
		{ID: 4, FirstName: "Alice", LastName: "Ng"},
	}
	got := citdesk.RankMatches(citdesk.PersonQuery{FirstName: "Bob", LastName: "Smith", DOB: dob}, people, 10)
	if len(got) != 2 || got[0].Person.ID != 2 || got[1].Person.ID != 1 {
		for _, m := range got {
			t.Logf("%d %.2f %v", m.Person.ID, m.Score, m.Reasons)
		}
		t.Fatalf("ranked %d matches, want 2 then 1", len(got))
	}
}

func TestSameAddress(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		same bool
	}{
		{"1204 Boyd Street, De Soto, MO", "1204 boyd st", true},
		{"1204 Boyd St Apt 3", "1204 Boyd Street, #3", true},
		{"1204 Boyd St Apt 3", "1204 Boyd St", true},
		{"1204 Boyd St Apt 3", "1204 Boyd St Apt 4", false},
		{"1204 Boyd St", "1206 Boyd St", false},
		{"Apartment 2B, 1200 Vineland Rd", "1200 Vineland Road Apt 2B", true},
		{"", "", false},
	} {
		if got := citdesk.SameAddress(tt.a, tt.b); got != tt.same {
			t.Errorf("SameAddress(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestPersonValidate(t *testing.T) {
	today := citdesk.NewDate(2026, 3, 10)
	tests := []struct {
		name  string
		p     citdesk.Person
		field string
	}{
		{"ok", citdesk.Person{FirstName: "A", LastName: "B"}, ""},
		{"no last name", citdesk.Person{FirstName: "A"}, "last_name"},
		{"no first name", citdesk.Person{LastName: "B"}, "first_name"},
		{"born tomorrow", citdesk.Person{FirstName: "A", LastName: "B", DOB: today.AddDate(0, 0, 1)}, "dob"},
		{"born 1850", citdesk.Person{FirstName: "A", LastName: "B", DOB: citdesk.NewDate(1850, 1, 1)}, "dob"},
		{"bad sex", citdesk.Person{FirstName: "A", LastName: "B", Sex: "x"}, "sex"},
		{"bad race", citdesk.Person{FirstName: "A", LastName: "B", RaceEthnicity: "martian"}, "race_ethnicity"},
		{"bad housing", citdesk.Person{FirstName: "A", LastName: "B", Housing: "castle"}, "housing"},
		{"too many aliases", citdesk.Person{FirstName: "A", LastName: "B", Aliases: strings.Split("a b c d e f g h i j k", " ")}, "aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate(today)
			if got := citdesk.ErrorField(err); got != tt.field || (tt.field == "" && err != nil) {
				t.Fatalf("Validate = %v, want field %q", err, tt.field)
			}
		})
	}
}

func TestCrisisPlan(t *testing.T) {
	today := citdesk.NewDate(2026, 3, 10)
	base := func() *citdesk.CrisisPlan {
		return &citdesk.CrisisPlan{PersonID: 1, WhatHelps: "Speak slowly", ConsentDate: citdesk.NewDate(2025, 12, 31), ConsentedBy: "Self"}
	}
	c := base()
	if err := c.Validate(today); err != nil {
		t.Fatal(err)
	}
	if c.ExpiresOn != citdesk.NewDate(2026, 6, 30) {
		t.Errorf("default expiry = %s, want six months after consent (clamped)", c.ExpiresOn)
	}
	for _, tt := range []struct {
		day  citdesk.Date
		want bool
	}{
		{citdesk.NewDate(2025, 12, 30), false}, {citdesk.NewDate(2025, 12, 31), true}, {citdesk.NewDate(2026, 6, 30), true}, {citdesk.NewDate(2026, 7, 1), false},
	} {
		if got := c.Current(tt.day); got != tt.want {
			t.Errorf("Current(%s) = %v", tt.day, got)
		}
	}
	for _, tt := range []struct {
		name   string
		change func(c *citdesk.CrisisPlan)
		field  string
	}{
		{"no consent date", func(c *citdesk.CrisisPlan) { c.ConsentDate = citdesk.Date{} }, "consent_date"},
		{"consent tomorrow", func(c *citdesk.CrisisPlan) { c.ConsentDate = today.AddDate(0, 0, 1) }, "consent_date"},
		{"no one consented", func(c *citdesk.CrisisPlan) { c.ConsentedBy = "" }, "consented_by"},
		{"expires before consent", func(c *citdesk.CrisisPlan) { c.ExpiresOn = citdesk.NewDate(2025, 1, 1) }, "expires_on"},
		{"over a year", func(c *citdesk.CrisisPlan) { c.ExpiresOn = citdesk.NewDate(2027, 1, 1) }, "expires_on"},
		{"empty plan", func(c *citdesk.CrisisPlan) { c.WhatHelps = "" }, "what_helps"},
		{"too long", func(c *citdesk.CrisisPlan) { c.Triggers = strings.Repeat("x", 4001) }, "triggers"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.change(c)
			if got := citdesk.ErrorField(c.Validate(today)); got != tt.field {
				t.Fatalf("field = %q, want %q", got, tt.field)
			}
		})
	}
}

func TestRepeatContactFilter(t *testing.T) {
	var f citdesk.RepeatContactFilter
	if err := f.Normalize(); err != nil || f.MinEncounters != 3 || f.WindowDays != 90 {
		t.Fatalf("defaults = %+v, %v", f, err)
	}
	for _, bad := range []citdesk.RepeatContactFilter{{MinEncounters: 1}, {WindowDays: -1}, {WindowDays: 4000}} {
		if err := bad.Normalize(); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Errorf("%+v accepted", bad)
		}
	}
}

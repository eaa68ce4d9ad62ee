package ui

import (
	"html/template"
	"io/fs"
	"strings"
	"testing"

	"citdesk/web"
)

// TestCheckAssets shows that a page naming a static file that does not
// exist fails when the templates are parsed (at start-up), wherever in the
// template the name sits, and that every real page passes.
func TestCheckAssets(t *testing.T) {
	core, err := web.NewCore(web.Config{}, web.Services{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{Core: core}
	if _, err := h.loadTemplates(); err != nil {
		t.Fatalf("the shipped templates: %v", err)
	}
	for _, src := range []string{
		`<link href="{{asset "nope.css"}}">`,
		`{{if .}}<script src="{{asset "vendor/nope.js"}}"></script>{{end}}`,
		`{{range .}}{{else}}{{with .}}<img src="{{asset "missing.png"}}">{{end}}{{end}}`,
		`{{define "x"}}{{asset "gone.js"}}{{end}}`,
	} {
		tpl := template.Must(template.New("t").Funcs(h.funcs()).Parse(src))
		err := h.checkAssets(tpl)
		if err == nil || !strings.Contains(err.Error(), "no static file") {
			t.Errorf("%s: err = %v, want a missing static file", src, err)
		}
	}
	ok := template.Must(template.New("t").Funcs(h.funcs()).Parse(`{{if .}}{{asset "app.css"}}{{end}}`))
	if err := h.checkAssets(ok); err != nil {
		t.Errorf("app.css: %v", err)
	}
}

// TestPagesParsedWhenServed shows that start-up keeps no page's parse
// trees, that a page's set is parsed on first use and kept, that it is
// the set start-up checked (the page and the partials it names, executed
// from layout.html), and that an unknown page is an error.
func TestPagesParsedWhenServed(t *testing.T) {
	core, err := web.NewCore(web.Config{}, web.Services{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{Core: core}
	p, err := h.loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.sets) != 0 {
		t.Fatalf("start-up kept %d sets, want none", len(p.sets))
	}
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.files) != len(pages)+1 {
		t.Fatalf("%d sets known, want the %d pages' and the partials'", len(p.files), len(pages))
	}
	person, err := p.lookup("person")
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.lookup("person")
	if err != nil || again != person {
		t.Fatalf("second lookup: %p, %v; want the first set %p", again, err, person)
	}
	if len(p.sets) != 1 {
		t.Fatalf("%d sets after serving one page, want 1", len(p.sets))
	}
	for _, name := range []string{"layout.html", "content", "crisis-plan"} {
		if person.Lookup(name) == nil {
			t.Errorf("the page's set has no %q", name)
		}
	}
	if person.Lookup("dispatch-me-assignment") != nil {
		t.Error("the page's set holds a partial the page does not use")
	}
	partials, err := p.lookup(partialsPage)
	if err != nil || partials.Lookup("dispatch-me-assignment") == nil {
		t.Errorf("the partials' set: %v", err)
	}
	if _, err := p.lookup("no-such-page"); err == nil || !strings.Contains(err.Error(), "no-such-page") {
		t.Errorf("unknown page: err = %v", err)
	}
}

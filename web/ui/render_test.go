package ui

import (
	"html/template"
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
	if _, err := h.parseTemplates(); err != nil {
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

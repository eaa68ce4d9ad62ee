package citdesk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// goPackage is what go list says about one package.
type goPackage struct {
	ImportPath string
	Dir        string
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
}

// goList runs go list -e -json on patterns from the module root.
func goList(t *testing.T, patterns ...string) []goPackage {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the import rules need the go command on PATH")
	}
	cmd := exec.Command(gobin, append([]string{"list", "-e", "-json=ImportPath,Dir,Imports,Deps,Error"}, patterns...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(patterns, " "), err, stderr.String())
	}
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestImports keeps the layout of DESIGN.md true (in the spirit of
// tailscale's deptest): the domain in the root package does no I/O, the
// pure packages dispatch and outcomes take plain values, and nothing but
// the command imports the web layer.
func TestImports(t *testing.T) {
	rules := []struct {
		pkg       string
		forbidden []string // import paths; a trailing "/" forbids a whole tree
	}{
		{"citdesk", []string{"database/sql", "net/http", "citdesk/"}},
		{"citdesk/dispatch", []string{"database/sql", "net/http", "citdesk/store", "citdesk/web"}},
		{"citdesk/outcomes", []string{"database/sql", "net/http", "citdesk/store", "citdesk/web"}},
		{"citdesk/geo", []string{"database/sql", "net/http", "citdesk/store", "citdesk/web"}},
		{"citdesk/eido", []string{"database/sql", "net/http", "citdesk/store", "citdesk/web"}},
		{"citdesk/triage", []string{"database/sql", "net/http", "citdesk/store", "citdesk/web"}},
	}
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			dir := strings.TrimPrefix(strings.TrimPrefix(r.pkg, "citdesk"), "/")
			if dir != "" {
				if _, err := os.Stat(dir); err != nil {
					t.Fatalf("package %s is gone: move its rule with it or remove the rule (%v)", r.pkg, err)
				}
			}
			pkgs := goList(t, r.pkg)
			if len(pkgs) != 1 {
				t.Fatalf("go list %s: %d packages", r.pkg, len(pkgs))
			}
			p := pkgs[0]
			if p.Error != nil && len(p.Deps) == 0 {
				t.Fatalf("go list %s: %s", r.pkg, p.Error.Err)
			}
			for _, dep := range p.Deps {
				for _, f := range r.forbidden {
					if dep == f || strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f) {
						t.Errorf("%s imports %s (directly or through another package); it must not import %s", r.pkg, dep, f)
					}
				}
			}
		})
	}

	// The web layer is citdesk/web (what both audiences share), web/api and
	// web/ui over it, and web/server, which puts them together. Only the
	// command imports web/server; the API and the pages never import each
	// other; nothing outside web/ and the command imports any of it.
	t.Run("only the command imports web", func(t *testing.T) {
		for _, p := range goList(t, "citdesk/...") {
			inWeb := p.ImportPath == "citdesk/web" || strings.HasPrefix(p.ImportPath, "citdesk/web/")
			for _, imp := range p.Imports {
				switch {
				case strings.HasPrefix(imp, "citdesk/cmd"):
					t.Errorf("%s imports %s; nothing may import the command", p.ImportPath, imp)
				case imp == "citdesk/web/server" && p.ImportPath != "citdesk/cmd/citdesk":
					t.Errorf("%s imports %s; only cmd/citdesk may", p.ImportPath, imp)
				case (imp == "citdesk/web" || strings.HasPrefix(imp, "citdesk/web/")) && !inWeb && p.ImportPath != "citdesk/cmd/citdesk":
					t.Errorf("%s imports %s; only cmd/citdesk and the web packages may", p.ImportPath, imp)
				case p.ImportPath == "citdesk/web/api" && imp == "citdesk/web/ui", p.ImportPath == "citdesk/web/ui" && imp == "citdesk/web/api":
					t.Errorf("%s imports %s; the API and the pages share only citdesk/web", p.ImportPath, imp)
				case p.ImportPath == "citdesk/web" && strings.HasPrefix(imp, "citdesk/web/"):
					t.Errorf("citdesk/web imports %s; the shared core must not depend on one audience", imp)
				}
			}
		}
	})
}

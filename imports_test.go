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
	}
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			dir := strings.TrimPrefix(strings.TrimPrefix(r.pkg, "citdesk"), "/")
			if dir != "" {
				if _, err := os.Stat(dir); err != nil {
					t.Skipf("no package %s yet", r.pkg)
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

	t.Run("only the command imports web", func(t *testing.T) {
		for _, p := range goList(t, "citdesk/...") {
			if p.ImportPath == "citdesk/cmd/citdesk" {
				continue
			}
			for _, imp := range p.Imports {
				if imp == "citdesk/web" || strings.HasPrefix(imp, "citdesk/cmd") {
					t.Errorf("%s imports %s; only cmd/citdesk may", p.ImportPath, imp)
				}
			}
		}
	})
}
